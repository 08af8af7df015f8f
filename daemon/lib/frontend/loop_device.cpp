#include "frontend/loop_device.hpp"

#include <fcntl.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <utility>

#include "frontend/block_device_users.hpp"
#include "util/logger.hpp"
#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace mars::frontend {
namespace {

std::filesystem::path node_path(int number)
{
    return "/dev/loop" + std::to_string(number);
}

// Without udev (containers, our CI) /dev/loopN may be missing for a loop
// device the kernel just created: make the node from sysfs' numbers.
void ensure_node(int number)
{
    const auto node = node_path(number);
    struct stat st {};
    if (::stat(node.c_str(), &st) == 0)
        return;
    std::ifstream in("/sys/block/loop" + std::to_string(number) + "/dev");
    unsigned major = 0, minor = 0;
    char colon = 0;
    if (!(in >> major >> colon >> minor) || colon != ':')
        util::throw_errno(ENOENT, "loop device " + node.string() + " has no node and no /sys/block entry");
    if (::mknod(node.c_str(), S_IFBLK | 0660, ::makedev(major, minor)) != 0 && errno != EEXIST)
        util::throw_errno("creating device node " + node.string());
}

} // namespace

std::filesystem::path LoopDevice::path() const
{
    return node_path(number_);
}

std::filesystem::path LoopDevice::backing_file(int number)
{
    std::ifstream in("/sys/block/loop" + std::to_string(number) + "/loop/backing_file");
    std::string line;
    if (!std::getline(in, line))
        return {};
    return line;
}

unsigned LoopDevice::release_stale(const std::filesystem::path& file)
{
    const auto wanted = std::filesystem::absolute(file).lexically_normal();
    unsigned found = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/sys/block", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("loop", 0) != 0)
            continue;
        const int number = std::atoi(name.c_str() + 4);
        if (backing_file(number) != wanted)
            continue;
        ++found;
        ensure_node(number);
        util::UniqueFd dev(::open(node_path(number).c_str(), O_RDONLY | O_CLOEXEC));
        if (!dev || ::ioctl(dev.get(), LOOP_CLR_FD, 0) != 0)
            util::log(util::Priority::warning, "detaching the stale " + node_path(number).string() + " from " +
                                                   wanted.string() + ": " + std::strerror(errno));
        else
            util::log(util::Priority::notice,
                      "detached the stale " + node_path(number).string() + " from " + wanted.string());
    }
    return found;
}

LoopDevice LoopDevice::attach(const std::filesystem::path& file, LoopOptions options)
{
    const int mode = options.read_only ? O_RDONLY : O_RDWR;
    util::UniqueFd file_fd(::open(file.c_str(), mode | O_CLOEXEC | (options.direct_io ? O_DIRECT : 0)));
    if (!file_fd && options.direct_io && errno == EINVAL) {
        options.direct_io = false; // the file system cannot do O_DIRECT: loop over the page cache
        file_fd.reset(::open(file.c_str(), mode | O_CLOEXEC));
    }
    if (!file_fd)
        util::throw_errno("opening " + file.string() + " for a loop device");

    util::UniqueFd control(::open("/dev/loop-control", O_RDWR | O_CLOEXEC));
    if (!control)
        util::throw_errno("opening /dev/loop-control");

    // Another program may grab the free device between our two calls:
    // then LOOP_CONFIGURE says EBUSY and we ask for the next free one.
    for (int attempt = 0;; ++attempt) {
        const int number = ::ioctl(control.get(), LOOP_CTL_GET_FREE);
        if (number < 0)
            util::throw_errno("LOOP_CTL_GET_FREE");
        ensure_node(number);
        util::UniqueFd dev(::open(node_path(number).c_str(), mode | O_CLOEXEC));
        if (!dev)
            util::throw_errno("opening " + node_path(number).string());

        loop_config config{};
        config.fd = static_cast<__u32>(file_fd.get());
        config.block_size = options.block_size;
        config.info.lo_flags =
            (options.direct_io ? LO_FLAGS_DIRECT_IO : 0) | (options.read_only ? LO_FLAGS_READ_ONLY : 0);
        std::strncpy(reinterpret_cast<char*>(config.info.lo_file_name), file.c_str(), LO_NAME_SIZE - 1);
        if (::ioctl(dev.get(), LOOP_CONFIGURE, &config) != 0) {
            if (errno == EBUSY && attempt < 20)
                continue;
            util::throw_errno("attaching " + file.string() + " to " + node_path(number).string() + " (LOOP_CONFIGURE)");
        }
        LoopDevice loop;
        loop.number_ = number;
        // As sysfs' backing_file will name it.
        std::error_code ec;
        loop.file_ = std::filesystem::canonical(file, ec);
        if (ec)
            loop.file_ = std::filesystem::absolute(file);
        // The driver silently falls back to buffered I/O where direct I/O
        // does not work; report what it really does.
        loop_info64 info{};
        if (::ioctl(dev.get(), LOOP_GET_STATUS64, &info) == 0)
            loop.direct_io_ = info.lo_flags & LO_FLAGS_DIRECT_IO;
        return loop;
    }
}

LoopDevice::LoopDevice(LoopDevice&& other) noexcept
    : number_(std::exchange(other.number_, -1)), direct_io_(other.direct_io_), file_(std::move(other.file_))
{
}

LoopDevice& LoopDevice::operator=(LoopDevice&& other) noexcept
{
    if (this != &other) {
        clear(true);
        number_ = std::exchange(other.number_, -1);
        direct_io_ = other.direct_io_;
        file_ = std::move(other.file_);
    }
    return *this;
}

LoopDevice::~LoopDevice()
{
    clear(true);
}

void LoopDevice::detach()
{
    if (!attached())
        return;
    clear(false);
}

void LoopDevice::clear(bool force)
{
    if (number_ < 0)
        return;
    const auto node = path();
    // Already gone (an earlier detach completed on its last close)? The
    // number may even belong to someone else's file by now.
    if (backing_file(number_) != file_) {
        number_ = -1;
        return;
    }
    if (!force) {
        BlockDeviceUsers users = find_block_device_users(node);
        if (!users.empty())
            util::throw_errno(EBUSY,
                              "cannot detach " + node.string() + " from " + file_.string() + ": " + users.describe());
    }
    {
        util::UniqueFd dev(::open(node.c_str(), O_RDONLY | O_CLOEXEC));
        // With other openers the driver only marks the device for
        // detaching on their last close (autoclear); with just ours it
        // detaches when we close below.
        if (!dev || ::ioctl(dev.get(), LOOP_CLR_FD, 0) != 0) {
            const int err = errno;
            if (force) {
                util::log(util::Priority::warning, "detaching " + node.string() + ": " + std::strerror(err));
                number_ = -1;
                return;
            }
            util::throw_errno(err, "detaching " + node.string() + " (LOOP_CLR_FD)");
        }
    }
    // The detach completes when the last descriptor closes: wait for it
    // (bounded) so the caller can rely on it when we return.
    for (int i = 0; i < 500 && backing_file(number_) == file_; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (backing_file(number_) != file_) {
        number_ = -1;
        return;
    }
    // Someone opened it between our check and LOOP_CLR_FD. The kernel
    // detaches it on their last close; until then we stay attached.
    const std::string who = find_block_device_users(node).describe();
    const std::string msg = node.string() + " is still attached to " + file_.string() +
                            "; it will be detached when its last user closes it" +
                            (who.empty() ? std::string() : " (" + who + ")");
    if (force) {
        util::log(util::Priority::warning, msg);
        number_ = -1;
        return;
    }
    util::throw_errno(EBUSY, msg);
}

} // namespace mars::frontend
