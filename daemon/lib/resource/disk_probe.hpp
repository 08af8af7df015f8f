// Checks a disk before create-resource or join-resource may claim it, so
// that a mistyped path or a disk someone else uses is refused with the
// reason instead of being overwritten by a full sync.
#pragma once

#include <cstdint>
#include <filesystem>

#include "resource/resource_error.hpp"

namespace mars::resource {

struct DiskProbe {
    std::uint64_t size = 0; // bytes
    bool block_device = false;
};

// Throws ResourceError naming `path` and the reason when the disk is
// missing, not a regular file or block device, cannot be opened
// read-write, in use (a block device that is mounted or held by another
// device: an O_EXCL open fails with EBUSY; a regular file that backs a
// loop device), or smaller than `min_size` (when > 0). Symlinks such as
// /dev/vg/lv are followed.
DiskProbe probe_disk(const std::filesystem::path& path, std::uint64_t min_size = 0);

} // namespace mars::resource
