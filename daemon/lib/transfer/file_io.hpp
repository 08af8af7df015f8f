// The few file operations both ends of a transfer need, with errors that
// name the file and offset ("/dev/vdb at offset 1048576: Input/output error").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "util/unique_fd.hpp"

namespace mars::transfer {

// Reads up to buffer.size() bytes at `offset`, fewer only at end of file
// (a growing logfile: what exists now). Throws std::system_error.
std::size_t read_at(int fd, std::span<std::byte> buffer, std::uint64_t offset, const std::filesystem::path& path);

// Writes all of `data` at `offset`. Throws std::system_error.
void write_at(int fd, std::span<const std::byte> data, std::uint64_t offset, const std::filesystem::path& path);

// fdatasync; throws std::system_error naming `path` and `offset` (how far
// the caller believed it had written).
void sync_data(int fd, const std::filesystem::path& path, std::uint64_t offset);

// Size of a regular file or block device. Throws std::system_error, and
// std::runtime_error for other kinds of file.
std::uint64_t file_or_device_size(int fd, const std::filesystem::path& path);

// Opens `path` for appending log bytes: created 0600 if missing (its
// directory entry then fsynced), never through a symlink.
util::UniqueFd open_log_copy(const std::filesystem::path& path);

} // namespace mars::transfer
