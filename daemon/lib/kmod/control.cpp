#include "kmod/control.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "util/system_error.hpp"

namespace mars::kmod {
namespace {

// Every argument struct starts with version and size (docs/kmod.md).
template <typename T> T request_struct()
{
    T t;
    std::memset(&t, 0, sizeof(t));
    t.version = MARS_CTL_VERSION;
    t.size = sizeof(T);
    return t;
}

} // namespace

Control::Control(const std::filesystem::path& path) : path_(path)
{
    fd_.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_)
        util::throw_errno("opening " + path.string() +
                          (errno == ENOENT ? " (is mars.ko loaded? modprobe mars)" : std::string()));
    auto info = request_struct<mars_ctl_info>();
    call(MARS_CTL_GET_INFO, &info, "GET_INFO");
    if (info.max_version < MARS_CTL_VERSION)
        throw std::system_error(EPROTO, std::generic_category(),
                                path.string() + " speaks control version " + std::to_string(info.max_version) +
                                    ", marsd needs " + std::to_string(MARS_CTL_VERSION));
}

bool Control::available(const std::filesystem::path& path)
{
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode);
}

long Control::call(unsigned long request, void* arg, const std::string& what)
{
    long r = ::ioctl(fd_.get(), request, arg);
    if (r < 0) {
        int e = errno;
        std::string hint = e == ENOTTY ? " (" + path_.string() + " is not the mars control device)"
                                       : " (the kernel log, journalctl -k, says why)";
        util::throw_errno(e, "mars.ko " + what + hint);
    }
    return r;
}

Device Control::add(const AddDevice& request)
{
    auto a = request_struct<mars_ctl_add_device>();
    if (request.name.empty() || request.name.size() >= sizeof(a.name))
        throw std::system_error(EINVAL, std::generic_category(),
                                "mars.ko device name '" + request.name + "' must have 1 to " +
                                    std::to_string(sizeof(a.name) - 1) + " characters");
    std::memcpy(a.name, request.name.data(), request.name.size());
    a.backing_fd = request.backing_fd;
    a.device_bytes = request.bytes;
    if (request.buffered)
        a.flags |= MARS_CTL_ADD_F_BUFFERED;
    if (request.log_fd >= 0) {
        a.flags |= MARS_CTL_ADD_F_LOG;
        a.log_fd = request.log_fd;
        a.log_offset = request.log_offset;
        a.log_next_seq = request.next_seq;
        a.log_min_stamp_ns = request.min_stamp_ns;
        a.dirty_limit_bytes = request.dirty_limit;
    }
    long index = call(MARS_CTL_ADD_DEVICE, &a, "ADD_DEVICE of " + request.name);
    return Device{static_cast<std::uint32_t>(index), a.dev_flags, a.logical_block_size};
}

void Control::remove(std::uint32_t index)
{
    auto a = request_struct<mars_ctl_remove_device>();
    a.index = index;
    call(MARS_CTL_REMOVE_DEVICE, &a, "REMOVE_DEVICE of mars" + std::to_string(index));
}

mars_ctl_query Control::query(std::uint32_t index)
{
    auto q = request_struct<mars_ctl_query>();
    q.index = index;
    call(MARS_CTL_QUERY, &q, "QUERY of mars" + std::to_string(index));
    return q;
}

Rotation Control::rotate(std::uint32_t index, int new_log_fd)
{
    auto a = request_struct<mars_ctl_rotate_log>();
    a.index = index;
    a.log_fd = new_log_fd;
    call(MARS_CTL_ROTATE_LOG, &a, "ROTATE_LOG of mars" + std::to_string(index));
    return Rotation{a.generation, a.old_end_offset, a.marker_seq};
}

std::uint64_t Control::set_emergency(std::uint32_t index)
{
    auto a = request_struct<mars_ctl_set_emergency>();
    a.index = index;
    call(MARS_CTL_SET_EMERGENCY, &a, "SET_EMERGENCY of mars" + std::to_string(index));
    return a.marker_seq;
}

std::optional<std::uint32_t> Control::find(const std::string& name)
{
    for (std::uint32_t i = 0; i < MARS_CTL_MAX_DEVICES; ++i) {
        auto q = request_struct<mars_ctl_query>();
        q.index = i;
        if (::ioctl(fd_.get(), MARS_CTL_QUERY, &q) < 0) {
            if (errno == ENOENT)
                continue;
            util::throw_errno("mars.ko QUERY of mars" + std::to_string(i));
        }
        if (name == std::string(q.name, strnlen(q.name, sizeof(q.name))))
            return i;
    }
    return std::nullopt;
}

const char* state_name(std::uint32_t state)
{
    switch (state) {
    case MARS_CTL_STATE_PASSTHROUGH:
        return "passthrough";
    case MARS_CTL_STATE_LOGGING:
        return "logging";
    case MARS_CTL_STATE_EMERGENCY:
        return "emergency";
    case MARS_CTL_STATE_FAILED:
        return "failed";
    }
    return "unknown";
}

} // namespace mars::kmod
