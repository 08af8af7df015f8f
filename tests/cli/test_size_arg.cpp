#include <gtest/gtest.h>

#include "size_arg.hpp"

using mars::marsadm::parse_size;

TEST(SizeArg, PlainBytesAndSuffixes)
{
    EXPECT_EQ(parse_size("0"), 0u);
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_EQ(parse_size("1K"), 1024u);
    EXPECT_EQ(parse_size("3M"), 3ull << 20);
    EXPECT_EQ(parse_size("10G"), 10ull << 30);
    EXPECT_EQ(parse_size("2T"), 2ull << 40);
    EXPECT_EQ(parse_size("1k"), 1000u);
    EXPECT_EQ(parse_size("3m"), 3000000u);
    EXPECT_EQ(parse_size("10g"), 10000000000ull);
    EXPECT_EQ(parse_size("2t"), 2000000000000ull);
    EXPECT_EQ(parse_size("18446744073709551615"), 18446744073709551615ull);
    EXPECT_EQ(parse_size("16777215T"), 16777215ull << 40);
}

TEST(SizeArg, RejectsWhatIsNotASize)
{
    for (const char* bad : {"", "G", "-1", "+1", "1.5G", "10Q", "10GB", "10 G", " 10", "0x10", "1e3",
                            "18446744073709551616", "16777216T", "99999999999999999999k"})
        EXPECT_FALSE(parse_size(bad).has_value()) << "'" << bad << "'";
}
