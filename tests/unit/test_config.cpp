#include <gtest/gtest.h>

#include <fstream>

#include "config/host_config.hpp"
#include "config/resource_config.hpp"
#include "config/values.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using config::ConfigError;
using config::IniFile;

namespace {

// The error text a parse of `text` produces, or "" if it parses.
template <typename Parse> std::string error_of(Parse parse)
{
    try {
        parse();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return {};
}

std::string host_error(const std::string& text)
{
    return error_of([&] { config::parse_host_config(IniFile::parse(text, "/etc/mars/mars.conf")); });
}

std::string resource_error(const std::string& text)
{
    return error_of([&] { config::parse_resource_config(IniFile::parse(text, "/etc/mars/resources/r0.conf"), "r0"); });
}

} // namespace

TEST(HostConfig, ParsesEveryKey)
{
    auto c = config::parse_host_config(IniFile::parse("; mars host\n[host]\nname = alpha\nlisten = 10.0.0.1\n"
                                                      "port-base = 8000\nhome = /srv/mars\n\n[security]\nmode = none\n",
                                                      "mars.conf"));
    EXPECT_EQ(c.name, "alpha");
    EXPECT_EQ(c.listen, "10.0.0.1");
    EXPECT_EQ(c.meta_port(), 8000);
    EXPECT_EQ(c.fetch_port(), 8001);
    EXPECT_EQ(c.sync_port(), 8002);
    EXPECT_EQ(c.home, "/srv/mars");
    EXPECT_EQ(c.security, config::SecurityMode::none);
}

TEST(HostConfig, DefaultsAreSecure)
{
    auto c = config::parse_host_config(IniFile::parse("[host]\nname = beta\n", "mars.conf"));
    EXPECT_EQ(c.security, config::SecurityMode::psk);
    EXPECT_EQ(c.psk_file, "/etc/mars/psk");
    EXPECT_EQ(c.port_base, 7777);
    EXPECT_EQ(c.home, "/mars");
}

TEST(HostConfig, ErrorsNameFileLineAndKey)
{
    EXPECT_EQ(host_error("[host]\nname = alpha\nport-base = 99999\n"),
              "/etc/mars/mars.conf:3: [host] port-base: '99999' is not a port number from 1 to 65533 (three ports "
              "are used)");
    EXPECT_EQ(host_error("[host]\n\nnmae = alpha\n"),
              "/etc/mars/mars.conf:3: [host] nmae: unknown key (known: name, listen, port-base, home, device-directory, run-directory, resource-directory)");
    EXPECT_EQ(host_error("[host]\nname = Alpha\n"),
              "/etc/mars/mars.conf:2: [host] name: host name 'Alpha' must start with a lower-case letter");
    EXPECT_EQ(host_error("[host]\nname = localhost\n"),
              "/etc/mars/mars.conf:2: [host] name: host name 'localhost' is reserved");
    EXPECT_EQ(host_error("[host]\nname = a\nlisten = example.com\n"),
              "/etc/mars/mars.conf:3: [host] listen: 'example.com' is not an IPv4 or IPv6 address");
    EXPECT_EQ(host_error("[security]\nmode = tls\n"),
              "/etc/mars/mars.conf:2: [security] mode: 'tls' is not one of psk, x509, none");
    EXPECT_EQ(host_error("[hosts]\nname = a\n"),
              "/etc/mars/mars.conf:2: [hosts] name: unknown section [hosts] (known: [host], [security], [log])");
    EXPECT_EQ(host_error("[host]\nname = a\nname = b\n"), "/etc/mars/mars.conf:3: [host] name: given twice");
    EXPECT_EQ(host_error("[log]\nrotate-size = 10\n"),
              "/etc/mars/mars.conf:2: [log] rotate-size: '10' is not a size of at least 1M");
    EXPECT_EQ(host_error("[host]\ndevice-directory = dev/mars\n"),
              "/etc/mars/mars.conf:2: [host] device-directory: 'dev/mars' is not an absolute path");
    EXPECT_EQ(host_error("[host]\nname = a\nthis is not ini\n"),
              "/etc/mars/mars.conf:3: syntax error (expected '[section]', 'key = value' or a comment)");
    EXPECT_EQ(host_error("[security]\nmode = x509\n"),
              "/etc/mars/mars.conf: [security] mode = x509 needs certificate, private-key and ca");
}

TEST(HostConfig, MissingFileGivesDefaultsUnreadableFileIsAnError)
{
    test::TempDir dir;
    auto c = config::load_host_config(dir.path() / "mars.conf");
    EXPECT_EQ(c.port_base, 7777);
    EXPECT_EQ(c.name, config::default_host_name());
    std::filesystem::create_directory(dir.path() / "dir.conf");
    auto e = error_of([&] { config::load_host_config(dir.path() / "dir.conf"); });
    EXPECT_NE(e.find("dir.conf"), std::string::npos) << e;
}

TEST(ResourceConfig, ParsesAndDefaults)
{
    test::TempDir dir;
    auto path = dir.path() / "r0.conf";
    std::ofstream(path) << "[resource]\ndisk = /dev/vg/r0\n[replication]\ncompression = zstd\n"
                           "bandwidth-limit = 50M\ncompletion = early\n";
    auto c = config::load_resource_config(path);
    EXPECT_EQ(c.name, "r0");
    EXPECT_EQ(c.device, "r0");
    EXPECT_EQ(c.disk, "/dev/vg/r0");
    EXPECT_EQ(c.frontend, config::Frontend::automatic);
    EXPECT_EQ(c.compression, format::Compression::zstd);
    EXPECT_EQ(c.bandwidth_limit, 50u << 20);
    EXPECT_EQ(c.completion, log::CompletionMode::early);
}

TEST(ResourceConfig, ErrorsNameFileLineAndKey)
{
    EXPECT_EQ(resource_error("[resource]\ndisk = /dev/x\nfrontend = nbd\n"),
              "/etc/mars/resources/r0.conf:3: [resource] frontend: 'nbd' is not one of auto, kmod, ublk, fuse");
    EXPECT_EQ(resource_error("[resource]\ndisk = dev/x\n"),
              "/etc/mars/resources/r0.conf:2: [resource] disk: 'dev/x' is not an absolute path");
    EXPECT_EQ(resource_error("[resource]\ndisk = /d\n[replication]\nbandwidth-limit = fast\n"),
              "/etc/mars/resources/r0.conf:4: [replication] bandwidth-limit: 'fast' is not a rate in bytes/s (e.g. "
              "0, 50M, 1G)");
    EXPECT_EQ(resource_error("[resource]\ndevice = r0\n"),
              "/etc/mars/resources/r0.conf: [resource] disk: missing (the backing disk of the resource)");
    EXPECT_EQ(resource_error("[resource]\ndisk = /d\ndevice = ../sda\n"),
              "/etc/mars/resources/r0.conf:3: [resource] device: '../sda' is not a device name (a name under "
              "/dev/mars/, no '/')");
    auto bad_name = error_of([] { config::load_resource_config("/etc/mars/resources/Bad.conf"); });
    EXPECT_NE(bad_name.find("must start with a lower-case letter"), std::string::npos) << bad_name;
}

TEST(ConfigValues, SizesUseMarsSuffixes)
{
    EXPECT_EQ(config::parse_size("0"), 0u);
    EXPECT_EQ(config::parse_size("10k"), 10000u);
    EXPECT_EQ(config::parse_size("10K"), 10240u);
    EXPECT_EQ(config::parse_size("2G"), 2ull << 30);
    EXPECT_EQ(config::parse_size("3t"), 3'000'000'000'000ull);
    EXPECT_FALSE(config::parse_size("-1"));
    EXPECT_FALSE(config::parse_size("1.5G"));
    EXPECT_FALSE(config::parse_size("99999999999999999999"));
    EXPECT_FALSE(config::parse_size("20000000T"));
    EXPECT_FALSE(config::parse_size("M"));
    EXPECT_EQ(config::parse_bool("yes"), true);
    EXPECT_EQ(config::parse_bool("off"), false);
    EXPECT_FALSE(config::parse_bool("maybe"));
}
