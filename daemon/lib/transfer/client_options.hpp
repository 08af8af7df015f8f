// How a fetch or sync client connects and what it asks for.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "net/security.hpp"

namespace mars::transfer {

struct ClientOptions {
    std::string host; // our host name
    std::string cluster_uuid;
    net::SecurityOptions security;
    std::uint16_t port = 7778;
    std::uint64_t bandwidth_limit = 0; // bytes/s received, 0 = unlimited
    bool compress = false;             // ask for zstd on the wire (server compresses chunks when it saves space)
    std::chrono::milliseconds timeout{30000};
    // SyncClient: bytes between two fdatasync + progress points.
    std::uint64_t sync_durable_interval = std::uint64_t(64) << 20;
};

} // namespace mars::transfer
