// The server side of the log fetch port (7778) and the full sync port
// (7779): marsd runs one TransferServer per port. The connections are
// net::ConnectionServer's; each answers requests with a RequestHandler
// (request_handler.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "net/connection_server.hpp"
#include "net/security.hpp"
#include "transfer/token_bucket.hpp"
#include "tree/lamport_clock.hpp"

namespace mars::transfer {

enum class Service { fetch, sync }; // what a server instance answers (marsd runs one of each, on two ports)

struct ResourceAccess {
    // Directory holding the resource's logfiles (/mars/resource-<res>), nullopt if this host does not serve it.
    std::function<std::optional<std::filesystem::path>(const std::string& res)> log_directory;
    // Backing disk to read for a full sync, nullopt if not served (only the primary serves syncs).
    std::function<std::optional<std::filesystem::path>(const std::string& res)> disk;
    // The serving primary's current log position as a string (replay-link syntax), sent at the end of a sync.
    std::function<std::string(const std::string& res)> sync_end_position;
};

struct ServerOptions {
    Service service = Service::fetch;
    std::string listen_address; // "" = all
    std::uint16_t port = 7778;  // 0 = ephemeral (tests)
    net::SecurityOptions security;
    std::string host; // our host name (handshake)
    std::function<std::string()> cluster_uuid;
    std::uint64_t bandwidth_limit = 0; // bytes/s for everything this server sends, 0 = unlimited
    std::chrono::milliseconds handshake_timeout{10000}, idle_timeout{120000};
};

class TransferServer {
  public:
    // Listens at once; throws net::NetError if the port or security settings are unusable.
    TransferServer(tree::LamportClock& clock, ServerOptions options, ResourceAccess access);
    ~TransferServer() = default; // stops promptly (all blocking calls have deadlines)
    TransferServer(const TransferServer&) = delete;
    TransferServer& operator=(const TransferServer&) = delete;

    std::uint16_t port() const { return server_.port(); }

  private:
    void session(net::Channel& channel, const net::PeerInfo& peer);

    ServerOptions options_;
    ResourceAccess access_;
    TokenBucket bucket_;
    net::ConnectionServer server_; // last: its threads use the members above
};

} // namespace mars::transfer
