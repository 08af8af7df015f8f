// When to start a new logfile: by size or age, never away from an empty one.
#include <gtest/gtest.h>

#include "history/rotation_policy.hpp"

using mars::history::RotationPolicy;
using mars::history::should_rotate;

TEST(RotationPolicy, Defaults)
{
    RotationPolicy p;
    EXPECT_EQ(p.max_bytes, 1ull << 30);
    EXPECT_EQ(p.max_age_ns, 3600ull * 1000000000ull);
}

TEST(RotationPolicy, BySize)
{
    RotationPolicy p{1000, 1000000};
    EXPECT_FALSE(should_rotate(p, 999, 0));
    EXPECT_FALSE(should_rotate(p, 1000, 0));
    EXPECT_TRUE(should_rotate(p, 1001, 0));
}

TEST(RotationPolicy, ByAge)
{
    RotationPolicy p{1000, 1000000};
    EXPECT_FALSE(should_rotate(p, 1, 1000000));
    EXPECT_TRUE(should_rotate(p, 1, 1000001));
}

TEST(RotationPolicy, NeverAnEmptyFile)
{
    RotationPolicy p{0, 0};
    EXPECT_FALSE(should_rotate(p, 0, ~0ull));
    EXPECT_TRUE(should_rotate(p, 1, 0));
}
