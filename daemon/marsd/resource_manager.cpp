#include "resource_manager.hpp"

#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "config/ini_file.hpp"
#include "history/log_deletion.hpp"
#include "history/split_brain.hpp"
#include "history/version_link.hpp"
#include "net/security.hpp"
#include "resource/disk_probe.hpp"
#include "resource/log_directory.hpp"
#include "util/durable.hpp"
#include "util/logger.hpp"

namespace mars::marsd {
namespace {

// A failed start is tried again after this long (a missing disk may come back).
constexpr std::uint64_t kRetryNs = 10'000'000'000ull;
// Device sizes are whole 4 KiB blocks: what file systems and O_DIRECT expect.
constexpr std::uint64_t kSizeGranule = 4096;

using resource::ResourceError;
using resource::Switch;

std::vector<util::LogField> fields(const std::string& res)
{
    return {{"MARS_RESOURCE", res}};
}

} // namespace

ResourceManager::ResourceManager(ResourceManagerContext context)
    : ctx_(std::move(context)), state_(ctx_.tree, ctx_.config.name)
{
}

ResourceManager::~ResourceManager()
{
    shutdown();
}

std::filesystem::path ResourceManager::resource_directory(const std::string& res) const
{
    return ctx_.config.home / ("resource-" + res);
}

std::optional<std::string> ResourceManager::peer_address(const std::string& host) const
{
    if (auto m = ctx_.cluster.member(host))
        return m->address;
    return std::nullopt;
}

std::shared_ptr<replication::PrimaryRole> ResourceManager::primary_of(const std::string& res) const
{
    std::lock_guard lock(roles_mutex_);
    auto it = roles_.find(res);
    return it == roles_.end() ? nullptr : it->second.primary;
}

// /etc/mars/resources/<res>.conf is optional: without it the defaults
// apply and the disk is the one the tree names (data-<host>).
config::ResourceConfig ResourceManager::load_config(const std::string& res) const
{
    const auto path = ctx_.config.resource_directory / (res + ".conf");
    if (!std::filesystem::exists(path)) {
        config::ResourceConfig c;
        c.name = res;
        return c;
    }
    return config::load_resource_config(path);
}

// The INI of a resource this host is a member of: its disk, if it names
// one, must be the disk this host joined with (the tree's data-<host>).
config::ResourceConfig ResourceManager::load_member_config(const std::string& res, const std::string& joined_disk) const
{
    config::ResourceConfig rc = load_config(res);
    if (!rc.disk.empty() && rc.disk != joined_disk)
        throw ResourceError("the disk in " + (ctx_.config.resource_directory / (res + ".conf")).string() + " (" +
                            rc.disk.string() + ") is not the one this host joined with (" + joined_disk + ")");
    return rc;
}

void ResourceManager::create(const std::string& res, const std::string& disk, const std::string& device,
                             std::uint64_t size)
{
    if (!ctx_.cluster.is_member())
        throw ResourceError("this host is not in a cluster: run create-cluster or join-cluster first");
    if (disk.empty() || disk[0] != '/')
        throw std::invalid_argument("the disk must be an absolute path, not '" + disk + "'");
    load_config(res); // a broken INI is reported now, not at the first start
    const resource::DiskProbe probe = resource::probe_disk(disk, size);
    std::uint64_t usable = (size ? size : probe.size) / kSizeGranule * kSizeGranule;
    if (usable == 0)
        throw ResourceError(disk + " is smaller than " + std::to_string(kSizeGranule) + " bytes");
    state_.create(res, disk, device.empty() ? res : device, usable, probe.size);
    // The start of this host's history chain (docs/versionlinks.md).
    state_.publish_version(res, 0, history::seed_link(0, ctx_.config.name).str());
    util::log(util::Priority::notice,
              "created resource " + res + " on " + disk + " (" + std::to_string(usable) +
                  " bytes); this host is its primary",
              fields(res));
    ctx_.tree_changed();
    reconcile_one(res);
}

void ResourceManager::join(const std::string& res, const std::string& disk, const std::string& device)
{
    if (disk.empty() || disk[0] != '/')
        throw std::invalid_argument("the disk must be an absolute path, not '" + disk + "'");
    auto info = state_.info(res);
    if (!info)
        throw ResourceError("no resource " + res + " in this host's tree (wait for gossip, or marsadm update-cluster)");
    if (info->primary.empty())
        throw ResourceError(res + " has no designated primary to sync from");
    auto primary = info->hosts.find(info->primary);
    if (primary == info->hosts.end() || !primary->second.replay)
        throw ResourceError("the primary " + info->primary + " has not published its position of " + res + " yet");
    resource::ReplayLink start = *primary->second.replay;
    start.dirty_length = 0;
    // We adopt the primary's history up to the logfile we start in: our
    // chain continues from its versionlink for the logfile before.
    const std::uint32_t first = start.position.logfile_number;
    auto base = primary->second.versions.find(first - 1);
    if (base == primary->second.versions.end())
        throw ResourceError("the primary's version-" + std::to_string(first - 1) + "-" + info->primary +
                            " has not reached this host yet; try again shortly");
    load_config(res);
    const resource::DiskProbe probe = resource::probe_disk(disk, info->size);
    state_.join(res, disk, device.empty() ? res : device, probe.size, start);
    state_.publish_version(res, first - 1, base->second);
    util::log(util::Priority::notice,
              "joined resource " + res + " with " + disk + "; full sync from " + info->primary +
                  " starts, then replay from " + start.str(),
              fields(res));
    ctx_.tree_changed();
    reconcile_one(res);
}

void ResourceManager::leave(const std::string& res)
{
    auto info = state_.info(res);
    if (!info || !info->is_member(ctx_.config.name))
        throw ResourceError("this host is not a member of " + res);
    if (info->primary == ctx_.config.name && info->hosts.size() > 1)
        throw ResourceError("this host is the designated primary of " + res +
                            "; hand over first (other members remain)");
    stop_roles(res, false);
    state_.leave(res);
    remove_local_logfiles(res);
    util::log(util::Priority::notice, "left resource " + res + " (the disk keeps its data)", fields(res));
    ctx_.tree_changed();
}

void ResourceManager::remove(const std::string& res, bool force)
{
    if (!state_.info(res))
        throw ResourceError("no resource " + res);
    stop_roles(res, false);
    state_.remove(res, force);
    remove_local_logfiles(res);
    util::log(util::Priority::notice, "deleted resource " + res + (force ? " (forced)" : ""), fields(res));
    ctx_.tree_changed();
}

void ResourceManager::command(const std::string& res, ResourceCommand command)
{
    auto info = state_.info(res);
    if (!info || !info->is_member(ctx_.config.name))
        throw ResourceError("this host is not a member of " + res);
    auto set_all = [&](bool on) {
        for (Switch s : {Switch::attach, Switch::fetch, Switch::replay, Switch::sync})
            state_.set_switch(res, s, on);
    };
    switch (command) {
    case ResourceCommand::attach:
        state_.set_switch(res, Switch::attach, true);
        break;
    case ResourceCommand::detach:
    case ResourceCommand::down:
        // The device must go first; refuse while it is in use.
        if (auto p = primary_of(res); p && p->running()) {
            p->stop();
            std::lock_guard lock(roles_mutex_);
            roles_[res].primary.reset();
        }
        if (command == ResourceCommand::down)
            set_all(false);
        else
            state_.set_switch(res, Switch::attach, false);
        break;
    case ResourceCommand::pause_fetch:
        state_.set_switch(res, Switch::fetch, false);
        break;
    case ResourceCommand::resume_fetch:
        state_.set_switch(res, Switch::fetch, true);
        break;
    case ResourceCommand::pause_replay:
        state_.set_switch(res, Switch::replay, false);
        break;
    case ResourceCommand::resume_replay:
        state_.set_switch(res, Switch::replay, true);
        break;
    case ResourceCommand::pause_sync:
        state_.set_switch(res, Switch::sync, false);
        break;
    case ResourceCommand::resume_sync:
        state_.set_switch(res, Switch::sync, true);
        break;
    case ResourceCommand::up:
        set_all(true);
        break;
    case ResourceCommand::log_rotate: {
        auto p = primary_of(res);
        if (!p || !p->running())
            throw ResourceError(res + " is not primary on this host: only the primary rotates its log");
        p->rotate();
        break;
    }
    case ResourceCommand::log_delete:
        delete_replayed_logfiles(res, *info);
        break;
    }
    ctx_.tree_changed();
    reconcile_one(res);
}

void ResourceManager::start_servers()
{
    if (fetch_server_)
        return;
    transfer::ResourceAccess access;
    access.log_directory = [this](const std::string& res) -> std::optional<std::filesystem::path> {
        auto info = state_.info(res);
        if (!info || !info->is_member(ctx_.config.name))
            return std::nullopt;
        return resource_directory(res);
    };
    access.disk = [this](const std::string& res) -> std::optional<std::filesystem::path> {
        auto p = primary_of(res);
        if (!p || p->logged_position().empty())
            return std::nullopt;
        auto info = state_.info(res);
        if (!info || !info->is_member(ctx_.config.name))
            return std::nullopt;
        return std::filesystem::path(info->hosts.at(ctx_.config.name).disk);
    };
    access.sync_end_position = [this](const std::string& res) {
        auto p = primary_of(res);
        return p ? p->logged_position() : std::string();
    };
    transfer::ServerOptions so;
    so.service = transfer::Service::fetch;
    so.listen_address =
        ctx_.cluster.member(ctx_.config.name) ? ctx_.cluster.member(ctx_.config.name)->address : ctx_.config.listen;
    so.port = ctx_.config.fetch_port();
    so.security = net::SecurityOptions::from_config(ctx_.config);
    so.host = ctx_.config.name;
    so.cluster_uuid = [this] { return ctx_.cluster.uuid().value_or(""); };
    fetch_server_ = std::make_unique<transfer::TransferServer>(ctx_.clock, so, access);
    so.service = transfer::Service::sync;
    so.port = ctx_.config.sync_port();
    sync_server_ = std::make_unique<transfer::TransferServer>(ctx_.clock, so, access);
    util::log(util::Priority::info, "log fetch on " + so.listen_address + ":" +
                                        std::to_string(ctx_.config.fetch_port()) + ", full sync on port " +
                                        std::to_string(ctx_.config.sync_port()));
}

void ResourceManager::reconcile()
{
    std::vector<std::string> names = state_.names();
    {
        std::lock_guard lock(roles_mutex_);
        for (const auto& [res, run] : roles_)
            if (std::find(names.begin(), names.end(), res) == names.end())
                names.push_back(res);
    }
    for (const auto& res : names) {
        try {
            reconcile_one(res);
        } catch (const std::exception& e) {
            util::log(util::Priority::err, res + ": " + e.what(), fields(res));
        }
    }
}

void ResourceManager::reconcile_one(const std::string& res)
{
    const std::string& me = ctx_.config.name;
    auto info = state_.info(res);
    const bool member = info && info->is_member(me);
    bool known = false;
    {
        std::lock_guard lock(roles_mutex_);
        known = roles_.count(res) > 0;
    }
    if (!member) {
        if (known) {
            stop_roles(res, true);
            std::lock_guard lock(roles_mutex_);
            roles_.erase(res);
        }
        if (known && !info)
            remove_local_logfiles(res); // deleted everywhere
        return;
    }
    Running* run = nullptr;
    {
        std::lock_guard lock(roles_mutex_);
        run = &roles_[res];
    }
    const bool designated = info->primary == me;
    const bool attach = info->todo(me, Switch::attach);
    const std::uint64_t now = tree::realtime_ns();

    if (designated) {
        if (run->secondary) {
            run->secondary->stop();
            run->secondary.reset();
        }
        if (!attach && run->primary) {
            try {
                run->primary->stop();
                std::lock_guard lock(roles_mutex_);
                run->primary.reset();
            } catch (const std::exception& e) {
                run->error = std::string("stays attached: ") + e.what();
            }
        }
        if (attach && !run->primary && now >= run->retry_after_ns) {
            try {
                start_primary(res, *info, *run);
                run->error.clear();
            } catch (const std::exception& e) {
                run->error = std::string("cannot become primary: ") + e.what();
                run->retry_after_ns = now + kRetryNs;
                util::log(util::Priority::err, res + ": " + run->error, fields(res));
            }
        }
        return;
    }
    if (run->primary) {
        try {
            run->primary->stop();
            std::lock_guard lock(roles_mutex_);
            run->primary.reset();
        } catch (const std::exception& e) {
            run->error = std::string("remains primary: ") + e.what();
            return;
        }
    }
    if (!run->secondary && now >= run->retry_after_ns) {
        try {
            start_secondary(res, *info, *run);
            run->error.clear();
        } catch (const std::exception& e) {
            run->error = std::string("cannot start replication: ") + e.what();
            run->retry_after_ns = now + kRetryNs;
            util::log(util::Priority::err, res + ": " + run->error, fields(res));
        }
    }
    if (run->secondary)
        run->secondary->wake();
}

void ResourceManager::start_primary(const std::string& res, const resource::ResourceInfo& info, Running& run)
{
    const auto& me = info.hosts.at(ctx_.config.name);
    replication::PrimaryOptions po;
    po.resource = res;
    po.host = ctx_.config.name;
    po.home = ctx_.config.home;
    po.disk = me.disk;
    po.size = info.size;
    po.device_name = me.device.empty() ? res : me.device;
    po.device_directory = ctx_.config.device_directory;
    po.run_directory = ctx_.config.run_directory;
    po.config = load_member_config(res, me.disk);
    po.rotation.max_bytes = ctx_.config.rotate_size;
    po.rotation.max_age_ns =
        ctx_.config.rotate_age_seconds ? ctx_.config.rotate_age_seconds * 1'000'000'000ull : UINT64_MAX;
    auto role = std::make_shared<replication::PrimaryRole>(po, state_, ctx_.tree_changed);
    role->start();
    std::lock_guard lock(roles_mutex_);
    run.primary = std::move(role);
}

void ResourceManager::start_secondary(const std::string& res, const resource::ResourceInfo& info, Running& run)
{
    const auto& me = info.hosts.at(ctx_.config.name);
    const config::ResourceConfig rc = load_member_config(res, me.disk);
    replication::SecondaryOptions so;
    so.resource = res;
    so.host = ctx_.config.name;
    so.home = ctx_.config.home;
    so.disk = me.disk;
    so.size = info.size;
    transfer::ClientOptions co;
    co.host = ctx_.config.name;
    co.cluster_uuid = ctx_.cluster.uuid().value_or("");
    co.security = net::SecurityOptions::from_config(ctx_.config);
    co.bandwidth_limit = rc.bandwidth_limit;
    co.compress = rc.compression != format::Compression::none;
    co.port = ctx_.config.fetch_port();
    so.fetch = co;
    co.port = ctx_.config.sync_port();
    so.sync = co;
    so.peer_address = [this](const std::string& host) { return peer_address(host); };
    so.peer_alive = ctx_.peer_alive;
    auto role = std::make_unique<replication::SecondaryRole>(so, state_, ctx_.clock, ctx_.tree_changed);
    role->start();
    run.secondary = std::move(role);
}

void ResourceManager::stop_roles(const std::string& res, bool force)
{
    std::shared_ptr<replication::PrimaryRole> primary;
    std::unique_ptr<replication::SecondaryRole> secondary;
    {
        std::lock_guard lock(roles_mutex_);
        auto it = roles_.find(res);
        if (it == roles_.end())
            return;
        primary = it->second.primary;
        secondary = std::move(it->second.secondary);
    }
    if (secondary)
        secondary->stop();
    if (primary) {
        if (!force)
            primary->stop(); // throws EBUSY while the device is in use
        std::lock_guard lock(roles_mutex_);
        roles_[res].primary.reset();
    }
}

void ResourceManager::tick()
{
    reconcile();
    std::vector<std::pair<std::string, std::shared_ptr<replication::PrimaryRole>>> primaries;
    {
        std::lock_guard lock(roles_mutex_);
        for (const auto& [res, run] : roles_)
            if (run.primary)
                primaries.emplace_back(res, run.primary);
    }
    for (auto& [res, role] : primaries) {
        try {
            role->tick();
        } catch (const std::exception& e) {
            util::log(util::Priority::err, res + ": " + e.what(), fields(res));
        }
    }
    for (const auto& res : state_.names()) {
        auto info = state_.info(res);
        if (!info || !info->is_member(ctx_.config.name))
            continue;
        try {
            delete_replayed_logfiles(res, *info);
        } catch (const std::exception& e) {
            util::log(util::Priority::err, res + ": deleting replayed logfiles: " + e.what(), fields(res));
        }
    }
}

// Logfiles every member has replayed go on every host by the same rule
// (history::deletable_logfiles over the replicated replay links), so
// either all replicas of a logfile go or none; versionlinks one
// generation later.
void ResourceManager::delete_replayed_logfiles(const std::string& res, const resource::ResourceInfo& info)
{
    const auto dir = resource_directory(res);
    const auto local = resource::list_logfiles(dir);
    std::vector<log::LogfileName> names;
    for (const auto& f : local)
        names.push_back(f.name);
    std::map<std::string, std::optional<std::uint32_t>> replayed;
    for (const auto& [host, entry] : info.hosts)
        replayed[host] =
            entry.replay ? std::optional<std::uint32_t>(entry.replay->position.logfile_number) : std::nullopt;
    const auto doomed = history::deletable_logfiles(names, replayed);
    for (const auto& name : doomed) {
        if (::unlink((dir / name.str()).c_str()) != 0 && errno != ENOENT)
            throw std::system_error(errno, std::generic_category(), "deleting " + (dir / name.str()).string());
        util::log(util::Priority::info, res + ": deleted " + name.str() + " (replayed by every member)", fields(res));
    }
    if (!doomed.empty())
        util::fsync_directory(dir);
    std::uint32_t lowest = UINT32_MAX;
    for (const auto& f : resource::list_logfiles(dir))
        lowest = std::min(lowest, f.name.number);
    if (lowest == UINT32_MAX)
        return;
    std::vector<std::uint32_t> own;
    if (auto it = info.hosts.find(ctx_.config.name); it != info.hosts.end())
        for (const auto& [n, v] : it->second.versions)
            own.push_back(n);
    for (std::uint32_t n : history::deletable_versions(own, lowest))
        state_.remove_version(res, n);
}

void ResourceManager::remove_local_logfiles(const std::string& res)
{
    const auto dir = resource_directory(res);
    bool any = false;
    for (const auto& f : resource::list_logfiles(dir)) {
        std::error_code ec;
        std::filesystem::remove(f.path, ec);
        any = any || !ec;
    }
    if (any)
        util::fsync_directory(dir);
}

void ResourceManager::shutdown()
{
    std::map<std::string, Running> all;
    {
        std::lock_guard lock(roles_mutex_);
        all.swap(roles_);
    }
    for (auto& [res, run] : all) {
        if (run.secondary)
            run.secondary->stop();
        if (run.primary) {
            try {
                run.primary->stop();
            } catch (const std::exception& e) {
                util::log(util::Priority::warning, res + ": " + e.what() + "; removing the device anyway", fields(res));
            }
        }
    }
    all.clear();
    fetch_server_.reset();
    sync_server_.reset();
}

replication::ResourceStatus ResourceManager::status(const std::string& res) const
{
    replication::ResourceStatus s;
    auto info = state_.info(res);
    const std::string& me = ctx_.config.name;
    if (!info || !info->is_member(me))
        return s;
    std::shared_ptr<replication::PrimaryRole> primary;
    const replication::SecondaryRole* secondary = nullptr;
    std::string error;
    {
        std::lock_guard lock(roles_mutex_);
        if (auto it = roles_.find(res); it != roles_.end()) {
            primary = it->second.primary;
            secondary = it->second.secondary.get();
            error = it->second.error;
        }
    }
    if (primary)
        s = primary->status();
    else if (secondary)
        s = secondary->status();
    else {
        s.role = info->primary == me ? "NotYetPrimary" : "Secondary";
        s.disk = info->hosts.at(me).disk;
        s.disk_state = info->todo(me, Switch::attach) ? "NotYetPrimary" : "Detached";
        s.repl_state = info->primary == me ? "NotYetPrimary" : "NotStarted";
    }
    if (s.role == "Primary" && info->primary != me)
        s.role = "RemainsPrimary";
    s.todo = {{"attach", info->todo(me, Switch::attach)},
              {"fetch", info->todo(me, Switch::fetch)},
              {"replay", info->todo(me, Switch::replay)},
              {"sync", info->todo(me, Switch::sync)}};
    if (s.last_error.empty())
        s.last_error = error;
    // What the tree says across all members (mars-reference §5.2, the
    // check marsadm view runs): our replayer only sees its own next step.
    if (s.split_brain.empty()) {
        std::map<std::string, std::map<std::uint32_t, history::VersionLink>> versions;
        for (const auto& [host, entry] : info->hosts)
            for (const auto& [n, value] : entry.versions)
                if (auto link = history::VersionLink::parse(value))
                    versions[host][n] = *link;
        std::vector<log::LogfileName> names;
        for (const auto& f : resource::list_logfiles(resource_directory(res)))
            names.push_back(f.name);
        if (auto split = history::find_split_brain(versions, names))
            s.split_brain = split->message;
    }
    return s;
}

} // namespace mars::marsd
