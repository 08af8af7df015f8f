// The sample configuration we install to /etc/mars must be accepted by the
// real parsers, and what it sets must be the documented defaults (so that
// installing it changes nothing until the admin edits it).
#include <gtest/gtest.h>

#include <filesystem>

#include "config/host_config.hpp"
#include "config/resource_config.hpp"
#include "support/temp_dir.hpp"

namespace {

const std::filesystem::path kSource = MARS_SOURCE_DIR;

TEST(SampleConfig, HostConfigParsesToTheDefaults)
{
    const auto c = mars::config::load_host_config(kSource / "etc/mars.conf");
    const mars::config::HostConfig defaults;
    EXPECT_EQ(c.port_base, defaults.port_base);
    EXPECT_EQ(c.home, defaults.home);
    EXPECT_EQ(c.device_directory, defaults.device_directory);
    EXPECT_EQ(c.run_directory, defaults.run_directory);
    EXPECT_EQ(c.resource_directory, defaults.resource_directory);
    EXPECT_EQ(c.security, mars::config::SecurityMode::psk);
    EXPECT_EQ(c.psk_file, defaults.psk_file);
    EXPECT_EQ(c.rotate_size, defaults.rotate_size);
    EXPECT_EQ(c.rotate_age_seconds, defaults.rotate_age_seconds);
    EXPECT_TRUE(c.listen.empty());
    EXPECT_EQ(c.name, mars::config::default_host_name());
}

// The sample is installed as example.conf.sample so that marsd ignores it;
// an admin copies it to <res>.conf. Check it under such a name.
TEST(SampleConfig, ResourceConfigParsesOnceRenamed)
{
    mars::test::TempDir dir;
    const auto file = dir.path() / "example.conf";
    std::filesystem::copy_file(kSource / "etc/resources/example.conf.sample", file);
    const auto c = mars::config::load_resource_config(file);
    const mars::config::ResourceConfig defaults;
    EXPECT_EQ(c.name, "example");
    EXPECT_EQ(c.device, "example");
    EXPECT_EQ(c.disk, "/dev/vg0/example");
    EXPECT_EQ(c.frontend, mars::config::Frontend::automatic);
    EXPECT_EQ(c.compression, defaults.compression);
    EXPECT_EQ(c.bandwidth_limit, defaults.bandwidth_limit);
    EXPECT_EQ(c.parallel_connections, defaults.parallel_connections);
    EXPECT_EQ(c.completion, defaults.completion);
}

TEST(SampleConfig, ResourceSampleIsNotAResourceFile)
{
    EXPECT_THROW(mars::config::load_resource_config(kSource / "etc/resources/example.conf.sample"),
                 mars::config::ConfigError);
}

} // namespace
