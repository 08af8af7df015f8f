#include "replication/kernel_primary_device.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "frontend/block_device_users.hpp"
#include "log/logfile_create.hpp"
#include "log/logfile_name.hpp"
#include "resource/log_directory.hpp"
#include "tree/lamport_clock.hpp"
#include "util/durable.hpp"
#include "util/logger.hpp"
#include "util/system_error.hpp"

namespace mars::replication {
namespace {

// devtmpfs creates /dev/marsN while ADD_DEVICE runs; under a plain /dev
// (a container) udev may take a moment.
void wait_for_node(const std::filesystem::path& node)
{
    for (int i = 0; i < 500; ++i) {
        struct stat st{};
        if (::stat(node.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
            return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::system_error(ENOENT, std::generic_category(),
                            node.string() + " did not appear (is devtmpfs mounted on /dev?)");
}

// Writeback that makes no progress for this long counts as stuck at stop().
constexpr auto kStuckWriteback = std::chrono::seconds(30);

} // namespace

KernelPrimaryDevice::KernelPrimaryDevice(const PrimaryDeviceOptions& options)
    : options_(options), link_(options.device_directory, options.device_name), control_(options.control_path)
{
    if (auto index = control_.find(options_.device_name)) {
        adopt(*index);
        return;
    }
    disk_.reset(::open(options_.disk.c_str(), O_RDWR | O_CLOEXEC));
    if (!disk_)
        util::throw_errno("opening disk " + options_.disk.string());
    bool direct = false; // the module chooses direct appends itself
    log_ = log::create_logfile(options_.log_directory / log::LogfileName{options_.logfile_number, options_.host}.str(),
                               false, direct);
}

bool KernelPrimaryDevice::serving(const std::filesystem::path& control_path, const std::string& device_name)
{
    if (!kmod::Control::available(control_path))
        return false;
    kmod::Control control(control_path);
    return control.find(device_name).has_value();
}

// The kernel's current logfile is this host's newest: only the kernel
// appends to it, and only marsd creates logfiles (one per rotation).
void KernelPrimaryDevice::adopt(std::uint32_t index)
{
    auto q = control_.query(index);
    const std::string what = "adopting /dev/mars" + std::to_string(index) + " (" + options_.device_name + ")";
    if (!(q.dev_flags & MARS_CTL_DEV_F_LOG))
        throw std::system_error(EEXIST, std::generic_category(),
                                what + ": it was added without a log; remove it first");
    if (q.device_bytes != options_.size)
        throw std::system_error(EEXIST, std::generic_category(),
                                what + ": it has " + std::to_string(q.device_bytes) + " bytes, the resource " +
                                    std::to_string(options_.size));
    std::uint32_t newest = 0;
    for (const auto& file : resource::list_logfiles(options_.log_directory))
        if (file.name.host == options_.host)
            newest = std::max(newest, file.name.number);
    if (newest < q.log_generation)
        throw std::system_error(ENOENT, std::generic_category(),
                                what + ": logfile generation " + std::to_string(q.log_generation) +
                                    " but this host's newest logfile in " + options_.log_directory.string() +
                                    " is number " + std::to_string(newest));
    options_.logfile_number = newest - q.log_generation + 1;
    options_.first_seq = 0; // unknown; only used before anything was written back
    device_ = kmod::Device{index, q.dev_flags, q.logical_block_size};
    adopted_ = true;
    util::log(util::Priority::notice,
              options_.resource + ": adopted " + device_->node().string() + " from mars.ko (" +
                  kmod::state_name(q.state) + ", logging to log-" + std::to_string(newest) + ")",
              {{"MARS_RESOURCE", options_.resource}});
}

KernelPrimaryDevice::~KernelPrimaryDevice()
{
    if (!device_)
        return;
    const std::string stays = device_->node().string() +
                              " stays up with mars.ko, which keeps logging; marsd adopts it when it starts " +
                              options_.resource + " again";
    try {
        if (query().open_count > 0) {
            auto users = frontend::find_block_device_users(device_->node());
            util::log(util::Priority::notice,
                      options_.resource + ": in use (" + (users.empty() ? "open" : users.describe()) + "); " + stays,
                      {{"MARS_RESOURCE", options_.resource}});
            return;
        }
        remove_device();
    } catch (const std::exception& e) {
        util::log(util::Priority::err, options_.resource + ": " + e.what() + "; " + stays,
                  {{"MARS_RESOURCE", options_.resource}});
    }
}

std::uint32_t KernelPrimaryDevice::logfile_of(std::uint32_t generation) const
{
    return options_.logfile_number + std::max<std::uint32_t>(generation, 1) - 1;
}

mars_ctl_query KernelPrimaryDevice::query() const
{
    return control_.query(device_->index);
}

bool KernelPrimaryDevice::running() const
{
    std::lock_guard lock(mutex_);
    return device_.has_value();
}

void KernelPrimaryDevice::start()
{
    if (adopted_) {
        link_.create(device_->node());
        return;
    }
    if (device_)
        return;
    kmod::AddDevice a;
    a.name = options_.device_name;
    a.backing_fd = disk_.get();
    a.bytes = options_.size;
    a.log_fd = log_.get();
    a.log_offset = 0;
    a.next_seq = options_.first_seq;
    a.min_stamp_ns = tree::realtime_ns();
    a.dirty_limit = std::clamp<std::uint64_t>(options_.memory_limit, MARS_CTL_DIRTY_LIMIT_MIN,
                                              MARS_CTL_DIRTY_LIMIT_MAX);
    kmod::Device device = control_.add(a);
    {
        std::lock_guard lock(mutex_);
        device_ = device;
    }
    try {
        wait_for_node(device.node());
        link_.create(device.node());
    } catch (...) {
        remove_device();
        throw;
    }
    // The module holds its own references to disk and logfile.
    disk_.reset();
    log_.reset();
}

engine::ReplayPosition KernelPrimaryDevice::writeback_of(const mars_ctl_query& q) const
{
    // seq 0: nothing written back yet, the log's first record is next
    std::uint64_t next = q.writeback_seq ? q.writeback_seq + 1 : options_.first_seq;
    return {logfile_of(q.writeback_generation), options_.host, q.writeback_offset, next};
}

// What the module reports now; the final position after stop(), and the
// start of the new logfile before start().
engine::ReplayPosition KernelPrimaryDevice::position(bool writeback) const
{
    std::lock_guard lock(mutex_);
    if (final_position_)
        return *final_position_;
    if (!device_)
        return {options_.logfile_number, options_.host, 0, options_.first_seq};
    auto q = query();
    if (writeback)
        return writeback_of(q);
    return {logfile_of(q.log_generation), options_.host, q.log_durable, q.log_next_seq};
}

engine::IoResult KernelPrimaryDevice::rotate()
{
    engine::IoResult r;
    if (!running()) {
        r.error = -ENODEV;
        r.message = "the device is not running";
        return r;
    }
    const std::uint32_t number = logfile_of(query().log_generation) + 1;
    const auto path = options_.log_directory / log::LogfileName{number, options_.host}.str();
    try {
        bool direct = false;
        util::UniqueFd fd = log::create_logfile(path, false, direct);
        kmod::Rotation rot = control_.rotate(device_->index, fd.get());
        r.logfile_number = number;
        r.first_seq = r.last_seq = rot.marker_seq;
    } catch (const std::system_error& e) {
        // An empty logfile the kernel never took must not look like a
        // continuation of the log to peers.
        ::unlink(path.c_str());
        try {
            util::fsync_directory(options_.log_directory);
        } catch (const std::exception&) {
        }
        r.error = -e.code().value();
        r.message = e.what();
    }
    return r;
}

void KernelPrimaryDevice::stop()
{
    if (!running())
        return;
    const auto node = device_->node();
    auto q = query();
    if (q.open_count > 0) {
        auto users = frontend::find_block_device_users(node);
        throw std::system_error(EBUSY, std::generic_category(),
                                device_path().string() + " (" + node.string() + ") is in use" +
                                    (users.empty() ? std::string() : ": " + users.describe()));
    }
    // Nobody has it open, so nothing new arrives: wait for writeback.
    auto last_progress = std::chrono::steady_clock::now();
    std::uint64_t dirty = q.dirty_bytes;
    while (q.dirty_bytes > 0 && std::chrono::steady_clock::now() - last_progress < kStuckWriteback) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        q = query();
        if (q.dirty_bytes < dirty) {
            dirty = q.dirty_bytes;
            last_progress = std::chrono::steady_clock::now();
        }
    }
    if (q.dirty_bytes > 0)
        util::log(util::Priority::err,
                  options_.resource + ": writeback of " + std::to_string(q.dirty_bytes) +
                      " bytes is stuck; removing the device anyway (the log has them; recovery replays them)",
                  {{"MARS_RESOURCE", options_.resource}});
    remove_device(writeback_of(q));
}

void KernelPrimaryDevice::remove_device(std::optional<engine::ReplayPosition> final)
{
    const auto node = device_->node();
    control_.remove(device_->index); // EBUSY while open: keeps serving
    link_.remove(node);
    std::lock_guard lock(mutex_);
    device_.reset();
    final_position_ = final;
}

std::string KernelPrimaryDevice::problem() const
{
    if (!running())
        return {};
    auto q = query();
    if (q.state == MARS_CTL_STATE_FAILED)
        return "the log cannot be written (mars.ko: see journalctl -k); writes fail";
    if (q.state == MARS_CTL_STATE_EMERGENCY)
        return "emergency mode: writes go to the disk without a log";
    if (q.log_errors > 0)
        return std::to_string(q.log_errors) + " log or writeback errors (mars.ko: see journalctl -k)";
    return {};
}

} // namespace mars::replication
