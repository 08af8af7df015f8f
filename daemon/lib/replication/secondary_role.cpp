#include "replication/secondary_role.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "history/switch_rule.hpp"
#include "history/version_link.hpp"
#include "resource/log_directory.hpp"
#include "transfer/sync_client.hpp"
#include "util/logger.hpp"
#include "util/system_error.hpp"

namespace mars::replication {
namespace {

constexpr std::chrono::seconds kPublishEvery{1};
constexpr std::size_t kRecordsPerRound = 4096;
constexpr unsigned kMaxRepairsInARow = 5;

std::uint64_t now_ns()
{
    return tree::realtime_ns();
}

std::uint64_t local_size(const std::filesystem::path& p)
{
    std::error_code ec;
    auto n = std::filesystem::file_size(p, ec);
    return ec ? 0 : n;
}

// Cuts a damaged local logfile at its last good record; the next fetch
// appends the rest again from the peer.
void truncate_durably(const std::filesystem::path& file, std::uint64_t length)
{
    util::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        util::throw_errno("opening " + file.string() + " to cut it");
    if (::ftruncate(fd.get(), static_cast<off_t>(length)) != 0)
        util::throw_errno("cutting " + file.string() + " at " + std::to_string(length));
    if (::fsync(fd.get()) != 0)
        util::throw_errno("syncing " + file.string());
}

} // namespace

SecondaryRole::SecondaryRole(SecondaryOptions options, resource::ResourceState& state, tree::LamportClock& clock,
                             std::function<void()> tree_changed)
    : options_(std::move(options)), state_(state), clock_(clock), tree_changed_(std::move(tree_changed))
{
}

SecondaryRole::~SecondaryRole()
{
    stop();
}

std::filesystem::path SecondaryRole::log_directory() const
{
    return options_.home / ("resource-" + options_.resource);
}

void SecondaryRole::start()
{
    if (fetcher_.joinable())
        return;
    stopping_ = false;
    fetcher_ = std::thread([this] { fetch_loop(); });
    replayer_ = std::thread([this] { replay_loop(); });
}

void SecondaryRole::stop()
{
    stopping_ = true;
    wake();
    {
        // Wakes network calls in progress; they throw and the loop ends.
        std::lock_guard lock(clients_mutex_);
        for (auto& [host, client] : clients_)
            if (client)
                client->abort();
        if (active_sync_)
            active_sync_->abort();
    }
    if (fetcher_.joinable())
        fetcher_.join();
    if (replayer_.joinable())
        replayer_.join();
    drop_clients();
    follower_.reset();
    disk_.reset();
}

void SecondaryRole::wake()
{
    {
        std::lock_guard lock(wake_mutex_);
        ++wake_generation_;
    }
    wake_cv_.notify_all();
}

std::uint64_t SecondaryRole::wake_generation()
{
    std::lock_guard lock(wake_mutex_);
    return wake_generation_;
}

// Sleeps unless wake() was called since `seen` was taken (at the start of
// the round): a wake during the round is not lost.
void SecondaryRole::sleep_for(std::chrono::milliseconds d, std::uint64_t seen)
{
    std::unique_lock lock(wake_mutex_);
    wake_cv_.wait_for(lock, d, [&] { return stopping_ || wake_generation_ != seen; });
}

void SecondaryRole::set_error(const std::string& message, bool is_split_brain)
{
    bool is_new = false;
    {
        std::lock_guard lock(mutex_);
        std::string& slot = is_split_brain ? split_brain_ : last_error_;
        is_new = slot != message;
        slot = message;
    }
    if (is_new)
        util::log(is_split_brain ? util::Priority::err : util::Priority::err, options_.resource + ": " + message,
                  {{"MARS_RESOURCE", options_.resource}});
}

void SecondaryRole::clear_error()
{
    std::lock_guard lock(mutex_);
    last_error_.clear();
}

// ---- fetcher ---------------------------------------------------------------

transfer::FetchClient& SecondaryRole::client_for(const std::string& host)
{
    {
        std::lock_guard lock(clients_mutex_);
        if (auto it = clients_.find(host); it != clients_.end() && it->second)
            return *it->second;
    }
    auto address = options_.peer_address(host);
    if (!address)
        throw std::runtime_error("no address known for " + host);
    auto client = std::make_unique<transfer::FetchClient>(clock_, options_.fetch, host, *address);
    std::lock_guard lock(clients_mutex_);
    if (stopping_)
        throw std::runtime_error("stopping");
    auto& slot = clients_[host];
    slot = std::move(client);
    return *slot;
}

void SecondaryRole::drop_clients()
{
    std::lock_guard lock(clients_mutex_);
    clients_.clear();
}

// MARS fetches a logfile preferably from its origin (avoids cycles with
// more than two hosts), else from the designated primary.
std::string SecondaryRole::fetch_source(const std::string& origin, const std::string& primary)
{
    if (origin != options_.host && origin != primary && options_.peer_alive(origin) && options_.peer_address(origin))
        return origin;
    return primary;
}

void SecondaryRole::fetch_loop()
{
    while (!stopping_) {
        const std::uint64_t seen = wake_generation();
        try {
            repair_if_requested();
            auto info = state_.info(options_.resource);
            if (!info || !info->is_member(options_.host) || info->primary.empty() || info->primary == options_.host ||
                !info->todo(options_.host, resource::Switch::attach)) {
                sleep_for(options_.poll_interval, seen);
                continue;
            }
            const auto& me = info->hosts.at(options_.host);
            if (me.syncstatus && *me.syncstatus < info->size) {
                if (info->todo(options_.host, resource::Switch::sync) && sync_round(*info))
                    continue;
            }
            // Paused fetch still lists the primary's logfiles: the lag
            // stays visible in marsadm view.
            // More may have arrived on the primary meanwhile: look again at once.
            if (fetch_round(*info, info->todo(options_.host, resource::Switch::fetch)))
                continue;
        } catch (const std::exception& e) {
            // The connection is unusable after most errors: start afresh.
            drop_clients();
            {
                std::lock_guard lock(mutex_);
                connected_to_.clear();
            }
            if (!stopping_)
                set_error(std::string("fetch: ") + e.what());
        }
        sleep_for(options_.poll_interval, seen);
    }
}

// Returns whether the sync finished (then fetch may go on at once).
bool SecondaryRole::sync_round(const resource::ResourceInfo& info)
{
    const std::string primary = info.primary;
    auto address = options_.peer_address(primary);
    if (!address)
        throw std::runtime_error("no address known for the primary " + primary);
    const std::uint64_t from = info.hosts.at(options_.host).syncstatus.value_or(0);
    {
        std::lock_guard lock(mutex_);
        syncing_ = true;
        sync_done_ = from;
    }
    util::log(util::Priority::notice,
              options_.resource + ": full sync from " + primary + " at " + std::to_string(from) + " of " +
                  std::to_string(info.size) + " bytes",
              {{"MARS_RESOURCE", options_.resource}, {"MARS_PEER", primary}});
    auto client = std::make_shared<transfer::SyncClient>(clock_, options_.sync, primary, *address);
    {
        std::lock_guard lock(clients_mutex_);
        if (stopping_)
            return false;
        active_sync_ = client;
    }
    struct Forget {
        SecondaryRole* role;
        ~Forget()
        {
            std::lock_guard lock(role->clients_mutex_);
            role->active_sync_.reset();
        }
    } forget{this};
    auto keep_going = [this] {
        if (stopping_)
            return false;
        auto now = state_.info(options_.resource);
        return now && now->todo(options_.host, resource::Switch::sync);
    };
    auto progress = [this](std::uint64_t durable) {
        state_.set_syncstatus(options_.resource, durable);
        {
            std::lock_guard lock(mutex_);
            sync_done_ = durable;
        }
        tree_changed_();
    };
    transfer::SyncResult result = client->sync(options_.resource, from, info.size, options_.disk, keep_going, progress);
    bool finished = result.end_offset >= info.size;
    if (finished) {
        // Consistent only once replay passes the primary's position at
        // the end of the copy (the copy was fuzzy): syncpos first.
        state_.set_syncpos(options_.resource, result.primary_position);
        state_.set_syncstatus(options_.resource, info.size);
        util::log(util::Priority::notice,
                  options_.resource + ": full sync done; consistent once replay passes " + result.primary_position,
                  {{"MARS_RESOURCE", options_.resource}, {"MARS_PEER", primary}});
    }
    {
        std::lock_guard lock(mutex_);
        syncing_ = false;
        sync_done_ = result.end_offset;
    }
    tree_changed_();
    wake();
    return finished;
}

bool SecondaryRole::fetch_round(const resource::ResourceInfo& info, bool fetch)
{
    const auto& me = info.hosts.at(options_.host);
    const std::uint32_t first = me.replay ? me.replay->position.logfile_number : 1;
    auto listing = client_for(info.primary).list(options_.resource);
    std::sort(listing.begin(), listing.end(), [](const auto& a, const auto& b) {
        return a.name.number != b.name.number ? a.name.number < b.name.number : a.name.host < b.name.host;
    });
    {
        std::lock_guard lock(mutex_);
        remote_ = listing;
        connected_to_ = info.primary;
    }
    bool fetched = false;
    for (const auto& remote : listing) {
        if (!fetch)
            break;
        if (remote.name.number < first || stopping_)
            continue;
        const auto path = log_directory() / remote.name.str();
        const std::uint64_t have = local_size(path);
        if (have > remote.size)
            throw std::runtime_error("the local " + remote.name.str() + " (" + std::to_string(have) +
                                     " bytes) is longer than on " + info.primary + " (" + std::to_string(remote.size) +
                                     ")");
        // An empty remote logfile is fetched too: the local file must
        // exist before replay may switch to it.
        if (have == remote.size && (have > 0 || std::filesystem::exists(path)))
            continue;
        const std::string source = fetch_source(remote.name.host, info.primary);
        auto keep_going = [this] {
            auto now = state_.info(options_.resource);
            return !stopping_ && now && now->todo(options_.host, resource::Switch::fetch);
        };
        const std::uint64_t got =
            client_for(source).fetch(options_.resource, remote.name, path, keep_going, [this](std::uint64_t) { wake(); });
        fetched = fetched || got > 0;
    }
    clear_error();
    if (fetched)
        wake();
    return fetched;
}

void SecondaryRole::repair_if_requested()
{
    std::optional<std::pair<std::string, std::uint64_t>> repair;
    {
        std::lock_guard lock(mutex_);
        repair = repair_;
    }
    if (!repair)
        return;
    truncate_durably(log_directory() / repair->first, repair->second);
    util::log(util::Priority::warning,
              options_.resource + ": cut the damaged local " + repair->first + " at " + std::to_string(repair->second) +
                  " bytes; fetching the rest again",
              {{"MARS_RESOURCE", options_.resource}});
    {
        std::lock_guard lock(mutex_);
        repair_.reset();
        repaired_ = true;
    }
    wake();
}

// ---- replayer --------------------------------------------------------------

void SecondaryRole::publish(const engine::ReplayPosition& position, tree::Durability durability)
{
    resource::ReplayLink link{position, 0};
    std::string value = link.str();
    {
        std::lock_guard lock(mutex_);
        position_ = position;
        if (follower_)
            last_stamp_ = follower_->last_stamp();
    }
    if (value == published_ && durability == tree::Durability::normal)
        return;
    state_.publish_replay(options_.resource, link, durability);
    published_ = value;
    last_publish_ = std::chrono::steady_clock::now();
    tree_changed_();
}

void SecondaryRole::replay_loop()
{
    while (!stopping_) {
        const std::uint64_t seen = wake_generation();
        bool more = false;
        try {
            auto info = state_.info(options_.resource);
            if (info && info->is_member(options_.host) && info->primary != options_.host)
                more = replay_round(*info);
        } catch (const std::exception& e) {
            follower_.reset();
            disk_.reset();
            if (!stopping_)
                set_error(std::string("replay: ") + e.what());
        }
        if (!more)
            sleep_for(options_.poll_interval, seen);
    }
    if (follower_) {
        try {
            publish(follower_->sync(), tree::Durability::proof);
        } catch (const std::exception& e) {
            util::log(util::Priority::err, options_.resource + ": final replay sync: " + e.what(),
                      {{"MARS_RESOURCE", options_.resource}});
        }
    }
}

// One round of replay. Returns true if there may be more to do at once.
bool SecondaryRole::replay_round(const resource::ResourceInfo& info)
{
    const auto& me = info.hosts.at(options_.host);
    const bool synced = !me.syncstatus || *me.syncstatus >= info.size;
    if (!synced || !info.todo(options_.host, resource::Switch::replay) ||
        !info.todo(options_.host, resource::Switch::attach)) {
        if (follower_)
            publish(follower_->sync(), tree::Durability::normal);
        follower_.reset();
        disk_.reset();
        std::lock_guard lock(mutex_);
        replaying_ = false;
        return false;
    }
    {
        std::lock_guard lock(mutex_);
        if (!split_brain_.empty())
            return false; // stays stopped at the split point until someone resolves it
    }
    if (!follower_) {
        if (!me.replay)
            return false;
        const engine::ReplayPosition start = me.replay->position;
        if (!std::filesystem::exists(start.logfile_path(log_directory())))
            return false; // not fetched yet
        disk_ = std::make_unique<engine::BackingDisk>(options_.disk, info.size);
        follower_ = std::make_unique<engine::LogFollower>(*disk_, log_directory(), start);
        published_ = me.replay->str();
        std::lock_guard lock(mutex_);
        position_ = start;
        replaying_ = true;
    }
    {
        std::lock_guard lock(mutex_);
        if (repaired_) {
            repaired_ = false;
            follower_->retry();
        } else if (repair_) {
            return false; // the fetcher is cutting the file
        }
    }

    const engine::ReplayPosition before = follower_->position();
    const auto stop = follower_->apply_available(kRecordsPerRound);
    const engine::ReplayPosition after = follower_->position();

    if (stop == engine::LogFollower::Stop::defect) {
        const log::Diagnosis& d = follower_->diagnosis();
        publish(follower_->sync(), tree::Durability::proof);
        unsigned repairs = 0;
        {
            std::lock_guard lock(mutex_);
            repairs = ++repairs_;
        }
        if (repairs > kMaxRepairsInARow) {
            set_error("the log stays damaged after " + std::to_string(kMaxRepairsInARow) + " fetches: " + d.message() +
                      "; replay stopped before it");
            return false;
        }
        set_error("damaged local logfile, not applied, fetching it again: " + d.message());
        std::lock_guard lock(mutex_);
        repair_ = std::make_pair(d.file.filename().string(), d.offset);
        wake();
        return false;
    }
    if (!(after == before)) {
        std::lock_guard lock(mutex_);
        repairs_ = 0;
    }
    if (after == before || std::chrono::steady_clock::now() - last_publish_ >= kPublishEvery)
        publish(follower_->sync(), tree::Durability::normal);
    if (!(after == before))
        return true;
    // Nothing more in this logfile for now: may we go on to the next?
    return try_switch(info, after);
}

bool SecondaryRole::try_switch(const resource::ResourceInfo& info, const engine::ReplayPosition& at)
{
    history::SwitchInput in;
    in.number = at.logfile_number;
    in.origin = at.origin;
    in.replay_offset = at.offset;
    const auto& mine = info.hosts.at(options_.host).versions;
    if (auto it = mine.find(at.logfile_number - 1); it != mine.end())
        in.own_previous = history::VersionLink::parse(it->second);
    if (auto origin = info.hosts.find(at.origin); origin != info.hosts.end()) {
        if (auto it = origin->second.versions.find(at.logfile_number); it != origin->second.versions.end())
            in.origin_version = history::VersionLink::parse(it->second);
    }
    std::set<std::pair<std::uint32_t, std::string>> names;
    for (const auto& f : resource::list_logfiles(log_directory()))
        names.insert({f.name.number, f.name.host});
    {
        std::lock_guard lock(mutex_);
        for (const auto& r : remote_)
            names.insert({r.name.number, r.name.host});
    }
    for (const auto& [number, host] : names)
        in.known_logfiles.push_back(log::LogfileName{number, host});
    in.peer_alive = options_.peer_alive(at.origin);

    history::SwitchDecision d = history::decide_switch(in);
    switch (d.kind) {
    case history::SwitchDecision::Kind::wait:
        return false;
    case history::SwitchDecision::Kind::split_brain:
        set_error("split brain: " + d.reason + "; replay stopped at " + at.str(), true);
        return false;
    case history::SwitchDecision::Kind::error:
        set_error(d.reason);
        return false;
    case history::SwitchDecision::Kind::proceed:
        break;
    }
    if (!std::filesystem::exists(log_directory() / d.next.str()))
        return false; // known on the primary, not fetched yet
    // Our versionlink for the finished logfile is the proof of what we
    // applied: durable before the replay link points past it.
    const engine::ReplayPosition end = follower_->sync();
    state_.publish_version(options_.resource, at.logfile_number, d.own_version.str());
    follower_->switch_to(d.next.number, d.next.host);
    publish(follower_->position(), tree::Durability::proof);
    util::log(util::Priority::info,
              options_.resource + ": replayed " + at.logfile_name() + " to its end (" + std::to_string(end.offset) +
                  " bytes); continuing with " + d.next.str(),
              {{"MARS_RESOURCE", options_.resource}});
    clear_error();
    return true;
}

// ---- status ----------------------------------------------------------------

ResourceStatus SecondaryRole::status() const
{
    ResourceStatus s;
    s.role = "Secondary";
    s.disk = options_.disk.string();
    auto info = state_.info(options_.resource);
    std::lock_guard lock(mutex_);
    s.last_error = last_error_;
    s.split_brain = split_brain_;
    if (!info || !info->is_member(options_.host))
        return s;
    const auto& me = info->hosts.at(options_.host);
    const bool attach = info->todo(options_.host, resource::Switch::attach);
    const bool fetch = info->todo(options_.host, resource::Switch::fetch);
    const bool replay = info->todo(options_.host, resource::Switch::replay);
    const bool sync = info->todo(options_.host, resource::Switch::sync);
    const std::uint64_t synced_bytes = me.syncstatus.value_or(info->size);
    const bool synced = synced_bytes >= info->size;

    engine::ReplayPosition at = replaying_ ? position_ : (me.replay ? me.replay->position : engine::ReplayPosition{});
    s.replay_position = me.replay ? resource::ReplayLink{at, 0}.str() : "";

    // Lag: what the primary has beyond what we fetched, and what we
    // fetched beyond what we replayed, from the replay logfile on.
    std::map<std::pair<std::uint32_t, std::string>, std::uint64_t> local;
    for (const auto& f : resource::list_logfiles(log_directory()))
        if (f.name.number >= at.logfile_number)
            local[{f.name.number, f.name.host}] = f.size;
    std::uint64_t fetch_lag = 0;
    for (const auto& r : remote_) {
        if (r.name.number < at.logfile_number)
            continue;
        auto it = local.find({r.name.number, r.name.host});
        const std::uint64_t have = it == local.end() ? 0 : it->second;
        if (r.size > have)
            fetch_lag += r.size - have;
    }
    std::uint64_t replay_lag = 0;
    for (const auto& [name, size] : local)
        replay_lag += size;
    replay_lag = replay_lag > at.offset ? replay_lag - at.offset : 0;
    if (!local.empty()) {
        const auto& newest = local.rbegin()->first;
        s.fetch_position = resource::ReplayLink{{newest.first, newest.second, local.rbegin()->second, 0}, 0}.str();
    }
    if (!remote_.empty()) {
        const auto& newest = remote_.back();
        s.primary_position = resource::ReplayLink{{newest.name.number, newest.name.host, newest.size, 0}, 0}.str();
    }
    s.fetch_lag = fetch_lag;
    s.replay_lag = replay_lag;
    // An upper bound: everything not applied yet was written after the
    // last record we applied.
    if (fetch_lag + replay_lag > 0 && last_stamp_ != 0) {
        const std::uint64_t now = now_ns();
        s.lag_seconds = now > last_stamp_ ? static_cast<double>(now - last_stamp_) / 1e9 : 0.0;
    }

    const std::uint64_t done = syncing_ ? sync_done_ : synced_bytes;
    s.sync_progress =
        info->size ? static_cast<double>(std::min(done, info->size)) / static_cast<double>(info->size) : 1.0;
    s.sync_remaining = info->size > done ? info->size - done : 0;

    bool consistent = synced;
    if (synced && !me.syncpos.empty()) {
        if (auto pos = resource::ReplayLink::parse(me.syncpos); pos && me.replay)
            consistent = !engine::before(at, pos->position);
    }

    if (!attach)
        s.disk_state = "Detached";
    else if (!last_error_.empty() && last_error_.find("damaged") != std::string::npos)
        s.disk_state = "DefectiveLog";
    else if (!consistent)
        s.disk_state = "InConsistent";
    else if (fetch_lag > 0 && replay_lag > 0)
        s.disk_state = "OutDated[FR]";
    else if (fetch_lag > 0)
        s.disk_state = "OutDated[F]";
    else if (replay_lag > 0)
        s.disk_state = "OutDated[R]";
    else
        s.disk_state = "UpToDate";

    if (!split_brain_.empty())
        s.repl_state = "SplitBrain";
    else if (info->primary.empty())
        s.repl_state = "NoPrimaryDesignated";
    else if (!synced)
        s.repl_state = sync ? "Syncing" : "PausedSync";
    else if (!fetch)
        s.repl_state = "PausedFetch";
    else if (!replay)
        s.repl_state = "PausedReplay";
    else if (connected_to_.empty() && !options_.peer_alive(info->primary))
        s.repl_state = "PrimaryUnreachable";
    else
        s.repl_state = "Replaying";

    s.flags = flags_of({'-', consistent ? 'C' : 'c', attach ? 'A' : '-', synced ? 'S' : (sync ? 's' : '-'),
                        fetch ? (fetch_lag == 0 ? 'F' : 'f') : '-',
                        replay ? (replay_lag == 0 && fetch_lag == 0 ? 'R' : 'r') : '-'});
    s.todo = {{"attach", attach}, {"fetch", fetch}, {"replay", replay}, {"sync", sync}};
    return s;
}

} // namespace mars::replication
