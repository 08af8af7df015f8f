// CRC32C (Castagnoli), the checksum of every log record.
//
// Standard parameters (reflected, init and final xor 0xFFFFFFFF), so the
// kernel's crc32c() and ours agree byte for byte. Calls chain:
// crc32c(b, crc32c(a)) == crc32c(a followed by b).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace mars::format {

// Fastest implementation available on this build and CPU.
std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc = 0);

// Individual implementations, exposed so tests can compare them.
std::uint32_t crc32c_portable(std::span<const std::byte> data, std::uint32_t crc = 0);
// Returns false (and leaves `out` alone) where the implementation is unavailable.
bool crc32c_sse42(std::span<const std::byte> data, std::uint32_t crc, std::uint32_t& out);
bool crc32c_isal(std::span<const std::byte> data, std::uint32_t crc, std::uint32_t& out);

// Name of the implementation crc32c() uses: "isa-l", "sse4.2" or "portable".
const char* crc32c_implementation();

} // namespace mars::format
