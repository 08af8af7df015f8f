// Explicit little-endian loads and stores for on-disk and on-wire structures.
#pragma once

#include <endian.h>

#include <cstdint>

namespace mars::util {

inline std::uint16_t to_le16(std::uint16_t v) { return htole16(v); }
inline std::uint32_t to_le32(std::uint32_t v) { return htole32(v); }
inline std::uint64_t to_le64(std::uint64_t v) { return htole64(v); }
inline std::uint16_t from_le16(std::uint16_t v) { return le16toh(v); }
inline std::uint32_t from_le32(std::uint32_t v) { return le32toh(v); }
inline std::uint64_t from_le64(std::uint64_t v) { return le64toh(v); }

} // namespace mars::util
