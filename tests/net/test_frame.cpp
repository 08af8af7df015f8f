#include <gtest/gtest.h>

#include <cstring>

#include "net/error.hpp"
#include "net/frame.hpp"

using namespace mars::net;

namespace {

std::span<const std::byte, kFrameHeaderSize> header_of(const std::vector<std::byte>& frame)
{
    return std::span<const std::byte, kFrameHeaderSize>(frame.data(), kFrameHeaderSize);
}

std::string decode_error(const FrameHeaderBytes& raw)
{
    try {
        decode_frame_header(raw);
    } catch (const ProtocolError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST(Frame, HeaderRoundTrips)
{
    for (FrameHeader h : {FrameHeader{1, 0, 0}, FrameHeader{0xffff, 0, 12345}, FrameHeader{7, 0, kMaxFrameLength}}) {
        const FrameHeaderBytes raw = encode_frame_header(h);
        EXPECT_EQ(decode_frame_header(raw), h);
    }
}

TEST(Frame, WireLayoutIsLittleEndianWithMagicMRS1)
{
    const std::vector<std::byte> payload = {std::byte{0xaa}, std::byte{0xbb}, std::byte{0xcc}};
    const std::vector<std::byte> frame = encode_frame(0x0102, payload);
    const unsigned char expected[] = {'M',  'R',  'S',  '1',  0x02, 0x01, 0x00, 0x00,
                                      0x03, 0x00, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
    ASSERT_EQ(frame.size(), sizeof expected);
    EXPECT_EQ(std::memcmp(frame.data(), expected, sizeof expected), 0);
    const FrameHeader h = decode_frame_header(header_of(frame));
    EXPECT_EQ(h.type, 0x0102);
    EXPECT_EQ(h.length, 3u);
}

TEST(Frame, BadMagicIsRejected)
{
    FrameHeaderBytes raw = encode_frame_header(FrameHeader{1, 0, 0});
    raw[3] = std::byte{'2'};
    const std::string e = decode_error(raw);
    EXPECT_NE(e.find("bad frame magic 0x3253524d"), std::string::npos) << e;
    EXPECT_EQ(e.find("TLS"), std::string::npos) << e;
}

TEST(Frame, TlsBytesWhereAFrameBelongsGetAHint)
{
    // The start of a TLS ClientHello record.
    FrameHeaderBytes raw{};
    raw[0] = std::byte{0x16};
    raw[1] = std::byte{0x03};
    raw[2] = std::byte{0x01};
    const std::string e = decode_error(raw);
    EXPECT_NE(e.find("looks like TLS"), std::string::npos) << e;
}

TEST(Frame, OversizeLengthIsRejectedBothWays)
{
    EXPECT_THROW(encode_frame_header(FrameHeader{1, 0, kMaxFrameLength + 1}), ProtocolError);
    FrameHeaderBytes raw = encode_frame_header(FrameHeader{5, 0, 0});
    const std::uint32_t huge = 0xffffffffu; // little-endian host assumed by the test only
    std::memcpy(raw.data() + 8, &huge, sizeof huge);
    const std::string e = decode_error(raw);
    EXPECT_NE(e.find("4294967295 payload bytes, more than the limit of 16777216"), std::string::npos) << e;
}

TEST(Frame, AFramePayloadAtTheLimitIsFineOneByteMoreIsNot)
{
    std::vector<std::byte> payload(kMaxFrameLength);
    EXPECT_EQ(encode_frame(3, payload).size(), kFrameHeaderSize + kMaxFrameLength);
    payload.push_back(std::byte{0});
    EXPECT_THROW(encode_frame(3, payload), ProtocolError);
}

TEST(Frame, UnknownFlagsAreRejected)
{
    EXPECT_THROW(encode_frame_header(FrameHeader{1, 0x8000, 0}), ProtocolError);
    FrameHeaderBytes raw = encode_frame_header(FrameHeader{1, 0, 0});
    raw[6] = std::byte{0x01};
    const std::string e = decode_error(raw);
    EXPECT_NE(e.find("unknown flags 0x00000001"), std::string::npos) << e;
}
