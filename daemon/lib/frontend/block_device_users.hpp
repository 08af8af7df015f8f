// Who is using a block device: mounts, exclusive holders (a filesystem,
// device-mapper, md, swap) and processes holding it open. Used to refuse
// tearing down a device that is still in use, with a message that says
// what to close or unmount.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace mars::frontend {

struct BlockDeviceUsers {
    std::vector<std::string> mounts;    // mount points
    std::vector<std::string> holders;   // /sys/block/<dev>/holders entries
    std::vector<std::string> processes; // "pid 123 (dd)"
    bool exclusive = false;             // an O_EXCL open failed with EBUSY

    bool empty() const { return mounts.empty() && holders.empty() && processes.empty() && !exclusive; }
    // "mounted on /mnt; open by pid 12 (dd)"
    std::string describe() const;
};

// Looks at `device` (a block device node); ignores open descriptors of
// the calling process that are listed in `ignore_fds`.
BlockDeviceUsers find_block_device_users(const std::filesystem::path& device, const std::vector<int>& ignore_fds = {});

// Processes that hold `file` open ("pid 123 (dd)"), except descriptors
// `ignore_fds` of the calling process. Matches the path the kernel shows
// for each descriptor; block devices also by device number when opened
// under another name in /dev. Never stats foreign files (a hung FUSE
// mount elsewhere must not hang us).
std::vector<std::string> processes_holding(const std::filesystem::path& file, const std::vector<int>& ignore_fds = {});

// Whether `path` is the mount point of something in this mount namespace.
bool is_mount_point(const std::filesystem::path& path);

// The device number (st_dev) of what is mounted at `path`, read from the
// mount table without touching the file system itself (which may be
// served by the calling process). 0 if nothing is mounted there.
dev_t mounted_device(const std::filesystem::path& path);

} // namespace mars::frontend
