#include "net/handshake.hpp"

#include <algorithm>

#include "util/host_name.hpp"

namespace mars::net {
namespace {

std::string version_range(std::uint32_t min, std::uint32_t max)
{
    return min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
}

// Why the peer's greeting is unacceptable, or empty if it is fine. Shared
// by both sides; the version is checked separately since the sides treat it
// differently (the server chooses, the client verifies the choice).
std::string check_greeting(const Greeting& peer, const Channel& channel, tree::LamportClock& clock,
                           const HandshakeOptions& ours)
{
    if (auto why = util::check_host_name(peer.host); !why.empty())
        return "invalid " + why;
    if (peer.host == ours.host)
        return "peer claims our own host name '" + ours.host + "'";
    if (!ours.expected_peer.empty() && peer.host != ours.expected_peer)
        return "expected host '" + ours.expected_peer + "', but '" + peer.host + "' answered";
    if (channel.security_mode() == config::SecurityMode::x509 && !channel.peer_certificate_matches(peer.host))
        return "host '" + peer.host + "' presented a certificate for '" + channel.peer_certificate_subject() +
               "', which does not name it";
    if (peer.cluster_uuid.empty())
        return "empty cluster uuid";
    if (peer.cluster_uuid != ours.cluster_uuid && peer.cluster_uuid != kAnyClusterUuid &&
        ours.cluster_uuid != kAnyClusterUuid)
        return "cluster uuid " + peer.cluster_uuid + " differs from ours " + ours.cluster_uuid;
    if (!clock.observe(peer.stamp))
        return "clock of host '" + peer.host + "' is more than 30 days ahead of ours (stamp " +
               std::to_string(peer.stamp) + ")";
    return {};
}

// Decodes the first message as M, turning a malformed or unexpected one
// into NetError(protocol) after telling the peer why.
template <typename M>
M expect(Channel& channel, const Message& m, const HandshakeOptions& ours, const std::string& what)
{
    try {
        return m.as<M>();
    } catch (const ProtocolError& e) {
        try {
            channel.send(Refuse{std::string("malformed handshake: ") + e.what(), ours.host}, ours.timeout);
        } catch (const NetError&) {
            // The peer may already be gone; the protocol error is the news.
        }
        throw NetError(NetErrorKind::protocol, channel.peer_address(), what + ": " + e.what());
    }
}

[[noreturn]] void refuse(Channel& channel, const HandshakeOptions& ours, const std::string& peer_host,
                         const std::string& reason)
{
    try {
        channel.send(Refuse{reason, ours.host}, ours.timeout);
    } catch (const NetError&) {
    }
    throw NetError(NetErrorKind::refused, channel.peer_address(),
                   "refused peer" + (peer_host.empty() ? std::string() : " " + peer_host) + ": " + reason);
}

PeerInfo peer_info(const Greeting& g, std::uint32_t version)
{
    return PeerInfo{g.host, g.cluster_uuid, version, g.features, g.stamp};
}

Greeting our_greeting(tree::LamportClock& clock, const HandshakeOptions& ours, std::uint32_t version)
{
    Greeting g;
    g.cluster_uuid = ours.cluster_uuid;
    g.host = ours.host;
    g.protocol_version = version;
    g.min_protocol_version = ours.min_protocol_version;
    g.features = ours.features;
    g.stamp = clock.now();
    return g;
}

// The peer's name for a message, if the greeting carried a usable one.
std::string printable_host(const std::string& host)
{
    return util::check_host_name(host).empty() ? host : "";
}

} // namespace

PeerInfo client_handshake(Channel& channel, tree::LamportClock& clock, const HandshakeOptions& options)
{
    channel.send(Hello{our_greeting(clock, options, options.max_protocol_version)}, options.timeout);
    const Message reply = channel.receive(options.timeout);
    if (reply.type == MessageType::refuse) {
        const Refuse r = expect<Refuse>(channel, reply, options, "refusal");
        std::string who = printable_host(r.host);
        if (who.empty())
            who = options.expected_peer;
        throw NetError(NetErrorKind::refused, channel.peer_address(),
                       "peer" + (who.empty() ? std::string() : " " + who) + " refused: " + r.reason);
    }
    const Welcome w = expect<Welcome>(channel, reply, options, "answer to hello");
    const std::string peer_host = printable_host(w.host);
    // The server chose; its choice must lie in our range.
    if (w.protocol_version < options.min_protocol_version || w.protocol_version > options.max_protocol_version)
        refuse(channel, options, peer_host,
               "peer chose protocol version " + std::to_string(w.protocol_version) + ", we speak " +
                   version_range(options.min_protocol_version, options.max_protocol_version));
    if (auto why = check_greeting(w, channel, clock, options); !why.empty())
        refuse(channel, options, peer_host, why);
    return peer_info(w, w.protocol_version);
}

PeerInfo server_handshake(Channel& channel, tree::LamportClock& clock, const HandshakeOptions& options)
{
    const Message first = channel.receive(options.timeout);
    const Hello h = expect<Hello>(channel, first, options, "first message");
    const std::string peer_host = printable_host(h.host);
    const std::uint32_t version = std::min(h.protocol_version, options.max_protocol_version);
    if (version < std::max(h.min_protocol_version, options.min_protocol_version))
        refuse(channel, options, peer_host,
               "protocol versions " + version_range(h.min_protocol_version, h.protocol_version) +
                   " not supported (we speak " +
                   version_range(options.min_protocol_version, options.max_protocol_version) + ")");
    if (auto why = check_greeting(h, channel, clock, options); !why.empty())
        refuse(channel, options, peer_host, why);
    channel.send(Welcome{our_greeting(clock, options, version)}, options.timeout);
    return peer_info(h, version);
}

} // namespace mars::net
