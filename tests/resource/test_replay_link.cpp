#include <gtest/gtest.h>

#include "resource/replay_link.hpp"

using mars::resource::ReplayLink;

TEST(ReplayLink, RoundTripsAllFourFields)
{
    ReplayLink link;
    link.position = {3, "alpha", 4096, 17};
    link.dirty_length = 512;
    EXPECT_EQ(link.str(), "log-000000003-alpha,4096,512,17");
    auto back = ReplayLink::parse(link.str());
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, link);
}

TEST(ReplayLink, ReadsMarsThreeFieldFormWithUnknownSequence)
{
    auto link = ReplayLink::parse("log-000000001-my-host,0,0");
    ASSERT_TRUE(link);
    EXPECT_EQ(link->position.logfile_number, 1u);
    EXPECT_EQ(link->position.origin, "my-host");
    EXPECT_EQ(link->position.offset, 0u);
    EXPECT_EQ(link->dirty_length, 0u);
    EXPECT_EQ(link->position.next_seq, 0u);
    EXPECT_EQ(link->str(), "log-000000001-my-host,0,0,0");
}

TEST(ReplayLink, LargestNumbersSurvive)
{
    auto link = ReplayLink::parse("log-999999999-a,18446744073709551615,18446744073709551615,18446744073709551615");
    ASSERT_TRUE(link);
    EXPECT_EQ(link->position.offset, UINT64_MAX);
    EXPECT_EQ(link->dirty_length, UINT64_MAX);
    EXPECT_EQ(link->position.next_seq, UINT64_MAX);
}

TEST(ReplayLink, RejectsMalformedValues)
{
    const char* bad[] = {
        "",
        "log-000000003-alpha",                           // one field
        "log-000000003-alpha,4096",                      // two fields
        "log-000000003-alpha,4096,0,17,1",               // five fields
        "log-00000003-alpha,4096,0,17",                  // logfile: eight digits
        "log-000000003-Alpha,4096,0,17",                 // logfile: bad host
        "log-000000003-,4096,0,17",                      // logfile: no host
        "lag-000000003-alpha,4096,0,17",                 // logfile: not a logfile name
        "log-000000003-alpha,,0,17",                     // offset empty
        "log-000000003-alpha,-1,0,17",                   // offset negative
        "log-000000003-alpha,+1,0,17",                   // offset with sign
        "log-000000003-alpha,4k,0,17",                   // offset trailing junk
        "log-000000003-alpha, 4096,0,17",                // offset blank
        "log-000000003-alpha,18446744073709551616,0,17", // offset overflow
        "log-000000003-alpha,4096,x,17",                 // dirty length
        "log-000000003-alpha,4096,,17",                  // dirty length empty
        "log-000000003-alpha,4096,0,",                   // next_seq empty
        "log-000000003-alpha,4096,0,17a",                // next_seq junk
        "log-000000003-alpha,4096,0,-17",                // next_seq negative
    };
    for (const char* value : bad)
        EXPECT_FALSE(ReplayLink::parse(value)) << value;
}
