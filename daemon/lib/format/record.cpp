#include "format/record.hpp"

#include <cstring>

#include "format/crc32c.hpp"
#include "util/little_endian.hpp"

namespace mars::format {

using util::from_le16;
using util::from_le32;
using util::from_le64;
using util::to_le16;
using util::to_le32;
using util::to_le64;

void encode_header(const RecordHeader& h, std::byte* out)
{
    mars_log_header raw{};
    raw.magic = to_le64(MARS_LOG_MAGIC);
    raw.version = MARS_LOG_VERSION;
    raw.type = static_cast<std::uint8_t>(h.type);
    raw.flags = to_le16(h.flags);
    raw.marker = to_le32(static_cast<std::uint32_t>(h.marker));
    raw.seq = to_le64(h.seq);
    raw.stamp_ns = to_le64(h.stamp_ns);
    raw.offset = to_le64(h.offset);
    raw.durable = to_le64(h.durable);
    raw.payload_len = to_le32(h.payload_len);
    raw.stored_len = to_le32(h.stored_len);
    raw.payload_crc = to_le32(h.payload_crc);
    raw.header_crc = 0;
    auto bytes = std::as_bytes(std::span(&raw, 1));
    raw.header_crc = to_le32(crc32c(bytes.first(MARS_LOG_HEADER_CRC_BYTES)));
    std::memcpy(out, &raw, sizeof raw);
}

std::size_t encode_record(RecordHeader h, std::span<const std::byte> stored, std::byte* out)
{
    h.stored_len = static_cast<std::uint32_t>(stored.size());
    h.payload_crc = crc32c(stored);
    encode_header(h, out);
    if (!stored.empty())
        std::memmove(out + kHeaderSize, stored.data(), stored.size()); // may already be in place
    std::size_t total = record_size(stored.size());
    std::memset(out + kHeaderSize + stored.size(), 0, total - kHeaderSize - stored.size());
    return total;
}

HeaderCheck decode_header(const std::byte* in, RecordHeader& out)
{
    mars_log_header raw;
    std::memcpy(&raw, in, sizeof raw);
    if (from_le64(raw.magic) != MARS_LOG_MAGIC)
        return HeaderCheck::bad_magic;
    if (raw.version != MARS_LOG_VERSION)
        return HeaderCheck::bad_version;
    if (crc32c({in, MARS_LOG_HEADER_CRC_BYTES}) != from_le32(raw.header_crc))
        return HeaderCheck::bad_header_crc;

    out.type = static_cast<RecordType>(raw.type);
    out.flags = from_le16(raw.flags);
    out.marker = static_cast<Marker>(from_le32(raw.marker));
    out.seq = from_le64(raw.seq);
    out.stamp_ns = from_le64(raw.stamp_ns);
    out.offset = from_le64(raw.offset);
    out.durable = from_le64(raw.durable);
    out.payload_len = from_le32(raw.payload_len);
    out.stored_len = from_le32(raw.stored_len);
    out.payload_crc = from_le32(raw.payload_crc);

    // A header with a good CRC can still come from a buggy or hostile writer:
    // check every rule a consumer relies on before anyone trusts a length.
    switch (out.type) {
    case RecordType::write:
    case RecordType::padding:
    case RecordType::marker:
        break;
    default:
        return HeaderCheck::bad_type;
    }
    if (out.flags & ~MARS_LOG_F_KNOWN)
        return HeaderCheck::bad_flags;
    const bool zstd = out.flags & MARS_LOG_F_ZSTD;
    const bool lz4 = out.flags & MARS_LOG_F_LZ4;
    const bool zeroes = out.flags & MARS_LOG_F_ZEROES;
    if ((zstd && lz4) || ((zstd || lz4 || zeroes) && out.type != RecordType::write) || (zeroes && (zstd || lz4)))
        return HeaderCheck::bad_flags;
    if (out.payload_len > kMaxPayload || out.stored_len > kMaxPayload)
        return HeaderCheck::bad_length;
    if (zeroes) {
        if (out.stored_len != 0)
            return HeaderCheck::bad_length;
    } else if (zstd || lz4) {
        if (out.stored_len == 0 || out.stored_len >= out.payload_len)
            return HeaderCheck::bad_length;
    } else if (out.stored_len != out.payload_len) {
        return HeaderCheck::bad_length;
    }
    if (out.type == RecordType::marker) {
        if (out.marker != Marker::rotate && out.marker != Marker::emergency)
            return HeaderCheck::bad_type;
    } else if (out.marker != Marker::none) {
        return HeaderCheck::bad_type;
    }
    return HeaderCheck::ok;
}

std::string_view describe(HeaderCheck c)
{
    switch (c) {
    case HeaderCheck::ok:
        return "ok";
    case HeaderCheck::bad_magic:
        return "no record magic";
    case HeaderCheck::bad_version:
        return "unknown record format version";
    case HeaderCheck::bad_header_crc:
        return "header checksum mismatch";
    case HeaderCheck::bad_type:
        return "unknown record type or marker";
    case HeaderCheck::bad_flags:
        return "invalid flag combination";
    case HeaderCheck::bad_length:
        return "inconsistent payload lengths";
    }
    return "unknown";
}

std::string_view record_type_name(RecordType t)
{
    switch (t) {
    case RecordType::write:
        return "write";
    case RecordType::padding:
        return "padding";
    case RecordType::marker:
        return "marker";
    }
    return "unknown";
}

std::string_view marker_name(Marker m)
{
    switch (m) {
    case Marker::none:
        return "none";
    case Marker::rotate:
        return "rotate";
    case Marker::emergency:
        return "emergency";
    }
    return "unknown";
}

} // namespace mars::format
