// A transfer server on an ephemeral loopback port with a fresh PSK, serving
// resource r0 from temporary directories, and helpers for its files.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "net/security.hpp"
#include "support/temp_dir.hpp"
#include "transfer/client_options.hpp"
#include "transfer/transfer_server.hpp"
#include "tree/lamport_clock.hpp"
#include "util/unique_fd.hpp"

namespace mars::transfer::test {

using namespace std::chrono_literals;

inline constexpr char kServerHost[] = "alpha";
inline constexpr char kClientHost[] = "beta";
inline constexpr char kUuid[] = "alpha_1764";
inline constexpr char kPosition[] = "log-000000003-alpha,4096,17";

net::SecurityOptions psk_options(std::vector<unsigned char> key);
std::vector<unsigned char> random_key();
std::vector<std::byte> random_bytes(std::size_t size, std::uint64_t seed);
// Text-like bytes that zstd shrinks a lot.
std::vector<std::byte> compressible_bytes(std::size_t size);

void write_file(const std::filesystem::path& path, std::span<const std::byte> data);
void append_file(const std::filesystem::path& path, std::span<const std::byte> data);
std::vector<std::byte> read_file(const std::filesystem::path& path);

// A plain TCP connection to 127.0.0.1:port, for bytes no Channel would send.
util::UniqueFd raw_connect(std::uint16_t port);
void raw_send(int fd, std::span<const std::byte> bytes);

struct Fixture {
    explicit Fixture(Service service, std::uint64_t bandwidth_limit = 0);

    ClientOptions client_options(bool compress = false) const;

    mars::test::TempDir dir{"mars-transfer"};
    std::filesystem::path log_dir;   // the server's /mars/resource-r0
    std::filesystem::path disk;      // the server's disk of r0
    std::filesystem::path local_dir; // the client's side
    std::vector<unsigned char> key = random_key();
    tree::LamportClock server_clock;
    tree::LamportClock client_clock;
    std::unique_ptr<TransferServer> server;
};

} // namespace mars::transfer::test
