#include <gtest/gtest.h>

#include "resource/resource_keys.hpp"

using namespace mars::resource;

TEST(ResourceKeys, SpellMarsNames)
{
    EXPECT_EQ(keys::dir("r0"), "resource-r0");
    EXPECT_EQ(keys::size("r0"), "resource-r0/size");
    EXPECT_EQ(keys::primary("r0"), "resource-r0/primary");
    EXPECT_EQ(keys::maxnr("r0"), "resource-r0/maxnr");
    EXPECT_EQ(keys::data("r0", "alpha"), "resource-r0/data-alpha");
    EXPECT_EQ(keys::device("r0", "alpha"), "resource-r0/device-alpha");
    EXPECT_EQ(keys::actsize("r0", "alpha"), "resource-r0/actsize-alpha");
    EXPECT_EQ(keys::replay("r0", "alpha"), "resource-r0/replay-alpha");
    EXPECT_EQ(keys::version("r0", 3, "alpha"), "resource-r0/version-000000003-alpha");
    EXPECT_EQ(keys::syncstatus("r0", "alpha"), "resource-r0/syncstatus-alpha");
    EXPECT_EQ(keys::syncpos("r0", "alpha"), "resource-r0/syncpos-alpha");
    EXPECT_EQ(keys::todo("r0", "alpha", Switch::attach), "resource-r0/todo-alpha/attach");
    EXPECT_EQ(keys::todo("r0", "alpha", Switch::fetch), "resource-r0/todo-alpha/connect");
    EXPECT_EQ(keys::todo("r0", "alpha", Switch::replay), "resource-r0/todo-alpha/allow-replay");
    EXPECT_EQ(keys::todo("r0", "alpha", Switch::sync), "resource-r0/todo-alpha/sync");
    EXPECT_EQ(keys::actual("r0", "alpha", "is-primary"), "resource-r0/actual-alpha/is-primary");
    EXPECT_EQ(keys::switch_name(Switch::fetch), "connect");
}

TEST(ResourceKeys, ParseIsTheInverseOfTheBuilders)
{
    auto k = keys::parse(keys::version("r0", 42, "db-2"));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->res, "r0");
    EXPECT_EQ(k->field, keys::Field::version);
    EXPECT_EQ(k->number, 42u);
    EXPECT_EQ(k->host, "db-2");

    k = keys::parse(keys::replay("r_1", "my-host"));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->res, "r_1");
    EXPECT_EQ(k->field, keys::Field::replay);
    EXPECT_EQ(k->host, "my-host");

    k = keys::parse(keys::todo("r0", "beta", Switch::replay));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->field, keys::Field::todo);
    EXPECT_EQ(k->host, "beta");
    EXPECT_EQ(k->name, "allow-replay");

    k = keys::parse("resource-r0/skip-check-beta");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->field, keys::Field::host_other);
    EXPECT_EQ(k->host, "beta");

    k = keys::parse(keys::size("r0"));
    ASSERT_TRUE(k);
    EXPECT_EQ(k->field, keys::Field::size);
}

TEST(ResourceKeys, ParseTellsSharedAndForeignNamesApart)
{
    EXPECT_FALSE(keys::parse("ips/ip-alpha"));
    EXPECT_FALSE(keys::parse("resource-R0/size")); // bad resource name
    EXPECT_FALSE(keys::parse("resource-r0"));
    auto k = keys::parse("resource-r0/log-000000001-alpha");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->field, keys::Field::other);
    k = keys::parse("resource-r0/data-Bad");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->field, keys::Field::other);
    k = keys::parse("resource-r0/version-00000001-alpha");
    ASSERT_TRUE(k);
    EXPECT_EQ(k->field, keys::Field::other);
}
