// An established peer connection: TCP plus, unless `security = none`, TLS
// 1.3 (tls_context.hpp), carrying frames (frame.hpp) of messages
// (message.hpp).
//
// Blocking calls with deadlines: marsd runs one thread per peer connection,
// and every call returns by its timeout at the latest. Errors throw NetError
// naming the peer. A receive() that times out before the first byte of a
// frame leaves the channel usable (poll for requests, ping on silence); any
// other error leaves the byte stream in an unknown state, so every later
// call throws again and the owner should drop the channel.
//
// One thread at a time may use a Channel (OpenSSL does not allow concurrent
// reads and writes on one connection); only abort() may be called from
// another thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "net/error.hpp"
#include "net/message.hpp"
#include "net/security.hpp"
#include "net/socket.hpp"
#include "net/tls_context.hpp"
#include "util/unique_fd.hpp"

namespace mars::net {

class Channel {
  public:
    static constexpr std::chrono::milliseconds kDefaultSendTimeout{30000};

    // Connects to a numeric IPv4/IPv6 address and completes the TLS
    // handshake, all within `timeout`. Throws NetError: config (bad address,
    // unusable key or certificate), io, timeout, tls.
    static std::unique_ptr<Channel> connect(std::string_view address, std::uint16_t port,
                                            const SecurityOptions& security, std::chrono::milliseconds timeout);

    ~Channel();
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    // Sends one message within `timeout`. A payload above kMaxFrameLength
    // throws ProtocolError before anything is sent (split such answers).
    void send(MessageType type, std::span<const std::byte> payload,
              std::chrono::milliseconds timeout = kDefaultSendTimeout);
    template <typename M> void send(const M& message, std::chrono::milliseconds timeout = kDefaultSendTimeout)
    {
        send(M::kType, message.encode(), timeout);
    }

    // The next message, which must arrive completely within `timeout`.
    // Throws NetError: timeout, closed (EOF), protocol (bad frame header),
    // io, tls. Unknown message types are returned, not refused: answering
    // them is the caller's business.
    Message receive(std::chrono::milliseconds timeout);

    // Wakes a send() or receive() blocked in another thread, which then
    // throws; the channel is unusable afterwards.
    void abort();

    // "10.0.0.2:7777" (connect: the address dialled; accept: the peer's).
    const std::string& peer_address() const { return peer_; }
    config::SecurityMode security_mode() const { return mode_; }

    // x509 mode: whether the peer's verified certificate names `host` (in
    // subjectAltName, or the CN if there is none); always false otherwise.
    bool peer_certificate_matches(std::string_view host) const;
    // x509 mode: the peer certificate's subject ("CN=beta"); empty otherwise.
    std::string peer_certificate_subject() const;

  private:
    friend class Listener;
    enum class ReadStatus { data, eof, timeout };

    Channel(util::UniqueFd fd, std::string peer, config::SecurityMode mode, std::shared_ptr<TlsContext> tls);
    static std::unique_ptr<Channel> establish(util::UniqueFd fd, std::string peer, config::SecurityMode mode,
                                              std::shared_ptr<TlsContext> tls, Deadline deadline,
                                              std::chrono::milliseconds timeout);

    void tls_handshake(Deadline deadline, std::chrono::milliseconds timeout);
    void refuse_plaintext_peer(Deadline deadline, std::chrono::milliseconds timeout);
    std::string handshake_failure(int ssl_error, int saved_errno);
    std::string mode_hint() const;

    Message receive_frame(Deadline deadline, std::chrono::milliseconds timeout, std::size_t& consumed);
    void fill(std::byte* data, std::size_t size, Deadline deadline, std::chrono::milliseconds timeout,
              std::size_t& consumed);
    ReadStatus read_some(std::byte* data, std::size_t size, Deadline deadline, std::size_t& got);
    ReadStatus tls_read_some(std::byte* data, std::size_t size, Deadline deadline, std::size_t& got);
    void write_all(const std::byte* data, std::size_t size, Deadline deadline, std::chrono::milliseconds timeout);
    void tls_write_all(const std::byte* data, std::size_t size, Deadline deadline, std::chrono::milliseconds timeout);

    void throw_if_broken() const;
    void mark_broken(const NetError& e);

    util::UniqueFd fd_;
    std::string peer_;
    config::SecurityMode mode_;
    std::shared_ptr<TlsContext> tls_; // keeps the SSL_CTX (and the key its callbacks read) alive
    ssl_st* ssl_ = nullptr;
    bool tls_established_ = false;
    TlsNote note_;
    std::string broken_; // why the channel is unusable; empty while it is fine
    NetErrorKind broken_kind_ = NetErrorKind::io;
};

} // namespace mars::net
