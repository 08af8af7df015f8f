// The mars handshake, the first exchange on every connection once TLS (if
// any) is up: the client says hello, the server answers welcome or refuse.
//
// Each side checks the other's greeting:
//   - cluster uuid: equal, or either side "(any)" (a host that is joining,
//     mars-reference §3.4 item 2);
//   - host name: valid (util::check_host_name), not our own, in x509 mode
//     named by the peer's certificate, and on the client the one we dialled
//     if we know it;
//   - protocol version: the ranges overlap; the server picks the highest
//     common version and says so in welcome;
//   - Lamport stamp: not more than 30 days ahead of our clock (which it
//     advances otherwise; mars-reference §3.3).
// The server sends refuse with the reason and gives up; so does a client
// that dislikes the welcome. Either way both sides end with a NetError
// carrying the reason: "10.0.0.2:7777: peer beta refused: cluster uuid
// alpha_1764 differs from ours gamma_1765".
//
// Replays are no concern here: TLS gives every connection fresh keys, and a
// second hello on an established connection is a protocol error for the
// dispatcher above.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "net/channel.hpp"
#include "tree/lamport_clock.hpp"

namespace mars::net {

// The protocol versions this build speaks.
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::uint32_t kMinProtocolVersion = 1;

// Value of the tree's `uuid` on a host that is joining a cluster.
inline constexpr char kAnyClusterUuid[] = "(any)";

struct HandshakeOptions {
    std::string host;         // our host name
    std::string cluster_uuid; // ours, or kAnyClusterUuid while joining
    std::uint32_t min_protocol_version = kMinProtocolVersion;
    std::uint32_t max_protocol_version = kProtocolVersion;
    std::uint64_t features = 0; // our feature bits
    std::string expected_peer;  // client: the host we mean to reach; empty = whoever answers
    std::chrono::milliseconds timeout{10000};
};

struct PeerInfo {
    std::string host;
    std::string cluster_uuid;
    std::uint32_t protocol_version = 0; // the version both sides now speak
    std::uint64_t features = 0;         // the peer's feature bits (use features & ours)
    std::uint64_t stamp = 0;            // the peer's Lamport stamp from its greeting
};

// Throws NetError: refused (either side said no; the message has the
// reason), protocol (malformed or unexpected message), or whatever the
// channel throws (timeout, closed, ...).
PeerInfo client_handshake(Channel& channel, tree::LamportClock& clock, const HandshakeOptions& options);
PeerInfo server_handshake(Channel& channel, tree::LamportClock& clock, const HandshakeOptions& options);

} // namespace mars::net
