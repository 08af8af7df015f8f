// A loop device attached to a file, through the loop driver's ioctls
// (LOOP_CTL_GET_FREE, LOOP_CONFIGURE, LOOP_CLR_FD) rather than losetup(8),
// so errors are ours to report and direct I/O is asked for in one step.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace mars::frontend {

struct LoopOptions {
    bool direct_io = true;          // the loop driver reads and writes the file with O_DIRECT
    std::uint32_t block_size = 512; // logical block size of the loop device
    bool read_only = false;
};

class LoopDevice {
  public:
    // Attaches a free loop device to `file` (creating its /dev node if no
    // udev did). Throws std::system_error naming the file.
    static LoopDevice attach(const std::filesystem::path& file, LoopOptions options = {});

    LoopDevice() = default;
    LoopDevice(LoopDevice&& other) noexcept;
    LoopDevice& operator=(LoopDevice&& other) noexcept;
    LoopDevice(const LoopDevice&) = delete;
    LoopDevice& operator=(const LoopDevice&) = delete;
    // Detaches if still attached; if the device is in use then, the kernel
    // detaches it when its last user closes it (autoclear).
    ~LoopDevice();

    // Detaches the file. While the device is mounted, claimed or open,
    // throws std::system_error (EBUSY) saying by whom, and stays attached.
    void detach();

    bool attached() const { return number_ >= 0; }
    int number() const { return number_; }
    std::filesystem::path path() const; // /dev/loopN
    bool direct_io() const { return direct_io_; }
    // The file the kernel says backs loop device `number`, or empty.
    static std::filesystem::path backing_file(int number);
    // Detaches every loop device still attached to `file` (left behind by
    // a daemon that died); devices in use go when their users close them.
    // Returns how many were found.
    static unsigned release_stale(const std::filesystem::path& file);

  private:
    void clear(bool force);

    int number_ = -1;
    bool direct_io_ = false;
    std::filesystem::path file_;
};

} // namespace mars::frontend
