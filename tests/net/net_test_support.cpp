#include "net_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>
#include <system_error>

namespace mars::net::test {

std::vector<unsigned char> random_key()
{
    std::vector<unsigned char> key(32);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return key;
}

SecurityOptions psk_options(std::vector<unsigned char> key)
{
    SecurityOptions o;
    o.mode = config::SecurityMode::psk;
    o.psk = std::move(key);
    return o;
}

SecurityOptions none_options()
{
    SecurityOptions o;
    o.mode = config::SecurityMode::none;
    return o;
}

util::UniqueFd raw_connect(std::uint16_t port)
{
    util::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
        throw std::system_error(errno, std::generic_category(), "connect");
    return fd;
}

void raw_send(int fd, std::span<const std::byte> bytes)
{
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            throw std::system_error(errno, std::generic_category(), "send");
        done += static_cast<std::size_t>(n);
    }
}

std::vector<std::byte> random_bytes(std::size_t size, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<std::byte> out(size);
    for (auto& b : out)
        b = static_cast<std::byte>(rng());
    return out;
}

} // namespace mars::net::test
