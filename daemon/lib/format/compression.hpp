// Per-record payload compression (zstd or lz4), used only when it saves space.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mars::format {

enum class Compression : std::uint8_t { none, zstd, lz4 };

// "none", "zstd", "lz4"; std::nullopt for anything else.
std::optional<Compression> parse_compression(std::string_view name);
std::string_view compression_name(Compression c);

// Compresses `in` into `out` (resized to fit). Returns false when the
// compressed form would not be smaller than `max_stored` bytes; the caller
// then stores the payload uncompressed.
bool compress(Compression c, std::span<const std::byte> in, std::size_t max_stored,
              std::vector<std::byte>& out);

// Decompresses `in` into exactly `out.size()` bytes. Returns an empty string on
// success, else why it failed (a failure counts as a checksum error).
std::string decompress(Compression c, std::span<const std::byte> in, std::span<std::byte> out);

} // namespace mars::format
