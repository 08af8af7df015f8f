// The accepting side: a listening TCP socket plus the server TLS context
// every accepted connection is authenticated with.
//
// Accepting and authenticating are separate steps so that a slow or hostile
// client cannot stall the accept loop: marsd accepts with
// accept_connection() and runs establish() (the TLS handshake, bounded by
// its timeout) in the connection's own thread. accept() does both, for
// tests and simple callers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/channel.hpp"
#include "net/security.hpp"
#include "util/unique_fd.hpp"

namespace mars::net {

class Listener {
  public:
    // A TCP connection that has not been authenticated yet.
    struct Pending {
        util::UniqueFd fd;
        std::string peer; // "10.0.0.2:41234"
    };

    // Listens on a numeric address ("" = every IPv4 and IPv6 address) and
    // port (0 = an ephemeral port, see port()). Loads keys and certificates
    // now, so a bad configuration fails at start-up and not per connection.
    // Throws NetError (config, io).
    Listener(std::string_view address, std::uint16_t port, const SecurityOptions& security);

    int fd() const { return fd_.get(); }
    std::uint16_t port() const { return port_; }
    // "127.0.0.1:7777"
    const std::string& address() const { return address_; }

    // Waits up to `wait` (forever without one) for a connection; nullopt if
    // none came. Throws NetError(io) when accepting fails for good.
    std::optional<Pending> accept_connection(std::optional<std::chrono::milliseconds> wait = std::nullopt);

    // Runs the TLS handshake (nothing in mode none) within `timeout`.
    // Throws NetError (tls, timeout, io) naming the peer.
    std::unique_ptr<Channel> establish(Pending connection, std::chrono::milliseconds timeout);

    // accept_connection() then establish(); nullptr if no connection came
    // within `wait`.
    std::unique_ptr<Channel> accept(std::chrono::milliseconds handshake_timeout,
                                    std::optional<std::chrono::milliseconds> wait = std::nullopt);

  private:
    util::UniqueFd fd_;
    std::uint16_t port_ = 0;
    std::string address_;
    config::SecurityMode mode_;
    std::shared_ptr<TlsContext> tls_;
};

} // namespace mars::net
