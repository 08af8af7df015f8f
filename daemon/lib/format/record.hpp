// One log record: the host-order view of struct mars_log_header and the
// encoding/validation rules of kmod/include/uapi/mars_log.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "uapi/mars_log.h"

namespace mars::format {

enum class RecordType : std::uint8_t {
    write = MARS_LOG_REC_WRITE,
    padding = MARS_LOG_REC_PADDING,
    marker = MARS_LOG_REC_MARKER,
};

enum class Marker : std::uint32_t {
    none = 0,
    rotate = MARS_LOG_MARKER_ROTATE,
    emergency = MARS_LOG_MARKER_EMERGENCY,
};

inline constexpr std::size_t kHeaderSize = MARS_LOG_HEADER_SIZE;
inline constexpr std::size_t kRecordAlign = MARS_LOG_RECORD_ALIGN;
inline constexpr std::uint32_t kMaxPayload = MARS_LOG_MAX_PAYLOAD;

struct RecordHeader {
    RecordType type = RecordType::write;
    std::uint16_t flags = 0;
    Marker marker = Marker::none;
    std::uint64_t seq = 0;
    std::uint64_t stamp_ns = 0;
    std::uint64_t offset = 0;
    std::uint64_t durable = 0;
    std::uint32_t payload_len = 0;
    std::uint32_t stored_len = 0;
    std::uint32_t payload_crc = 0;
};

// Bytes a record with `stored_len` stored payload bytes occupies in a logfile.
constexpr std::uint64_t record_size(std::uint64_t stored_len)
{
    return kHeaderSize + ((stored_len + kRecordAlign - 1) & ~std::uint64_t(kRecordAlign - 1));
}

// Writes the 64 header bytes, computing header_crc. payload_crc must be set.
void encode_header(const RecordHeader& h, std::byte* out);

// Writes header + stored payload + zero fill to `out`, which must hold
// record_size(stored.size()) bytes. Sets stored_len and both CRCs.
// Returns the number of bytes written.
std::size_t encode_record(RecordHeader h, std::span<const std::byte> stored, std::byte* out);

enum class HeaderCheck {
    ok,
    bad_magic,
    bad_version,
    bad_header_crc,
    bad_type,
    bad_flags,
    bad_length,
};

// Decodes and validates the 64 bytes at `in`. Only a header that returns
// HeaderCheck::ok may be trusted, including its lengths.
HeaderCheck decode_header(const std::byte* in, RecordHeader& out);

std::string_view describe(HeaderCheck c);
std::string_view record_type_name(RecordType t);
std::string_view marker_name(Marker m);

} // namespace mars::format
