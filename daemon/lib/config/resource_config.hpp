// /etc/mars/resources/<res>.conf: this host's local intent for one resource.
//
//   [resource]
//   disk = /dev/vg/r0            ; backing disk (required)
//   device = r0                  ; name under /dev/mars/ (default: the resource name)
//   frontend = auto              ; auto | kmod | ublk | fuse
//   [replication]
//   compression = none           ; none | zstd | lz4 (log records and fetch)
//   bandwidth-limit = 0          ; bytes/s for fetch and sync, 0 = unlimited (K/M/G suffixes)
//   parallel-connections = 1
//   completion = durable         ; durable | early
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/ini_file.hpp"
#include "format/compression.hpp"
#include "log/log_writer.hpp"

namespace mars::config {

enum class Frontend { automatic, kmod, ublk, fuse };

struct ResourceConfig {
    std::string name;
    std::filesystem::path disk;
    std::string device;
    Frontend frontend = Frontend::automatic;
    format::Compression compression = format::Compression::none;
    std::uint64_t bandwidth_limit = 0;
    unsigned parallel_connections = 1;
    log::CompletionMode completion = log::CompletionMode::durable;
};

// Resource names follow host-name rules plus '_' ([a-z][-_a-z0-9]*).
std::string check_resource_name(std::string_view name);

// Reads <dir>/<res>.conf; the resource name comes from the file name.
ResourceConfig load_resource_config(const std::filesystem::path& path);
ResourceConfig parse_resource_config(const IniFile& ini, const std::string& name);

} // namespace mars::config
