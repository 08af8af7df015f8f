#include "transfer_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <system_error>

namespace mars::transfer::test {

std::vector<unsigned char> random_key()
{
    std::vector<unsigned char> key(32);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return key;
}

net::SecurityOptions psk_options(std::vector<unsigned char> key)
{
    net::SecurityOptions o;
    o.mode = config::SecurityMode::psk;
    o.psk = std::move(key);
    return o;
}

std::vector<std::byte> random_bytes(std::size_t size, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<std::byte> out(size);
    for (auto& b : out)
        b = static_cast<std::byte>(rng());
    return out;
}

std::vector<std::byte> compressible_bytes(std::size_t size)
{
    static const std::string text = "write 4096 bytes at sector 2048 of /dev/mars/r0; ";
    std::vector<std::byte> out(size);
    for (std::size_t i = 0; i < size; ++i)
        out[i] = static_cast<std::byte>(text[i % text.size()]);
    return out;
}

void write_file(const std::filesystem::path& path, std::span<const std::byte> data)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f)
        throw std::runtime_error("cannot write " + path.string());
}

void append_file(const std::filesystem::path& path, std::span<const std::byte> data)
{
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f)
        throw std::runtime_error("cannot append to " + path.string());
}

std::vector<std::byte> read_file(const std::filesystem::path& path)
{
    std::ifstream f(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(bytes.size());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
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

Fixture::Fixture(Service service, std::uint64_t bandwidth_limit)
{
    log_dir = dir.path() / "server" / "resource-r0";
    disk = dir.path() / "server" / "disk-r0";
    local_dir = dir.path() / "client";
    std::filesystem::create_directories(log_dir);
    std::filesystem::create_directories(local_dir);

    ServerOptions o;
    o.service = service;
    o.listen_address = "127.0.0.1";
    o.port = 0;
    o.security = psk_options(key);
    o.host = kServerHost;
    o.cluster_uuid = [] { return std::string(kUuid); };
    o.bandwidth_limit = bandwidth_limit;
    // Long enough that only a prompt stop (not a timeout) ends connections quickly.
    o.handshake_timeout = 20s;
    o.idle_timeout = 30s;

    ResourceAccess access;
    access.log_directory = [this](const std::string& res) -> std::optional<std::filesystem::path> {
        if (res == "r0")
            return log_dir;
        return std::nullopt;
    };
    access.disk = [this](const std::string& res) -> std::optional<std::filesystem::path> {
        if (res == "r0")
            return disk;
        return std::nullopt;
    };
    access.sync_end_position = [](const std::string&) { return std::string(kPosition); };
    server = std::make_unique<TransferServer>(server_clock, std::move(o), std::move(access));
}

ClientOptions Fixture::client_options(bool compress) const
{
    ClientOptions o;
    o.host = kClientHost;
    o.cluster_uuid = kUuid;
    o.security = psk_options(key);
    o.port = server->port();
    o.compress = compress;
    o.timeout = 10s;
    return o;
}

} // namespace mars::transfer::test
