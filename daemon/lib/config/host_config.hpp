// /etc/mars/mars.conf: this host's settings for marsd.
//
//   [host]
//   name = alpha            ; default: uname -n without the domain
//   listen = 10.0.0.1       ; address peers reach us on (published in ips/ip-<name>)
//   port-base = 7777        ; meta port; fetch = +1, sync = +2
//   home = /mars
//   device-directory = /dev/mars      ; where /dev/mars/<res> appears
//   run-directory = /run/mars         ; FUSE mount files of the userspace frontend
//   resource-directory = /etc/mars/resources  ; per-resource <res>.conf
//   [security]
//   mode = psk              ; psk | x509 | none
//   psk-file = /etc/mars/psk
//   certificate = ...       ; x509 only
//   private-key = ...
//   ca = ...
//   [log]
//   rotate-size = 1G        ; start a new logfile when the current one is larger
//   rotate-age = 3600       ; ... or older than this many seconds (0 = never by age)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/ini_file.hpp"

namespace mars::config {

enum class SecurityMode { psk, x509, none };

struct HostConfig {
    std::string name;
    std::string listen; // empty: not yet known (create-cluster/join-cluster set it)
    std::uint16_t port_base = 7777;
    std::filesystem::path home = "/mars";
    std::filesystem::path device_directory = "/dev/mars";
    std::filesystem::path run_directory = "/run/mars";
    std::filesystem::path resource_directory = "/etc/mars/resources";

    std::uint64_t rotate_size = 1ull << 30;
    std::uint64_t rotate_age_seconds = 3600;

    SecurityMode security = SecurityMode::psk;
    std::filesystem::path psk_file = "/etc/mars/psk";
    std::filesystem::path certificate;
    std::filesystem::path private_key;
    std::filesystem::path ca;

    std::uint16_t meta_port() const { return port_base; }
    std::uint16_t fetch_port() const { return static_cast<std::uint16_t>(port_base + 1); }
    std::uint16_t sync_port() const { return static_cast<std::uint16_t>(port_base + 2); }
};

// uname -n up to the first dot.
std::string default_host_name();

// Reads and checks the file. A missing file gives the defaults; any other
// problem throws ConfigError naming file, line and key.
HostConfig load_host_config(const std::filesystem::path& path);
HostConfig parse_host_config(const IniFile& ini);

} // namespace mars::config
