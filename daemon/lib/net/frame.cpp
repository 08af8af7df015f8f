#include "net/frame.hpp"

#include <cstdio>
#include <cstring>
#include <string>

#include "net/error.hpp"
#include "util/little_endian.hpp"

namespace mars::net {
namespace {

std::string hex32(std::uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

void check(const FrameHeader& h)
{
    if (h.length > kMaxFrameLength)
        throw ProtocolError("frame of type " + std::to_string(h.type) + " has " + std::to_string(h.length) +
                            " payload bytes, more than the limit of " + std::to_string(kMaxFrameLength));
    if (h.flags & ~kKnownFrameFlags)
        throw ProtocolError("frame of type " + std::to_string(h.type) + " has unknown flags " +
                            hex32(h.flags & ~kKnownFrameFlags));
}

// A peer configured for TLS talking to a plaintext port (or the reverse)
// is the commonest cause of a bad magic; say so instead of only "garbage".
std::string magic_hint(std::span<const std::byte, kFrameHeaderSize> bytes)
{
    const auto b0 = std::to_integer<unsigned>(bytes[0]);
    const auto b1 = std::to_integer<unsigned>(bytes[1]);
    if ((b0 == 0x16 || b0 == 0x15) && b1 == 0x03)
        return " (this looks like TLS: is [security] mode the same on both hosts?)";
    return "";
}

} // namespace

FrameHeaderBytes encode_frame_header(const FrameHeader& header)
{
    check(header);
    WireFrameHeader raw{};
    raw.magic = util::to_le32(kFrameMagic);
    raw.type = util::to_le16(header.type);
    raw.flags = util::to_le16(header.flags);
    raw.length = util::to_le32(header.length);
    FrameHeaderBytes out;
    std::memcpy(out.data(), &raw, sizeof raw);
    return out;
}

std::vector<std::byte> encode_frame(std::uint16_t type, std::span<const std::byte> payload, std::uint16_t flags)
{
    if (payload.size() > kMaxFrameLength)
        throw ProtocolError("message of type " + std::to_string(type) + " has " + std::to_string(payload.size()) +
                            " bytes, more than the frame limit of " + std::to_string(kMaxFrameLength));
    const FrameHeaderBytes header =
        encode_frame_header(FrameHeader{type, flags, static_cast<std::uint32_t>(payload.size())});
    std::vector<std::byte> out;
    out.reserve(header.size() + payload.size());
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

FrameHeader decode_frame_header(std::span<const std::byte, kFrameHeaderSize> bytes)
{
    WireFrameHeader raw;
    std::memcpy(&raw, bytes.data(), sizeof raw);
    if (std::uint32_t magic = util::from_le32(raw.magic); magic != kFrameMagic)
        throw ProtocolError("bad frame magic " + hex32(magic) + " (expected " + hex32(kFrameMagic) + ", \"MRS1\")" +
                            magic_hint(bytes));
    FrameHeader h{util::from_le16(raw.type), util::from_le16(raw.flags), util::from_le32(raw.length)};
    check(h);
    return h;
}

} // namespace mars::net
