// A server port of marsd (meta 7777, fetch 7778, sync 7779): one thread
// accepts, one thread per connection authenticates it (TLS, then the mars
// handshake) and hands the channel to the owner's session, which answers
// requests until it returns. Every blocking call has a deadline and the
// destructor shuts every connection's socket down, so stopping takes at
// most one accept poll.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "net/channel.hpp"
#include "net/handshake.hpp"
#include "net/listener.hpp"
#include "net/message.hpp"
#include "net/security.hpp"
#include "tree/lamport_clock.hpp"
#include "util/unique_fd.hpp"

namespace mars::net {

struct ConnectionServerOptions {
    std::string name;           // "meta port": what log lines call it
    std::string listen_address; // "" = all addresses
    std::uint16_t port = 0;     // 0 = ephemeral (tests)
    SecurityOptions security;
    std::chrono::milliseconds handshake_timeout{10000};
    std::chrono::milliseconds idle_timeout{120000}; // a silent peer is dropped after this
    // Our side of the mars handshake (host, cluster uuid), asked per
    // connection: the cluster uuid changes when this host joins a cluster.
    std::function<HandshakeOptions()> handshake;
};

class ConnectionServer {
  public:
    // Runs on the connection's thread once the peer is authenticated; the
    // connection closes when it returns. Throwing ends it with a log line.
    using Session = std::function<void(Channel& channel, const PeerInfo& peer)>;

    // Listens at once; throws NetError if the port or the security settings
    // are unusable. The session is set before the first connection can come.
    ConnectionServer(tree::LamportClock& clock, ConnectionServerOptions options, Session session);
    ~ConnectionServer();
    ConnectionServer(const ConnectionServer&) = delete;
    ConnectionServer& operator=(const ConnectionServer&) = delete;

    std::uint16_t port() const { return listener_.port(); }
    bool stopping() const { return stopping_; }

    // For sessions: the peer's next request; nullopt when the server stops
    // or the peer stayed silent for the idle timeout (it reconnects when it
    // wants more). Throws NetError when the connection fails.
    std::optional<Message> next_request(Channel& channel) const;

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
    void serve(Listener::Pending pending);
    void reap_finished();

    tree::LamportClock& clock_;
    ConnectionServerOptions options_;
    Session session_;
    Listener listener_;
    std::atomic<bool> stopping_{false};
    std::mutex connections_mutex_;
    std::list<Connection> connections_;
    std::thread acceptor_;
};

} // namespace mars::net
