// Helpers for the engine tests: backing files, data path options, and a
// byte-exact model of what a device should contain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "engine/primary_data_path.hpp"

namespace mars::test {

constexpr const char* kEngineHost = "alpha";

// Creates (or truncates) a sparse file of `size` zero bytes.
void make_disk_file(const std::filesystem::path& path, std::uint64_t size);

// Reads `length` bytes of a file at `offset` (buffered, independent of the
// data path's descriptor).
std::vector<std::byte> read_file_range(const std::filesystem::path& path, std::uint64_t offset, std::size_t length);

// Options for a data path on `disk` with its log in `log_dir`; small
// writeback thresholds so that writeback really runs during tests.
engine::DataPathOptions data_path_options(const std::filesystem::path& disk, const std::filesystem::path& log_dir,
                                          std::uint64_t size);

// What the device must read as: writes and zeroes applied in order.
class DeviceModel {
  public:
    explicit DeviceModel(std::uint64_t size) : bytes_(size) {}
    void write(std::uint64_t offset, std::span<const std::byte> data);
    void zero(std::uint64_t offset, std::uint64_t length);
    std::span<const std::byte> bytes() const { return bytes_; }
    std::span<const std::byte> range(std::uint64_t offset, std::size_t length) const
    {
        return std::span<const std::byte>(bytes_).subspan(offset, length);
    }

  private:
    std::vector<std::byte> bytes_;
};

// Offset of the first differing byte, or -1.
std::int64_t first_difference(std::span<const std::byte> a, std::span<const std::byte> b);

} // namespace mars::test
