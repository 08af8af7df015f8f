#include "net/channel.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/frame.hpp"

namespace mars::net {
namespace {

// A frame's payload is read in pieces of this size, so a header claiming
// 16 MiB costs memory only as the bytes actually arrive.
constexpr std::size_t kReceiveChunk = 1u << 20;

bool is_disconnect(int err)
{
    return err == EPIPE || err == ECONNRESET || err == ENOTCONN;
}

std::string bytes(std::size_t n)
{
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// TLS 1.3 clients finish their handshake before the server has checked
// their certificate, so a refusal of ours arrives as an alert on a later read.
bool certificate_refused(unsigned long error)
{
    if (ERR_GET_LIB(error) != ERR_LIB_SSL)
        return false;
    switch (ERR_GET_REASON(error)) {
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV1_ALERT_ACCESS_DENIED:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
        return true;
    default:
        return false;
    }
}

// Record-layer complaints mean the bytes were not TLS at all: a port
// scanner, another program, garbage.
bool not_tls_at_all(unsigned long error)
{
    if (ERR_GET_LIB(error) != ERR_LIB_SSL)
        return false;
    switch (ERR_GET_REASON(error)) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNSUPPORTED_PROTOCOL:
        return true;
    default:
        return false;
    }
}

} // namespace

Channel::Channel(util::UniqueFd fd, std::string peer, config::SecurityMode mode, std::shared_ptr<TlsContext> tls)
    : fd_(std::move(fd)), peer_(std::move(peer)), mode_(mode), tls_(std::move(tls))
{
}

Channel::~Channel()
{
    if (ssl_ != nullptr) {
        // Tell the peer we are done (one non-blocking attempt; a peer that
        // does not read it learns from the TCP close instead).
        if (tls_established_ && broken_.empty())
            SSL_shutdown(ssl_);
        SSL_free(ssl_);
        ERR_clear_error();
    }
}

std::unique_ptr<Channel> Channel::connect(std::string_view address, std::uint16_t port, const SecurityOptions& security,
                                          std::chrono::milliseconds timeout)
{
    const Deadline deadline = deadline_after(timeout);
    const SocketAddress a = parse_address(address, port);
    auto tls = TlsContext::create(security, TlsRole::client);
    util::UniqueFd fd = connect_tcp(a, deadline);
    return establish(std::move(fd), a.text(), security.mode, std::move(tls), deadline, timeout);
}

std::unique_ptr<Channel> Channel::establish(util::UniqueFd fd, std::string peer, config::SecurityMode mode,
                                            std::shared_ptr<TlsContext> tls, Deadline deadline,
                                            std::chrono::milliseconds timeout)
{
    std::unique_ptr<Channel> c(new Channel(std::move(fd), std::move(peer), mode, std::move(tls)));
    if (c->tls_)
        c->tls_handshake(deadline, timeout);
    return c;
}

std::string Channel::mode_hint() const
{
    return mode_ == config::SecurityMode::psk ? " (wrong cluster key, or another security mode?)"
                                              : " (certificate not signed by our CA, or another security mode?)";
}

// A peer in `security = none` opens with our frame magic instead of a TLS
// ClientHello. OpenSSL would only call that "wrong version number"; look at
// the first bytes (without consuming them) and say what is really wrong.
void Channel::refuse_plaintext_peer(Deadline deadline, std::chrono::milliseconds timeout)
{
    if (!wait_for(fd_.get(), POLLIN, deadline))
        throw NetError(NetErrorKind::timeout, peer_, "TLS handshake: nothing received within " + describe(timeout));
    unsigned char head[4] = {};
    ssize_t n;
    do
        n = ::recv(fd_.get(), head, sizeof head, MSG_PEEK);
    while (n < 0 && errno == EINTR);
    static constexpr unsigned char kMagic[4] = {'M', 'R', 'S', '1'};
    if (n == static_cast<ssize_t>(sizeof head) && std::memcmp(head, kMagic, sizeof head) == 0)
        throw NetError(NetErrorKind::tls, peer_,
                       "TLS handshake failed: the peer sends plaintext mars frames (it is in security mode none, "
                       "we are in " +
                           std::string(security_mode_name(mode_)) + ")");
}

void Channel::tls_handshake(Deadline deadline, std::chrono::milliseconds timeout)
{
    const bool server = tls_->role() == TlsRole::server;
    if (server)
        refuse_plaintext_peer(deadline, timeout);
    ERR_clear_error();
    ssl_ = SSL_new(tls_->get());
    BIO* bio = ssl_ ? new_socket_bio(fd_.get()) : nullptr;
    if (bio == nullptr)
        throw NetError(NetErrorKind::tls, peer_, "setting up TLS: " + take_openssl_errors());
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_app_data(ssl_, &note_);
    for (;;) {
        ERR_clear_error();
        errno = 0;
        const int r = server ? SSL_accept(ssl_) : SSL_connect(ssl_);
        if (r == 1)
            break;
        const int saved_errno = errno;
        const int err = SSL_get_error(ssl_, r);
        short events = 0;
        if (err == SSL_ERROR_WANT_READ)
            events = POLLIN;
        else if (err == SSL_ERROR_WANT_WRITE)
            events = POLLOUT;
        else
            throw NetError(NetErrorKind::tls, peer_, "TLS handshake failed: " + handshake_failure(err, saved_errno));
        if (!wait_for(fd_.get(), events, deadline))
            throw NetError(NetErrorKind::timeout, peer_,
                           "TLS handshake did not complete within " + describe(timeout) +
                               " (is the peer in security mode " + std::string(security_mode_name(mode_)) + "?)");
    }
    // psk: the key must have been used. The callbacks already make anything
    // else fail; this keeps it so if they are ever changed.
    if (mode_ == config::SecurityMode::psk && SSL_session_reused(ssl_) != 1)
        throw NetError(NetErrorKind::tls, peer_,
                       "TLS handshake failed: the peer did not authenticate with the "
                       "cluster key");
    tls_established_ = true;
    note_.text.clear();
}

std::string Channel::handshake_failure(int ssl_error, int saved_errno)
{
    // What our own callback found out beats any guess.
    if (!note_.text.empty()) {
        ERR_clear_error();
        return note_.text;
    }
    const bool garbage = not_tls_at_all(ERR_peek_error());
    std::string what = take_openssl_errors();
    if (garbage)
        return what + " (the peer does not speak TLS 1.3)";
    if (mode_ == config::SecurityMode::x509) {
        const long verify = SSL_get_verify_result(ssl_);
        if (verify != X509_V_OK)
            what +=
                std::string(what.empty() ? "" : ": ") + "peer certificate: " + X509_verify_cert_error_string(verify);
    }
    if (what.empty() && ssl_error == SSL_ERROR_SYSCALL)
        what = saved_errno == 0 || is_disconnect(saved_errno) ? "the peer closed the connection"
                                                              : std::string(std::strerror(saved_errno));
    if (what.empty())
        what = "SSL error " + std::to_string(ssl_error);
    return what + mode_hint();
}

void Channel::throw_if_broken() const
{
    if (!broken_.empty())
        throw NetError(broken_kind_, peer_, "connection unusable after an earlier error: " + broken_);
}

void Channel::mark_broken(const NetError& e)
{
    if (broken_.empty()) {
        broken_ = e.detail();
        broken_kind_ = e.kind();
    }
}

void Channel::abort()
{
    // Only shutdown(): the fd stays valid for the thread that is using it.
    ::shutdown(fd_.get(), SHUT_RDWR);
}

void Channel::send(MessageType type, std::span<const std::byte> payload, std::chrono::milliseconds timeout)
{
    throw_if_broken();
    const std::vector<std::byte> frame = encode_frame(static_cast<std::uint16_t>(type), payload);
    try {
        write_all(frame.data(), frame.size(), deadline_after(timeout), timeout);
    } catch (const NetError& e) {
        mark_broken(e);
        throw;
    }
}

Message Channel::receive(std::chrono::milliseconds timeout)
{
    throw_if_broken();
    std::size_t consumed = 0;
    try {
        return receive_frame(deadline_after(timeout), timeout, consumed);
    } catch (const NetError& e) {
        // Waiting in vain for a frame leaves the stream intact; anything
        // else has left it somewhere inside a frame.
        if (e.kind() != NetErrorKind::timeout || consumed != 0)
            mark_broken(e);
        throw;
    }
}

Message Channel::receive_frame(Deadline deadline, std::chrono::milliseconds timeout, std::size_t& consumed)
{
    FrameHeaderBytes raw;
    fill(raw.data(), raw.size(), deadline, timeout, consumed);
    FrameHeader header;
    try {
        header = decode_frame_header(raw);
    } catch (const ProtocolError& e) {
        throw NetError(NetErrorKind::protocol, peer_, std::string("received ") + e.what());
    }
    Message m;
    m.type = static_cast<MessageType>(header.type);
    std::size_t done = 0;
    while (done < header.length) {
        const std::size_t chunk = std::min<std::size_t>(header.length - done, kReceiveChunk);
        m.payload.resize(done + chunk);
        fill(m.payload.data() + done, chunk, deadline, timeout, consumed);
        done += chunk;
    }
    return m;
}

void Channel::fill(std::byte* data, std::size_t size, Deadline deadline, std::chrono::milliseconds timeout,
                   std::size_t& consumed)
{
    std::size_t done = 0;
    while (done < size) {
        std::size_t got = 0;
        switch (read_some(data + done, size - done, deadline, got)) {
        case ReadStatus::data:
            done += got;
            consumed += got;
            break;
        case ReadStatus::eof:
            throw NetError(NetErrorKind::closed, peer_,
                           consumed == 0 ? "connection closed by the peer"
                                         : "connection closed by the peer in the middle of a frame (after " +
                                               bytes(consumed) + ")");
        case ReadStatus::timeout:
            throw NetError(NetErrorKind::timeout, peer_,
                           consumed == 0 ? "no message within " + describe(timeout)
                                         : "message incomplete after " + describe(timeout) + " (" + bytes(consumed) +
                                               " received)");
        }
    }
}

Channel::ReadStatus Channel::read_some(std::byte* data, std::size_t size, Deadline deadline, std::size_t& got)
{
    if (ssl_ != nullptr)
        return tls_read_some(data, size, deadline, got);
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), data, size, 0);
        if (n > 0) {
            got = static_cast<std::size_t>(n);
            return ReadStatus::data;
        }
        if (n == 0)
            return ReadStatus::eof;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            throw NetError(is_disconnect(errno) ? NetErrorKind::closed : NetErrorKind::io, peer_,
                           std::string("receiving: ") + std::strerror(errno));
        if (!wait_for(fd_.get(), POLLIN, deadline))
            return ReadStatus::timeout;
    }
}

