// The versionlink value format: exact round trip, and a strict parser that
// rejects every malformation (a link that parses is a link str() wrote).
#include <gtest/gtest.h>

#include "history/version_link.hpp"

using mars::history::VersionLink;

namespace {

const std::string kA(64, 'a');
const std::string kB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

VersionLink sample()
{
    return VersionLink{kA, 12, "beta-2", 4096, kB};
}

} // namespace

TEST(VersionLink, FormatsAsDocumented)
{
    EXPECT_EQ(sample().str(), kA + ",log-000000012-beta-2,4096:" + kB);
    EXPECT_EQ(sample().logfile().str(), "log-000000012-beta-2");
}

TEST(VersionLink, RoundTrip)
{
    auto parsed = VersionLink::parse(sample().str());
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, sample());
    EXPECT_EQ(parsed->str(), sample().str());
}

TEST(VersionLink, RoundTripSeedAndExtremes)
{
    auto seed = mars::history::seed_link(0, "alpha");
    EXPECT_EQ(seed.str(), std::string(64, '0') + ",log-000000000-alpha,0:");
    ASSERT_TRUE(VersionLink::parse(seed.str()));
    EXPECT_EQ(*VersionLink::parse(seed.str()), seed);

    VersionLink big{kB, 999999999, "a", 18446744073709551615ull, kA};
    ASSERT_TRUE(VersionLink::parse(big.str()));
    EXPECT_EQ(*VersionLink::parse(big.str()), big);
}

TEST(VersionLink, RejectsMalformedValues)
{
    const std::string good = sample().str();
    ASSERT_TRUE(VersionLink::parse(good));
    const std::string rest = ",log-000000012-beta-2,4096:" + kB;
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"empty", ""},
        {"short digest", kA.substr(1) + rest},
        {"long digest", kA + "a" + rest},
        {"uppercase digest", std::string(64, 'A') + rest},
        {"non-hex digest", std::string(63, 'a') + "g" + rest},
        {"empty digest", rest},
        {"missing first comma", kA + "log-000000012-beta-2,4096:" + kB},
        {"missing second comma", kA + ",log-000000012-beta-2 4096:" + kB},
        {"missing colon", kA + ",log-000000012-beta-2,4096" + kB},
        {"no colon at all", kA + ",log-000000012-beta-2,4096"},
        {"short number", kA + ",log-00000012-beta-2,4096:" + kB},
        {"non-digit number", kA + ",log-0000000x2-beta-2,4096:" + kB},
        {"not a log name", kA + ",lag-000000012-beta-2,4096:" + kB},
        {"uppercase host", kA + ",log-000000012-Beta,4096:" + kB},
        {"reserved host", kA + ",log-000000012-none,4096:" + kB},
        {"empty host", kA + ",log-000000012-,4096:" + kB},
        {"empty length", kA + ",log-000000012-beta-2,:" + kB},
        {"signed length", kA + ",log-000000012-beta-2,+4096:" + kB},
        {"negative length", kA + ",log-000000012-beta-2,-4096:" + kB},
        {"leading zero length", kA + ",log-000000012-beta-2,04096:" + kB},
        {"hex length", kA + ",log-000000012-beta-2,0x10:" + kB},
        {"overflowing length", kA + ",log-000000012-beta-2,18446744073709551616:" + kB},
        {"short previous", kA + ",log-000000012-beta-2,4096:" + kB.substr(1)},
        {"uppercase previous", kA + ",log-000000012-beta-2,4096:" + std::string(64, 'F')},
        {"trailing garbage", good + "\n"},
        {"extra field", kA + ",log-000000012-beta-2,4096,1:" + kB},
        {"second colon", good + ":"},
        {"leading space", " " + good},
    };
    for (const auto& [what, value] : bad)
        EXPECT_FALSE(VersionLink::parse(value)) << what << ": " << value;
}

TEST(VersionLink, KeyAndAbbreviation)
{
    EXPECT_EQ(mars::history::version_key(7, "alpha"), "version-000000007-alpha");
    EXPECT_EQ(mars::history::abbreviate(kB), "01234567");
}
