#include <gtest/gtest.h>

#include <cstring>
#include <string_view>

#include "format/crc32c.hpp"
#include "support/log_fixture.hpp"
#include "uapi/mars_log.h"

using namespace mars;

namespace {
std::span<const std::byte> as_bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
} // namespace

TEST(Crc32c, StandardCheckValue)
{
    EXPECT_EQ(format::crc32c(as_bytes("123456789")), MARS_LOG_CRC32C_CHECK);
    EXPECT_EQ(format::crc32c_portable(as_bytes("123456789")), MARS_LOG_CRC32C_CHECK);
    EXPECT_EQ(format::crc32c({}), 0u);
}

TEST(Crc32c, KnownVectorsFromRfc3720)
{
    // iSCSI (RFC 3720, B.4): 32 bytes of zeros and of 0xff.
    std::vector<std::byte> zeros(32, std::byte{0}), ones(32, std::byte{0xff});
    EXPECT_EQ(format::crc32c(zeros), 0x8a9136aau);
    EXPECT_EQ(format::crc32c(ones), 0x62a8ab43u);
}

TEST(Crc32c, AllImplementationsAgreeAndChain)
{
    auto data = test::pattern(7, 70001);
    for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 4095u, 4096u, 70001u}) {
        auto part = std::span<const std::byte>(data).first(len);
        std::uint32_t expected = format::crc32c_portable(part);
        std::uint32_t got;
        if (format::crc32c_sse42(part, 0, got)) {
            EXPECT_EQ(got, expected) << "sse4.2, length " << len;
        }
        if (format::crc32c_isal(part, 0, got)) {
            EXPECT_EQ(got, expected) << "isa-l, length " << len;
        }
        EXPECT_EQ(format::crc32c(part), expected);
        // Chaining: crc(a + b) == crc(b, crc(a)).
        std::size_t cut = len / 3;
        EXPECT_EQ(format::crc32c(part.subspan(cut), format::crc32c(part.first(cut))), expected);
    }
    std::cout << "crc32c implementation in use: " << format::crc32c_implementation() << "\n";
}
