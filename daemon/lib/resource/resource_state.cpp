#include "resource/resource_state.hpp"

#include <set>
#include <stdexcept>

#include "config/resource_config.hpp"
#include "log/logfile_name.hpp"
#include "resource/decimal.hpp"
#include "util/host_name.hpp"

namespace mars::resource {

using tree::Durability;

namespace {

std::string join_names(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::uint64_t number_or_zero(const std::string& value)
{
    return parse_decimal(value).value_or(0);
}

std::map<Switch, bool> all_on()
{
    std::map<Switch, bool> out;
    for (Switch s : kAllSwitches)
        out[s] = true;
    return out;
}

void apply_todo(HostEntry& h, const std::string& name, const std::string& value)
{
    for (Switch s : kAllSwitches)
        if (switch_name(s) == name)
            h.todo[s] = value != keys::kOff; // only an explicit "0" turns a switch off
}

} // namespace

bool ResourceInfo::is_member(const std::string& host) const
{
    return hosts.count(host) != 0;
}

bool ResourceInfo::todo(const std::string& host, Switch s) const
{
    auto h = hosts.find(host);
    if (h == hosts.end())
        return true;
    auto t = h->second.todo.find(s);
    return t == h->second.todo.end() || t->second;
}

ResourceState::ResourceState(tree::StateTree& tree, std::string own_host) : tree_(tree), own_host_(std::move(own_host))
{
    if (auto why = util::check_host_name(own_host_); !why.empty())
        throw std::invalid_argument(why);
}

std::filesystem::path ResourceState::directory(const std::string& res) const
{
    return tree_.root() / keys::dir(res);
}

std::vector<std::string> ResourceState::names() const
{
    std::set<std::string> found;
    for (const auto& e : tree_.list(keys::kDirPrefix)) {
        auto k = keys::parse(e.key);
        if (k && (k->field == keys::Field::size || k->field == keys::Field::data))
            found.insert(k->res);
    }
    return {found.begin(), found.end()};
}

std::optional<ResourceInfo> ResourceState::info(const std::string& res) const
{
    if (!config::check_resource_name(res).empty())
        return std::nullopt;
    ResourceInfo r;
    r.name = res;
    bool present = false;
    // Every host that has any entry, members or not; non-members are
    // dropped at the end.
    std::map<std::string, HostEntry> all;
    std::set<std::string> members;
    for (const auto& e : tree_.list(keys::dir(res) + "/")) {
        auto k = keys::parse(e.key);
        if (!k)
            continue;
        HostEntry* h = k->host.empty() ? nullptr : &all[k->host];
        if (h && h->todo.empty())
            h->todo = all_on();
        switch (k->field) {
        case keys::Field::size:
            r.size = number_or_zero(e.value);
            present = true;
            break;
        case keys::Field::primary:
            r.primary = e.value == keys::kNoPrimary ? "" : e.value;
            break;
        case keys::Field::maxnr:
            r.maxnr = static_cast<std::uint32_t>(std::min<std::uint64_t>(number_or_zero(e.value), UINT32_MAX));
            break;
        case keys::Field::data:
            h->disk = e.value;
            members.insert(k->host);
            present = true;
            break;
        case keys::Field::device:
            h->device = e.value;
            break;
        case keys::Field::actsize:
            h->actual_size = number_or_zero(e.value);
            break;
        case keys::Field::replay:
            h->replay = ReplayLink::parse(e.value);
            break;
        case keys::Field::version:
            h->versions[k->number] = e.value;
            break;
        case keys::Field::syncstatus:
            h->syncstatus = parse_decimal(e.value);
            break;
        case keys::Field::syncpos:
            h->syncpos = e.value;
            break;
        case keys::Field::todo:
            apply_todo(*h, k->name, e.value);
            break;
        case keys::Field::actual:
            h->actual[k->name] = e.value;
            break;
        case keys::Field::host_other:
        case keys::Field::other:
            break;
        }
    }
    if (!present)
        return std::nullopt;
    for (auto& [host, entry] : all)
        if (members.count(host))
            r.hosts.emplace(host, std::move(entry));
    return r;
}

void ResourceState::check_name(const std::string& res) const
{
    if (auto why = config::check_resource_name(res); !why.empty())
        throw ResourceError(why);
}

void ResourceState::require_present(const std::string& res) const
{
    check_name(res);
    // A live size or data- entry makes a resource present (see names()).
    if (tree_.get(keys::size(res)))
        return;
    for (const auto& e : tree_.list(keys::dir(res) + "/data-"))
        if (auto k = keys::parse(e.key); k && k->field == keys::Field::data)
            return;
    throw ResourceError("resource " + res + " does not exist (see 'marsadm view')");
}

void ResourceState::require_member(const std::string& res) const
{
    check_name(res);
    if (!tree_.get(keys::data(res, own_host_)))
        throw ResourceError("host " + own_host_ + " is not a member of resource " + res);
}

std::string ResourceState::check_device(const std::string& res, const std::string& device) const
{
    if (device.empty())
        return res; // MARS's default: /dev/mars/<res>
    if (device == keys::kNoDevice)
        return device;
    if (device.find('/') != std::string::npos || device == "." || device == ".." || !tree::check_value(device).empty())
        throw ResourceError("'" + device + "' is not a device name (a name under /dev/mars/, no '/')");
    return device;
}

void ResourceState::write_member_entries(const std::string& res, const std::filesystem::path& disk,
                                         const std::string& device, std::uint64_t disk_size, const ReplayLink& replay)
{
    tree_.set(keys::device(res, own_host_), device);
    tree_.set(keys::actsize(res, own_host_), std::to_string(disk_size));
    for (Switch s : kAllSwitches)
        tree_.set(keys::todo(res, own_host_, s), keys::kOn);
    tree_.set(keys::replay(res, own_host_), replay.str(), Durability::proof);
    // Membership last: a crash before this point leaves no member, so the
    // command can simply be repeated.
    tree_.set(keys::data(res, own_host_), disk.string(), Durability::proof);
}

void ResourceState::create(const std::string& res, const std::filesystem::path& disk, const std::string& device,
                           std::uint64_t size, std::uint64_t disk_size)
{
    check_name(res);
    if (!disk.is_absolute())
        throw ResourceError("disk '" + disk.string() + "' is not an absolute path");
    const std::string dev = check_device(res, device);
    if (size == 0)
        throw ResourceError("resource " + res + ": size 0 (give the size, or a disk that is not empty)");
    if (info(res))
        throw ResourceError("resource " + res + " exists already (see 'marsadm view " + res + "')");
    if (disk_size < size)
        throw ResourceError("disk " + disk.string() + " holds " + std::to_string(disk_size) +
                            " bytes, less than the resource size " + std::to_string(size));

    // The primary must be durable before anyone can act on the resource:
    // after a crash a host must never come back believing another primary.
    tree_.set(keys::primary(res), own_host_, Durability::proof);
    tree_.set(keys::maxnr(res), "1");
    ReplayLink start;
    start.position = {1, own_host_, 0, 1};
    write_member_entries(res, disk, dev, disk_size, start);
    tree_.set(keys::size(res), std::to_string(size), Durability::proof);
}

void ResourceState::join(const std::string& res, const std::filesystem::path& disk, const std::string& device,
                         std::uint64_t disk_size, const ReplayLink& start)
{
    check_name(res);
    auto r = info(res);
    if (!r)
        throw ResourceError("resource " + res + " is unknown here (run 'marsadm update-cluster' or wait for gossip)");
    if (r->primary.empty())
        throw ResourceError("resource " + res + " has no designated primary; join needs one to sync from");
    if (r->is_member(own_host_))
        throw ResourceError("host " + own_host_ + " is already a member of resource " + res);
    if (disk_size < r->size)
        throw ResourceError("disk " + disk.string() + " holds " + std::to_string(disk_size) +
                            " bytes, less than the resource size " + std::to_string(r->size));
    if (!disk.is_absolute())
        throw ResourceError("disk '" + disk.string() + "' is not an absolute path");
    const std::string dev = check_device(res, device);
    if (!log::LogfileName::parse(start.position.logfile_name()))
        throw ResourceError("resource " + res + ": bad start position " + start.str());

    // Sync from scratch: the disk's contents count for nothing yet.
    tree_.set(keys::syncstatus(res, own_host_), "0", Durability::proof);
    write_member_entries(res, disk, dev, disk_size, start);
}

void ResourceState::leave(const std::string& res)
{
    require_member(res);
    auto r = info(res);
    if (r && r->primary == own_host_) {
        std::vector<std::string> others;
        for (const auto& [host, entry] : r->hosts)
            if (host != own_host_)
                others.push_back(host);
        if (!others.empty())
            throw ResourceError("host " + own_host_ + " is the designated primary of resource " + res + " and " +
                                join_names(others) + " remain; hand over first ('marsadm primary " + res +
                                "' on another member) or use delete-resource");
    }
    // data-<own> goes last: until then we are still a member, so an
    // interrupted leave can be repeated.
    const std::string data_key = keys::data(res, own_host_);
    for (const auto& e : tree_.list(keys::dir(res) + "/")) {
        auto k = keys::parse(e.key);
        if (k && k->host == own_host_ && k->field != keys::Field::other && e.key != data_key)
            tree_.remove(e.key);
    }
    tree_.remove(data_key, Durability::proof);
}

void ResourceState::remove(const std::string& res, bool force)
{
    auto r = info(res);
    if (!r) {
        check_name(res);
        throw ResourceError("resource " + res + " does not exist");
    }
    std::vector<std::string> others;
    for (const auto& [host, entry] : r->hosts)
        if (host != own_host_)
            others.push_back(host);
    if (!others.empty() && !force)
        throw ResourceError("resource " + res + " still has members " + join_names(others) +
                            " (they must leave-resource first, or use --force)");
    // The entries that make the resource present (size, data-*) go last,
    // so an interrupted delete leaves a resource that can be deleted again.
    std::vector<std::string> last;
    for (const auto& e : tree_.list(keys::dir(res) + "/")) {
        auto k = keys::parse(e.key);
        if (k && (k->field == keys::Field::size || k->field == keys::Field::data))
            last.push_back(e.key);
        else
            tree_.remove(e.key);
    }
    for (const auto& key : last)
        tree_.remove(key, Durability::proof);
}

void ResourceState::set_switch(const std::string& res, Switch s, bool on)
{
    require_member(res);
    tree_.set(keys::todo(res, own_host_, s), on ? keys::kOn : keys::kOff);
}

void ResourceState::publish_replay(const std::string& res, const ReplayLink& link, Durability durability)
{
    require_member(res);
    tree_.set(keys::replay(res, own_host_), link.str(), durability);
}

void ResourceState::publish_version(const std::string& res, std::uint32_t number, const std::string& value)
{
    require_member(res);
    if (auto why = tree::check_value(value); !why.empty())
        throw ResourceError("resource " + res + ": versionlink " + std::to_string(number) + ": " + why);
    tree_.set(keys::version(res, number, own_host_), value, Durability::proof);
}

void ResourceState::remove_version(const std::string& res, std::uint32_t number)
{
    require_member(res);
    // Durable too: a versionlink that comes back after a crash would claim
    // a log position we no longer vouch for.
    const std::string key = keys::version(res, number, own_host_);
    if (tree_.get(key))
        tree_.remove(key, Durability::proof);
}

void ResourceState::set_syncstatus(const std::string& res, std::uint64_t bytes)
{
    require_member(res);
    tree_.set(keys::syncstatus(res, own_host_), std::to_string(bytes), Durability::proof);
}

void ResourceState::set_syncpos(const std::string& res, const std::string& value)
{
    require_member(res);
    if (auto why = tree::check_value(value); !why.empty())
        throw ResourceError("resource " + res + ": syncpos: " + why);
    tree_.set(keys::syncpos(res, own_host_), value, Durability::proof);
}

bool ResourceState::set_actual(const std::string& res, std::string_view name, const std::string& value)
{
    require_member(res);
    const std::string key = keys::actual(res, own_host_, name);
    if (name.empty() || name.find('/') != std::string_view::npos || !tree::check_key(key).empty())
        throw ResourceError("resource " + res + ": '" + std::string(name) + "' is not a status name");
    if (auto why = tree::check_value(value); !why.empty())
        throw ResourceError("resource " + res + ": actual-" + own_host_ + "/" + std::string(name) + ": " + why);
    if (auto e = tree_.get(key); e && e->value == value)
        return false;
    tree_.set(key, value);
    return true;
}

void ResourceState::set_maxnr(const std::string& res, std::uint32_t number)
{
    require_present(res);
    // Durable because a logfile number must never be used twice, even
    // after the logfiles that carried it are gone.
    auto e = tree_.get(keys::maxnr(res));
    if (e && parse_decimal(e->value).value_or(0) >= number)
        return;
    tree_.set(keys::maxnr(res), std::to_string(number), Durability::proof);
}

void ResourceState::set_primary(const std::string& res, const std::string& host)
{
    require_present(res);
    const std::string key = keys::primary(res);
    if (host.empty()) {
        // MARS's weak stamp: "(none)" wins only over the value it replaces,
        // never over a primary designated concurrently elsewhere.
        auto old = tree_.get_raw(key);
        if (old && old->value == keys::kNoPrimary)
            return;
        tree_.merge({key, std::string(keys::kNoPrimary), old ? old->stamp + 1 : 1}, Durability::proof);
        return;
    }
    if (auto why = util::check_host_name(host); !why.empty())
        throw ResourceError(why);
    auto r = info(res);
    if (!r || !r->is_member(host))
        throw ResourceError("host " + host + " is not a member of resource " + res + " and cannot be its primary");
    tree_.set(key, host, Durability::proof);
}

} // namespace mars::resource
