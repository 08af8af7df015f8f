#include "transfer/client_connection.hpp"

#include <algorithm>

#include "net/handshake.hpp"
#include "transfer/transfer_messages.hpp"

namespace mars::transfer {

ClientConnection::ClientConnection(tree::LamportClock& clock, ClientOptions options, std::string peer_host,
                                   std::string peer_address)
    : clock_(clock), options_(std::move(options)), peer_host_(std::move(peer_host)),
      peer_address_(std::move(peer_address)), bucket_(options_.bandwidth_limit)
{
    channel();
}

std::string ClientConnection::peer() const
{
    return peer_host_ + " (" + peer_address_ + ":" + std::to_string(options_.port) + ")";
}

std::uint32_t ClientConnection::chunk_size() const
{
    if (bucket_.unlimited())
        return 0;
    return static_cast<std::uint32_t>(std::clamp<std::uint64_t>(bucket_.rate(), kMinChunkSize, kMaxChunkSize));
}

void ClientConnection::throw_if_aborted() const
{
    if (aborted_)
        throw net::NetError(net::NetErrorKind::closed, peer_address_ + ":" + std::to_string(options_.port),
                            "transfer aborted");
}

net::Channel& ClientConnection::channel()
{
    throw_if_aborted();
    {
        std::lock_guard lock(mutex_);
        if (channel_)
            return *channel_;
    }
    auto channel = net::Channel::connect(peer_address_, options_.port, options_.security, options_.timeout);
    net::HandshakeOptions hs;
    hs.host = options_.host;
    hs.cluster_uuid = options_.cluster_uuid;
    hs.expected_peer = peer_host_;
    hs.timeout = options_.timeout;
    net::client_handshake(*channel, clock_, hs);
    std::lock_guard lock(mutex_);
    channel_ = std::move(channel);
    // An abort() that came while we connected found no channel to wake.
    if (aborted_)
        channel_->abort();
    return *channel_;
}

void ClientConnection::drop()
{
    std::lock_guard lock(mutex_);
    channel_.reset();
}

void ClientConnection::abort()
{
    aborted_ = true;
    std::lock_guard lock(mutex_);
    if (channel_)
        channel_->abort();
}

void ClientConnection::send(net::MessageType type, std::span<const std::byte> payload)
{
    try {
        channel().send(type, payload, options_.timeout);
    } catch (const net::NetError&) {
        drop();
        throw;
    }
}

net::Message ClientConnection::receive()
{
    net::Message m;
    try {
        m = channel().receive(options_.timeout);
    } catch (const net::NetError&) {
        drop();
        throw;
    }
    if (m.type == net::MessageType::error) {
        const std::string text = [&] {
            try {
                return m.as<net::ErrorMessage>().text;
            } catch (const net::ProtocolError& e) {
                return std::string("(malformed error message: ") + e.what() + ")";
            }
        }();
        throw RemoteError(channel().peer_address(), text);
    }
    return m;
}

std::optional<net::Message> ClientConnection::receive_stream(
    std::uint64_t offset, std::uint64_t limit,
    const std::function<bool(std::uint64_t offset, std::span<const std::byte> data)>& on_data)
{
    const std::string address = peer_address_ + ":" + std::to_string(options_.port);
    for (;;) {
        net::Message m = receive();
        if (m.type != net::MessageType::chunk)
            return m;
        try {
            Chunk chunk = m.as<Chunk>();
            if (chunk.offset != offset)
                throw net::ProtocolError("chunk at offset " + std::to_string(chunk.offset) + ", expected " +
                                         std::to_string(offset));
            if (chunk.length == 0 || chunk.length > limit - offset)
                throw net::ProtocolError("chunk of " + std::to_string(chunk.length) + " bytes at offset " +
                                         std::to_string(offset) + " does not fit the request (up to " +
                                         std::to_string(limit) + ")");
            wire_bytes_ += chunk.data.size();
            const std::size_t wire = chunk.data.size();
            const std::vector<std::byte> data = decoder_.decode(std::move(chunk));
            if (!bucket_.acquire(wire, [this] { return !aborted_.load(); }))
                throw_if_aborted();
            const std::uint64_t at = offset;
            offset += data.size();
            if (!on_data(at, data)) {
                drop();
                return std::nullopt;
            }
        } catch (const net::ProtocolError& e) {
            drop();
            throw net::NetError(net::NetErrorKind::protocol, address, e.what());
        } catch (...) {
            drop(); // e.g. our disk failed: the rest of the stream is still in flight
            throw;
        }
    }
}

} // namespace mars::transfer
