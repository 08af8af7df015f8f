// The hash chain: the digest is pinned against SHA-256 computed here with
// OpenSSL directly on the documented string (docs/versionlinks.md), so a
// change of the input layout cannot slip through.
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include "history/version_link.hpp"

using mars::history::chain;
using mars::history::seed_link;
using mars::history::VersionLink;

namespace {

std::string independent_sha256_hex(const std::string& data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EXPECT_EQ(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr), 1);
    std::string hex;
    char buf[3];
    for (unsigned int i = 0; i < len; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", md[i]);
        hex += buf;
    }
    return hex;
}

} // namespace

TEST(Chain, SeedIsAllZeroWithoutPrevious)
{
    auto seed = seed_link(0, "alpha");
    EXPECT_EQ(seed.digest, std::string(64, '0'));
    EXPECT_EQ(seed.number, 0u);
    EXPECT_EQ(seed.origin, "alpha");
    EXPECT_EQ(seed.length, 0u);
    EXPECT_EQ(seed.previous_digest, "");
}

TEST(Chain, DigestIsSha256OfDocumentedString)
{
    auto seed = seed_link(0, "alpha");
    auto v1 = chain(seed, 1, "alpha", 123456);
    const std::string input1 = "1,alpha,123456:" + std::string(64, '0') + ",log-000000000-alpha,0:";
    EXPECT_EQ(v1.digest, independent_sha256_hex(input1));
    EXPECT_EQ(v1.previous_digest, seed.digest);
    EXPECT_EQ(v1.number, 1u);
    EXPECT_EQ(v1.origin, "alpha");
    EXPECT_EQ(v1.length, 123456u);

    auto v2 = chain(v1, 2, "beta", 0);
    const std::string input2 = "2,beta,0:" + v1.digest + ",log-000000001-alpha,123456:" + std::string(64, '0');
    EXPECT_EQ(v2.digest, independent_sha256_hex(input2));
    EXPECT_EQ(v2.previous_digest, v1.digest);
    ASSERT_TRUE(VersionLink::parse(v2.str()));
    EXPECT_EQ(*VersionLink::parse(v2.str()), v2);
}

TEST(Chain, HostsWithTheSameHistoryAgree)
{
    // (number, origin, length) as a primary produced it and a secondary applied it.
    const std::vector<std::tuple<std::uint32_t, std::string, std::uint64_t>> history = {
        {1, "alpha", 4096}, {2, "alpha", 1 << 20}, {3, "beta", 0}, {4, "beta", 77}};
    VersionLink a = seed_link(0, "alpha");
    VersionLink b = seed_link(0, "alpha");
    for (const auto& [n, origin, len] : history) {
        a = chain(a, n, origin, len);
        b = chain(b, n, origin, len);
        EXPECT_EQ(a, b) << "at " << n;
    }
}

TEST(Chain, OneDifferentLengthDivergesForever)
{
    VersionLink a = chain(seed_link(0, "alpha"), 1, "alpha", 4096);
    VersionLink b = chain(seed_link(0, "alpha"), 1, "alpha", 4095);
    EXPECT_NE(a.digest, b.digest);
    EXPECT_EQ(a.previous_digest, b.previous_digest);
    // Later links over identical logfiles still differ: the chain remembers.
    a = chain(a, 2, "beta", 100);
    b = chain(b, 2, "beta", 100);
    EXPECT_NE(a.digest, b.digest);
    EXPECT_NE(a.previous_digest, b.previous_digest);
}

TEST(Chain, OriginAndNumberAreBound)
{
    auto seed = seed_link(0, "alpha");
    EXPECT_NE(chain(seed, 1, "alpha", 10).digest, chain(seed, 1, "beta", 10).digest);
    EXPECT_NE(chain(seed, 1, "alpha", 10).digest, chain(seed, 2, "alpha", 10).digest);
    EXPECT_NE(chain(seed, 1, "alpha", 10).digest, chain(seed_link(0, "beta"), 1, "alpha", 10).digest);
}
