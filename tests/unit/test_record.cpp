#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "format/crc32c.hpp"
#include "format/record.hpp"
#include "support/log_fixture.hpp"

using namespace mars;
using format::HeaderCheck;
using format::RecordHeader;
using format::RecordType;

namespace {

RecordHeader sample_write()
{
    RecordHeader h;
    h.type = RecordType::write;
    h.flags = MARS_LOG_F_FUA;
    h.seq = 0x0102030405060708ull;
    h.stamp_ns = 1764000000123456789ull;
    h.offset = 1ull << 40;
    h.durable = 8192;
    h.payload_len = h.stored_len = 4096;
    h.payload_crc = 0xdeadbeef;
    return h;
}

// Re-seals a header after a test changed one of its fields on purpose, so
// that the field checks (not the CRC) must catch the problem.
void reseal(std::byte* header)
{
    std::uint32_t crc = format::crc32c({header, MARS_LOG_HEADER_CRC_BYTES});
    std::memcpy(header + MARS_LOG_HEADER_CRC_BYTES, &crc, 4);
}

} // namespace

TEST(Record, HeaderRoundTripIsLittleEndianAndExact)
{
    std::byte raw[format::kHeaderSize];
    RecordHeader in = sample_write();
    format::encode_header(in, raw);
    // The magic spells "MARSLOG1" on disk.
    EXPECT_EQ(std::memcmp(raw, "MARSLOG1", 8), 0);
    EXPECT_EQ(static_cast<unsigned>(raw[8]), 1u);
    RecordHeader out;
    ASSERT_EQ(format::decode_header(raw, out), HeaderCheck::ok);
    EXPECT_EQ(out.seq, in.seq);
    EXPECT_EQ(out.stamp_ns, in.stamp_ns);
    EXPECT_EQ(out.offset, in.offset);
    EXPECT_EQ(out.durable, in.durable);
    EXPECT_EQ(out.flags, in.flags);
    EXPECT_EQ(out.payload_len, in.payload_len);
    EXPECT_EQ(out.payload_crc, in.payload_crc);
}

TEST(Record, EveryTypeEncodesAndDecodes)
{
    auto payload = test::pattern(1, 100);
    for (auto type : {RecordType::write, RecordType::padding, RecordType::marker}) {
        RecordHeader h;
        h.type = type;
        h.seq = 5;
        h.marker = type == RecordType::marker ? format::Marker::rotate : format::Marker::none;
        h.payload_len = 100;
        std::vector<std::byte> buf(format::record_size(100));
        ASSERT_EQ(format::encode_record(h, payload, buf.data()), buf.size());
        RecordHeader out;
        ASSERT_EQ(format::decode_header(buf.data(), out), HeaderCheck::ok) << format::record_type_name(type);
        EXPECT_EQ(out.type, type);
        EXPECT_EQ(out.stored_len, 100u);
        EXPECT_EQ(out.payload_crc, format::crc32c(payload));
        EXPECT_EQ(buf.size() % format::kRecordAlign, 0u);
    }
}

TEST(Record, FieldRulesAreCheckedEvenWithAGoodChecksum)
{
    auto check = [](auto mutate) {
        RecordHeader h = sample_write();
        mutate(h);
        std::byte raw[format::kHeaderSize];
        format::encode_header(h, raw);
        RecordHeader out;
        return format::decode_header(raw, out);
    };
    EXPECT_EQ(check([](RecordHeader& h) { h.type = static_cast<RecordType>(9); }), HeaderCheck::bad_type);
    EXPECT_EQ(check([](RecordHeader& h) { h.flags = 1u << 15; }), HeaderCheck::bad_flags);
    EXPECT_EQ(check([](RecordHeader& h) { h.flags = MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4; }), HeaderCheck::bad_flags);
    EXPECT_EQ(check([](RecordHeader& h) { h.stored_len = 100; }), HeaderCheck::bad_length);
    EXPECT_EQ(check([](RecordHeader& h) { h.payload_len = h.stored_len = format::kMaxPayload + 1; }),
              HeaderCheck::bad_length);
    EXPECT_EQ(check([](RecordHeader& h) { h.flags = MARS_LOG_F_ZSTD; }), HeaderCheck::bad_length); // not smaller
    EXPECT_EQ(check([](RecordHeader& h) { h.marker = format::Marker::rotate; }), HeaderCheck::bad_type);
    EXPECT_EQ(check([](RecordHeader& h) {
                  h.type = RecordType::marker;
                  h.marker = static_cast<format::Marker>(77);
              }),
              HeaderCheck::bad_type);
    EXPECT_EQ(check([](RecordHeader& h) {
                  h.flags = MARS_LOG_F_ZEROES;
                  h.stored_len = 0;
              }),
              HeaderCheck::ok);
}

TEST(Record, VersionAndMagicAreChecked)
{
    std::byte raw[format::kHeaderSize];
    format::encode_header(sample_write(), raw);
    RecordHeader out;
    raw[8] = std::byte{2};
    reseal(raw);
    EXPECT_EQ(format::decode_header(raw, out), HeaderCheck::bad_version);
    raw[0] = std::byte{0};
    EXPECT_EQ(format::decode_header(raw, out), HeaderCheck::bad_magic);
}
