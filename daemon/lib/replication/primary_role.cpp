#include "replication/primary_role.hpp"

#include <system_error>

#include "engine/recovery.hpp"
#include "kmod/control.hpp"
#include "replication/kernel_primary_device.hpp"
#include "history/version_link.hpp"
#include "log/log_reader.hpp"
#include "log/logfile_name.hpp"
#include "resource/log_directory.hpp"
#include "util/logger.hpp"

namespace mars::replication {
namespace {

// The end of the last good record: what a logfile that ended without a
// rotation marker (crash, stop) really holds. A torn tail beyond it was
// never acknowledged.
std::uint64_t valid_length(const std::filesystem::path& file)
{
    log::LogReader reader(file);
    log::Record record;
    while (reader.next(record)) {
    }
    if (reader.diagnosis().is_defect())
        throw std::runtime_error("cannot finish " + file.string() + ": " + reader.diagnosis().message());
    return reader.position();
}

} // namespace

PrimaryRole::PrimaryRole(PrimaryOptions options, resource::ResourceState& state, std::function<void()> tree_changed)
    : options_(std::move(options)), state_(state), tree_changed_(std::move(tree_changed))
{
}

// The device's destructor tears down what is left (see PrimaryDevice).
PrimaryRole::~PrimaryRole()
{
    release_device();
}

// Other threads read the device through logged_position(): take it away
// under the lock, destroy it (write back everything) outside.
void PrimaryRole::release_device()
{
    std::unique_ptr<PrimaryDevice> gone;
    {
        std::lock_guard lock(status_mutex_);
        gone = std::move(device_);
    }
    gone.reset();
}

std::string PrimaryRole::logged_position() const
{
    std::lock_guard lock(status_mutex_);
    return device_ ? resource::ReplayLink{device_->logged_position(), 0}.str() : std::string();
}

std::filesystem::path PrimaryRole::log_directory() const
{
    return options_.home / ("resource-" + options_.resource);
}

void PrimaryRole::recover_disk()
{
    auto info = state_.info(options_.resource);
    if (!info || !info->hosts.count(options_.host))
        throw std::runtime_error("resource " + options_.resource + " has no entries for this host");
    const auto& me = info->hosts.at(options_.host);
    engine::ReplayPosition start{1, options_.host, 0, 1};
    if (me.replay)
        start = me.replay->position;

    recovery_note_ = "Recovery";
    engine::BackingDisk disk(options_.disk, options_.size);
    engine::RecoveryOptions ro;
    ro.log_directory = log_directory();
    ro.start = start;
    ro.host = options_.host;
    engine::RecoveryResult result = engine::recover(disk, ro);
    if (!result.ok())
        throw std::runtime_error("crash recovery of " + options_.resource + " stopped: " + result.error);
    next_logfile_ = result.next_logfile;
    next_seq_ = result.next_seq != 0 ? result.next_seq : (start.next_seq != 0 ? start.next_seq : 1);
    if (result.records > 0)
        util::log(util::Priority::notice,
                  options_.resource + ": recovery replayed " + std::to_string(result.records) + " records (" +
                      std::to_string(result.bytes) + " bytes) from " + start.str() + " to " + result.end.str(),
                  {{"MARS_RESOURCE", options_.resource}});
    // The disk now holds everything up to result.end: say so before the
    // writer starts a new logfile past it.
    resource::ReplayLink link{result.end, 0};
    state_.publish_replay(options_.resource, link, tree::Durability::proof);
    recovery_note_.clear();
}

// Our logfiles before the writer's new one that have no versionlink yet
// get one from their real end, oldest first (each chains to the previous).
void PrimaryRole::finish_logfiles_without_versionlink(std::uint32_t before)
{
    auto info = state_.info(options_.resource);
    if (!info || !info->hosts.count(options_.host))
        return;
    auto versions = info->hosts.at(options_.host).versions;
    for (const auto& file : resource::list_logfiles(log_directory())) {
        if (file.name.host != options_.host || file.name.number >= before || versions.count(file.name.number))
            continue;
        const std::uint64_t length = valid_length(file.path);
        if (auto link = publish_versionlink(file.name.number, length, versions)) {
            versions[file.name.number] = *link;
            util::log(util::Priority::info,
                      options_.resource + ": finished " + file.name.str() + " at " + std::to_string(length) + " bytes",
                      {{"MARS_RESOURCE", options_.resource}});
        }
    }
}

// The versionlink of our finished logfile `number`, chained to ours of
// number - 1 (from `versions`). Returns it, or nullopt (with a journal
// line) when the previous one is missing or unreadable.
std::optional<std::string> PrimaryRole::publish_versionlink(std::uint32_t number, std::uint64_t length,
                                                            const std::map<std::uint32_t, std::string>& versions)
{
    std::optional<history::VersionLink> previous;
    if (auto it = versions.find(number - 1); it != versions.end())
        previous = history::VersionLink::parse(it->second);
    if (!previous) {
        util::log(util::Priority::err,
                  options_.resource + ": cannot write the versionlink of " +
                      log::LogfileName{number, options_.host}.str() + ": version-" + std::to_string(number - 1) +
                      "-" + options_.host + " is missing or unreadable",
                  {{"MARS_RESOURCE", options_.resource}});
        return std::nullopt;
    }
    std::string link = history::chain(*previous, number, options_.host, length).str();
    state_.publish_version(options_.resource, number, link);
    return link;
}

void PrimaryRole::start()
{
    if (device_)
        return;
    try {
        const auto kind = frontend::choose_frontend(options_.config.frontend,
                                                    kmod::Control::available(options_.kmod_control));
        // A device mars.ko kept serving (and logging) while marsd was away
        // is adopted: the disk is live under it, so no recovery.
        const bool adopt = kind == frontend::FrontendKind::kmod &&
                           KernelPrimaryDevice::serving(options_.kmod_control, options_.device_name);
        if (!adopt) {
            recover_disk();
            finish_logfiles_without_versionlink(next_logfile_);
        }

        PrimaryDeviceOptions o;
        o.resource = options_.resource;
        o.host = options_.host;
        o.log_directory = log_directory();
        o.logfile_number = next_logfile_;
        o.first_seq = next_seq_;
        o.disk = options_.disk;
        o.size = options_.size;
        o.device_name = options_.device_name;
        o.device_directory = options_.device_directory;
        o.run_directory = options_.run_directory;
        o.compression = options_.config.compression;
        o.completion = options_.config.completion;
        o.memory_limit = options_.memory_limit;
        o.control_path = options_.kmod_control;
        auto device = make_primary_device(kind, o);
        {
            std::lock_guard lock(status_mutex_);
            device_ = std::move(device);
        }
        if (adopt) {
            next_logfile_ = device_->logged_position().logfile_number;
            finish_logfiles_without_versionlink(next_logfile_);
        }
        logfile_started_ = std::chrono::steady_clock::now();
        state_.set_maxnr(options_.resource, next_logfile_);
        publish_position(tree::Durability::proof);

        device_->start();
        state_.set_actual(options_.resource, "is-primary", "1");
        util::log(util::Priority::notice,
                  options_.resource + ": primary, serving " + device_->device_path().string() + " (" +
                      std::string(frontend::kind_name(kind)) + ") from " + options_.disk.string() +
                      ", logging to log-" + std::to_string(next_logfile_),
                  {{"MARS_RESOURCE", options_.resource}});
    } catch (...) {
        release_device();
        tree_changed_();
        throw;
    }
    tree_changed_();
}

void PrimaryRole::publish_position(tree::Durability durability)
{
    resource::ReplayLink link{device_->writeback_position(), 0};
    std::string value = link.str();
    if (value == published_ && durability == tree::Durability::normal)
        return;
    state_.publish_replay(options_.resource, link, durability);
    std::lock_guard lock(status_mutex_);
    published_ = value;
}

void PrimaryRole::tick()
{
    if (!device_)
        return;
    std::string before;
    {
        std::lock_guard lock(status_mutex_);
        before = published_;
    }
    publish_position(tree::Durability::normal);
    const auto logged = device_->logged_position();
    const auto age = std::chrono::steady_clock::now() - logfile_started_;
    if (history::should_rotate(options_.rotation, logged.offset,
                               static_cast<std::uint64_t>(std::chrono::nanoseconds(age).count())))
        rotate_now("size or age limit");
    bool changed = false;
    {
        std::lock_guard lock(status_mutex_);
        changed = published_ != before;
    }
    if (changed)
        tree_changed_();
}

void PrimaryRole::rotate()
{
    if (!device_)
        throw std::runtime_error(options_.resource + " is not primary here");
    if (device_->logged_position().offset == 0)
        return; // the current logfile is empty: nothing to finish
    rotate_now("log-rotate");
    tree_changed_();
}

void PrimaryRole::rotate_now(const char* why)
{
    const std::uint32_t finished = device_->logged_position().logfile_number;
    engine::IoResult r = device_->rotate();
    if (!r.ok()) {
        std::lock_guard lock(status_mutex_);
        last_error_ = "rotating the log: " + r.message;
        throw std::runtime_error(last_error_);
    }
    logfile_started_ = std::chrono::steady_clock::now();
    // The old logfile ends with a rotation marker and is durable: its
    // size is final.
    const log::LogfileName name{finished, options_.host};
    const std::uint64_t length = std::filesystem::file_size(log_directory() / name.str());
    auto info = state_.info(options_.resource);
    publish_versionlink(finished, length,
                        info && info->hosts.count(options_.host) ? info->hosts.at(options_.host).versions
                                                                  : std::map<std::uint32_t, std::string>{});
    state_.set_maxnr(options_.resource, finished + 1);
    publish_position(tree::Durability::proof);
    util::log(util::Priority::info,
              options_.resource + ": rotated the log after " + name.str() + " (" + std::to_string(length) + " bytes, " +
                  why + ")",
              {{"MARS_RESOURCE", options_.resource}});
}

void PrimaryRole::stop()
{
    if (device_) {
        device_->stop(); // throws EBUSY while in use; then we keep serving
        publish_position(tree::Durability::proof);
        release_device();
    }
    state_.set_actual(options_.resource, "is-primary", "0");
    util::log(util::Priority::notice, options_.resource + ": device removed, everything written back",
              {{"MARS_RESOURCE", options_.resource}});
    tree_changed_();
}

ResourceStatus PrimaryRole::status() const
{
    ResourceStatus s;
    s.disk = options_.disk.string();
    std::lock_guard lock(status_mutex_);
    s.last_error = last_error_;
    s.replay_position = published_;
    if (!device_) {
        s.role = "NotYetPrimary";
        s.disk_state = recovery_note_.empty() ? "Detached" : recovery_note_;
        s.repl_state = "NotYetPrimary";
        s.flags = flags_of({'-', 'C', '-', 'S', '-', '-'});
        return s;
    }
    s.role = "Primary";
    s.disk_state = "UpToDate";
    s.repl_state = "Replicating";
    const bool serving = device_->running();
    s.flags = flags_of({serving ? 'D' : 'd', 'C', 'A', 'S', '-', '-'});
    if (serving)
        s.device = device_->device_path().string();
    s.frontend = std::string(frontend::kind_name(device_->kind()));
    if (auto problem = device_->problem(); !problem.empty() && s.last_error.empty())
        s.last_error = problem;
    s.primary_position = resource::ReplayLink{device_->logged_position(), 0}.str();
    // The live writeback position: replay-<host> in the tree follows it only
    // on the tick, and a view right after writes would show it lagging.
    s.replay_position = resource::ReplayLink{device_->writeback_position(), 0}.str();
    s.fetch_position = s.primary_position;
    return s;
}

} // namespace mars::replication