Channel::ReadStatus Channel::tls_read_some(std::byte* data, std::size_t size, Deadline deadline, std::size_t& got)
{
    for (;;) {
        ERR_clear_error();
        errno = 0;
        if (SSL_read_ex(ssl_, data, size, &got) == 1)
            return ReadStatus::data;
        const int saved_errno = errno;
        short events = POLLIN;
        switch (SSL_get_error(ssl_, 0)) {
        case SSL_ERROR_WANT_READ:
            break;
        case SSL_ERROR_WANT_WRITE: // TLS may need to send while reading (key update)
            events = POLLOUT;
            break;
        case SSL_ERROR_ZERO_RETURN: // close_notify
            return ReadStatus::eof;
        case SSL_ERROR_SYSCALL:
            if (saved_errno == 0)
                return ReadStatus::eof;
            throw NetError(is_disconnect(saved_errno) ? NetErrorKind::closed : NetErrorKind::io, peer_,
                           std::string("receiving: ") + std::strerror(saved_errno));
        default:
            // A TCP close without close_notify: the peer died or was killed.
            // Our framing notices a cut inside a frame, so this is just EOF.
            if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                ERR_clear_error();
                return ReadStatus::eof;
            }
            const bool refused = certificate_refused(ERR_peek_error());
            throw NetError(NetErrorKind::tls, peer_,
                           "receiving: TLS error: " + take_openssl_errors() +
                               (refused ? " (the peer refused our certificate)" : ""));
        }
        if (!wait_for(fd_.get(), events, deadline))
            return ReadStatus::timeout;
    }
}

