// The daemon's side of mars.ko's control interface (/dev/mars-control,
// kmod/include/uapi/mars_ctl.h, docs/kmod.md): one call per ioctl, with the
// versioned structs filled in and errors turned into std::system_error
// messages that say what was asked and where the kernel's reason is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "uapi/mars_ctl.h"
#include "util/unique_fd.hpp"

namespace mars::kmod {

inline constexpr const char* kControlPath = MARS_CTL_DEVICE_PATH;

struct AddDevice {
    std::string name;          // [a-z][a-z0-9_-]*, at most 63 characters
    int backing_fd = -1;       // the disk, O_RDWR; the module takes its own reference
    std::uint64_t bytes = 0;   // device size
    bool buffered = false;     // never direct I/O on the disk
    // Logging (log_fd >= 0): records from log_offset on, numbered from
    // next_seq, stamps above min_stamp_ns; dirty_limit 0 = the default.
    int log_fd = -1;
    std::uint64_t log_offset = 0;
    std::uint64_t next_seq = 1;
    std::uint64_t min_stamp_ns = 0;
    std::uint64_t dirty_limit = 0;
};

struct Device {
    std::uint32_t index = 0; // /dev/mars<index>
    std::uint32_t flags = 0; // MARS_CTL_DEV_F_*
    std::uint32_t logical_block_size = 0;

    std::filesystem::path node() const { return "/dev/mars" + std::to_string(index); }
};

struct Rotation {
    std::uint32_t generation = 0; // of the new logfile
    std::uint64_t old_end = 0;    // size of the finished logfile
    std::uint64_t marker_seq = 0;
};

class Control {
  public:
    // Opens the control device. Throws std::system_error: ENOENT means the
    // module is not loaded.
    explicit Control(const std::filesystem::path& path = kControlPath);

    // Whether `path` exists as a character device (the module is loaded).
    static bool available(const std::filesystem::path& path = kControlPath);

    Device add(const AddDevice& request);
    void remove(std::uint32_t index);
    mars_ctl_query query(std::uint32_t index);
    Rotation rotate(std::uint32_t index, int new_log_fd);
    std::uint64_t set_emergency(std::uint32_t index);
    // The device serving resource device name `name`, if any.
    std::optional<std::uint32_t> find(const std::string& name);

  private:
    long call(unsigned long request, void* arg, const std::string& what);

    std::filesystem::path path_;
    util::UniqueFd fd_;
};

// "logging", "emergency", ... for enum mars_ctl_dev_state.
const char* state_name(std::uint32_t state);

} // namespace mars::kmod
