// Wire framing of the peer protocol: every message travels as a fixed
// 12-byte little-endian header followed by `length` payload bytes.
//
//   offset 0  u32 magic   "MRS1" (0x3153524d): catches a peer speaking
//                          something else, e.g. TLS to a plaintext port
//   offset 4  u16 type    MessageType; unknown types pass the frame layer
//                          (the dispatcher answers them) so new requests can
//                          be added behind a feature bit
//   offset 6  u16 flags   none defined yet; a flag will change how the
//                          payload must be read (e.g. compression), so one
//                          we do not know is an error, and senders set a
//                          flag only after the handshake said the peer has it
//   offset 8  u32 length  payload bytes, at most kMaxFrameLength
//
// The header carries no checksum: TLS protects integrity, and `security =
// none` is for trusted networks only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mars::net {

inline constexpr std::uint32_t kFrameMagic = 0x3153524d; // bytes 'M' 'R' 'S' '1' on the wire
inline constexpr std::size_t kFrameHeaderSize = 12;
// Large enough for a batch of thousands of tree entries; senders split
// bigger answers, receivers never buffer more than this per message.
inline constexpr std::uint32_t kMaxFrameLength = 16u << 20;
inline constexpr std::uint16_t kKnownFrameFlags = 0;

// The header in host byte order.
struct FrameHeader {
    std::uint16_t type = 0;
    std::uint16_t flags = 0;
    std::uint32_t length = 0;

    friend bool operator==(const FrameHeader&, const FrameHeader&) = default;
};

// The header as it lies on the wire; every field little-endian.
struct WireFrameHeader {
    std::uint32_t magic;
    std::uint16_t type;
    std::uint16_t flags;
    std::uint32_t length;
};
static_assert(sizeof(WireFrameHeader) == kFrameHeaderSize);
static_assert(offsetof(WireFrameHeader, type) == 4);
static_assert(offsetof(WireFrameHeader, flags) == 6);
static_assert(offsetof(WireFrameHeader, length) == 8);

using FrameHeaderBytes = std::array<std::byte, kFrameHeaderSize>;

// Throws ProtocolError for a length above kMaxFrameLength or unknown flags:
// we never send what a peer has to refuse.
FrameHeaderBytes encode_frame_header(const FrameHeader& header);

// Header followed by the payload, ready to send.
std::vector<std::byte> encode_frame(std::uint16_t type, std::span<const std::byte> payload, std::uint16_t flags = 0);

// Validates magic, flags and length. Throws ProtocolError saying what is
// wrong; only a header that decodes may be trusted, its length included.
FrameHeader decode_frame_header(std::span<const std::byte, kFrameHeaderSize> bytes);

} // namespace mars::net