void Channel::write_all(const std::byte* data, std::size_t size, Deadline deadline, std::chrono::milliseconds timeout)
{
    if (ssl_ != nullptr)
        return tls_write_all(data, size, deadline, timeout);
    while (size > 0) {
        const ssize_t n = ::send(fd_.get(), data, size, MSG_NOSIGNAL);
        if (n >= 0) {
            data += n;
            size -= static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            throw NetError(is_disconnect(errno) ? NetErrorKind::closed : NetErrorKind::io, peer_,
                           std::string("sending: ") + std::strerror(errno));
        if (!wait_for(fd_.get(), POLLOUT, deadline))
            throw NetError(NetErrorKind::timeout, peer_,
                           "sending: the peer took no data for " + describe(timeout) + " (" + bytes(size) + " left)");
    }
}

void Channel::tls_write_all(const std::byte* data, std::size_t size, Deadline deadline,
                            std::chrono::milliseconds timeout)
{
    while (size > 0) {
        ERR_clear_error();
        errno = 0;
        std::size_t written = 0;
        // After WANT_*, OpenSSL wants the very same call again: data and
        // size only move on success.
        if (SSL_write_ex(ssl_, data, size, &written) == 1) {
            data += written;
            size -= written;
            continue;
        }
        const int saved_errno = errno;
        short events = POLLOUT;
        switch (SSL_get_error(ssl_, 0)) {
        case SSL_ERROR_WANT_WRITE:
            break;
        case SSL_ERROR_WANT_READ:
            events = POLLIN;
            break;
        case SSL_ERROR_ZERO_RETURN:
            throw NetError(NetErrorKind::closed, peer_, "sending: the peer closed the connection");
        case SSL_ERROR_SYSCALL:
            throw NetError(saved_errno == 0 || is_disconnect(saved_errno) ? NetErrorKind::closed : NetErrorKind::io,
                           peer_,
                           std::string("sending: ") +
                               (saved_errno == 0 ? "the peer closed the connection" : std::strerror(saved_errno)));
        default:
            throw NetError(NetErrorKind::tls, peer_, "sending: TLS error: " + take_openssl_errors());
        }
        if (!wait_for(fd_.get(), events, deadline))
            throw NetError(NetErrorKind::timeout, peer_,
                           "sending: the peer took no data for " + describe(timeout) + " (" + bytes(size) + " left)");
    }
}

bool Channel::peer_certificate_matches(std::string_view host) const
{
    if (ssl_ == nullptr || mode_ != config::SecurityMode::x509 || host.empty())
        return false;
    X509* cert = SSL_get0_peer_certificate(ssl_);
    return cert != nullptr && X509_check_host(cert, host.data(), host.size(), 0, nullptr) == 1;
}

std::string Channel::peer_certificate_subject() const
{
    if (ssl_ == nullptr || mode_ != config::SecurityMode::x509)
        return {};
    X509* cert = SSL_get0_peer_certificate(ssl_);
    BIO* out = cert ? BIO_new(BIO_s_mem()) : nullptr;
    if (out == nullptr)
        return {};
    std::string subject;
    if (X509_NAME_print_ex(out, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
        char* p = nullptr;
        const long n = BIO_get_mem_data(out, &p);
        if (n > 0 && p != nullptr)
            subject.assign(p, static_cast<std::size_t>(n));
    }
    BIO_free(out);
    return subject;
}

} // namespace mars::net
