// The backing disk of a resource: a block device or a regular file, opened
// read-write for the data path, with O_DIRECT where that works for
// 512-byte requests (so written-back data does not also sit in the page
// cache, and a read sees the disk, not a stale cached copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "util/unique_fd.hpp"

namespace mars::engine {

// Requests of the data path are multiples of this, at multiples of this.
inline constexpr std::uint64_t kSectorSize = 512;

struct DiskOptions {
    bool direct_io = true; // O_DIRECT if the disk supports it for 512-byte requests
    bool exclusive = true; // O_EXCL on block devices: refuse a disk that is mounted or claimed
};

class BackingDisk {
  public:
    // Opens `path` and checks that it holds at least `size` bytes (the
    // device size; a larger disk is fine, as in MARS). Throws
    // std::system_error naming the path.
    BackingDisk(std::filesystem::path path, std::uint64_t size, DiskOptions options = {});

    int fd() const { return fd_.get(); }
    const std::filesystem::path& path() const { return path_; }
    // The usable size: the device size given to the constructor.
    std::uint64_t size() const { return size_; }
    // What the disk really holds (>= size()).
    std::uint64_t real_size() const { return real_size_; }
    bool direct_io() const { return direct_; }
    bool is_block_device() const { return block_device_; }

    // Reads exactly out.size() bytes at `offset` (both sector multiples);
    // bounces through an aligned buffer when `out` is not aligned for
    // O_DIRECT. Throws std::system_error on failure.
    void read(std::uint64_t offset, std::span<std::byte> out) const;

    // fdatasync. Throws std::system_error on failure.
    void sync() const;

  private:
    std::filesystem::path path_;
    util::UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t real_size_ = 0;
    bool direct_ = false;
    bool block_device_ = false;
};

} // namespace mars::engine
