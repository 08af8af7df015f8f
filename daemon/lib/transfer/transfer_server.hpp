// The server side of the log fetch port (7778) and the full sync port
// (7779): marsd runs one TransferServer per port. One thread accepts, one
// thread per connection authenticates (TLS, then the mars handshake) and
// answers requests (request_handler.hpp). Every blocking call has a
// deadline and the destructor shuts every connection's socket down, so
// stopping takes at most one accept poll.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "net/listener.hpp"
#include "net/security.hpp"
#include "transfer/token_bucket.hpp"
#include "tree/lamport_clock.hpp"
#include "util/unique_fd.hpp"

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
    ~TransferServer(); // stops promptly (all blocking calls have deadlines)
    TransferServer(const TransferServer&) = delete;
    TransferServer& operator=(const TransferServer&) = delete;

    std::uint16_t port() const { return listener_.port(); }

  private:
    struct Connection {
        std::thread thread;
        std::atomic<bool> done{false};
        // A second descriptor of the connection's socket: shutdown() on it
        // wakes the serving thread at stop, and it cannot be closed (and its
        // number reused) under us while the thread runs.
        util::UniqueFd stop_handle;
    };

    void accept_loop();
    void serve(net::Listener::Pending pending);
    void reap_finished();
    const char* port_name() const;

    tree::LamportClock& clock_;
    ServerOptions options_;
    ResourceAccess access_;
    TokenBucket bucket_;
    net::Listener listener_;
    std::atomic<bool> stopping_{false};
    std::mutex connections_mutex_;
    std::list<Connection> connections_;
    std::thread acceptor_;
};

} // namespace mars::transfer
