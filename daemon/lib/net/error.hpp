// The two ways the peer protocol fails.
//
// ProtocolError: bytes that break the protocol's rules (a bad frame header,
// a truncated or malformed message). Thrown by the pure encoders/decoders,
// which know nothing about sockets or peers.
//
// NetError: anything that ends or spoils a connection, with the peer's
// address in front so the journal line is actionable on its own
// ("10.0.0.2:7777: TLS handshake failed: ... (wrong cluster key?)"). The
// Channel and the handshake turn a ProtocolError into NetError(protocol).
// After any NetError the connection is unusable; marsd drops it and retries
// later, which never changes replication state.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace mars::net {

class ProtocolError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class NetErrorKind {
    io,       // socket error (connection refused, reset, unreachable...)
    closed,   // the peer closed the connection
    timeout,  // nothing (or not enough) arrived in time
    tls,      // TLS setup or handshake failed: keys, certificates, mode
    protocol, // the peer broke the protocol (bad frame, malformed message)
    refused,  // the mars handshake refused the peer or was refused by it
    config,   // our own settings are unusable (bad address, key or certificate file)
};

std::string_view net_error_kind_name(NetErrorKind kind);

class NetError : public std::runtime_error {
  public:
    // what() reads "<peer>: <message>", or just <message> without a peer.
    NetError(NetErrorKind kind, std::string peer, const std::string& message);

    NetErrorKind kind() const { return kind_; }
    // "10.0.0.2:7777", "[fd00::2]:7777"; empty if no peer was involved.
    const std::string& peer() const { return peer_; }
    // The message without the peer in front.
    const std::string& detail() const { return detail_; }

  private:
    NetErrorKind kind_;
    std::string peer_;
    std::string detail_;
};

} // namespace mars::net
