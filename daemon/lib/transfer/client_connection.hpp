// A client's connection to one peer's fetch or sync port: connects and
// handshakes on demand, receives chunk streams under the bandwidth limit,
// and turns the server's error answers into exceptions. FetchClient and
// SyncClient are built on it.
//
// A stream stopped early leaves the rest of it in flight, so the
// connection is then dropped and the next request reconnects.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "net/channel.hpp"
#include "transfer/chunk_codec.hpp"
#include "transfer/client_options.hpp"
#include "transfer/token_bucket.hpp"
#include "tree/lamport_clock.hpp"

namespace mars::transfer {

// The server answered a request with an error (unknown resource, missing
// logfile, ...). Kind `refused`; what() has the peer and the server's text.
class RemoteError : public net::NetError {
  public:
    RemoteError(std::string peer, const std::string& text)
        : net::NetError(net::NetErrorKind::refused, std::move(peer), "request refused: " + text)
    {
    }
};

class ClientConnection {
  public:
    // Connects and handshakes at once. Throws net::NetError.
    ClientConnection(tree::LamportClock& clock, ClientOptions options, std::string peer_host,
                     std::string peer_address);

    // Sends a request, connecting first if the last stream was cut.
    template <typename M> void send(const M& request) { send(M::kType, request.encode()); }
    void send(net::MessageType type, std::span<const std::byte> payload);

    // The next message that is not a chunk; an ErrorMessage throws RemoteError.
    net::Message receive();

    // Receives the chunks of a stream that starts at `offset` and may not
    // pass `limit`, handing each one's plain bytes to on_data(offset, bytes).
    // Returns the message that ends the stream, or nullopt when on_data
    // returned false (the connection is then dropped). Throws net::NetError
    // for a broken stream (gaps, overruns, bad zstd) or network trouble.
    std::optional<net::Message>
    receive_stream(std::uint64_t offset, std::uint64_t limit,
                   const std::function<bool(std::uint64_t offset, std::span<const std::byte> data)>& on_data);

    // Wakes a blocked call in another thread, which throws; every later call
    // throws too (the owner is shutting the transfer down).
    void abort();

    // Chunk payload bytes received so far (compressed size when compressed).
    std::uint64_t wire_bytes() const { return wire_bytes_; }

    const ClientOptions& options() const { return options_; }
    // The chunk size to ask for: about a second's worth of our receive
    // limit, so no chunk outlasts the server's send timeout; 0 = no wish.
    std::uint32_t chunk_size() const;
    // "beta (10.0.0.2:7778)", for error messages.
    std::string peer() const;
    void drop();

  private:
    net::Channel& channel();
    void throw_if_aborted() const;

    tree::LamportClock& clock_;
    ClientOptions options_;
    std::string peer_host_;
    std::string peer_address_;
    TokenBucket bucket_;
    ChunkDecoder decoder_;
    std::mutex mutex_; // guards channel_ (the pointer) against abort()
    std::unique_ptr<net::Channel> channel_;
    std::atomic<bool> aborted_{false};
    std::atomic<std::uint64_t> wire_bytes_{0};
};

} // namespace mars::transfer
