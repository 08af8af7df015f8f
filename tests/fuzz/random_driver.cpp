// A libFuzzer-compatible driver for builds without clang: starts from valid
// logfiles and feeds LLVMFuzzerTestOneInput with random mutations of them
// (bit flips, truncation, garbage, duplicated and resealed records) for a
// bounded time.
//
//   fuzz_log_reader_random [SECONDS] [SEED]
//   fuzz_log_reader_random --corpus DIR   (writes valid seed logs for libFuzzer)
#include <chrono>
#include <fstream>
#include <string>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "format/crc32c.hpp"
#include "log/append_buffer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes valid_log(std::mt19937_64& rng)
{
    mars::log::AppendBuffer buf;
    int records = 1 + static_cast<int>(rng() % 12);
    buf.reset(static_cast<std::size_t>(records) * (4096 + 64) + mars::log::AppendBuffer::max_padding(4096));
    std::uint64_t seq = 1 + rng() % 1000;
    for (int i = 0; i < records; ++i) {
        mars::format::RecordHeader h;
        h.seq = seq++;
        h.durable = i == 0 ? 0 : buf.size() - rng() % 2 * 8; // sometimes "proves" earlier records
        std::vector<std::byte> payload(rng() % 4096);
        for (auto& b : payload)
            b = static_cast<std::byte>(rng() % 4); // compressible-looking bytes
        h.offset = rng() % (1 << 30);
        h.payload_len = static_cast<std::uint32_t>(payload.size());
        if (rng() % 5 == 0) {
            h.flags = MARS_LOG_F_ZEROES;
            payload.clear();
        }
        if (rng() % 7 == 0) {
            h.type = mars::format::RecordType::marker;
            h.marker = mars::format::Marker::rotate;
            h.payload_len = 0;
            payload.clear();
        }
        buf.add(h, payload);
    }
    if (rng() % 2) {
        mars::format::RecordHeader pad;
        pad.seq = seq;
        buf.pad(4096, pad);
    }
    auto* p = reinterpret_cast<const std::uint8_t*>(buf.data());
    return Bytes(p, p + buf.size());
}

// Changes a header field and fixes its CRC, so that field checks (and not
// only the checksum) get exercised.
void reseal_random_header_field(Bytes& b, std::mt19937_64& rng)
{
    if (b.size() < 64)
        return;
    std::size_t at = (rng() % (b.size() / 8)) * 8;
    if (at + 64 > b.size())
        return;
    std::size_t field = 8 + rng() % 52;
    b[at + field] = static_cast<std::uint8_t>(rng());
    std::uint32_t crc = mars::format::crc32c({reinterpret_cast<const std::byte*>(b.data() + at), 60});
    std::memcpy(b.data() + at + 60, &crc, 4);
}

void mutate(Bytes& b, std::mt19937_64& rng)
{
    int steps = 1 + static_cast<int>(rng() % 4);
    for (int s = 0; s < steps; ++s) {
        switch (rng() % 6) {
        case 0:
            if (!b.empty())
                b[rng() % b.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
            break;
        case 1:
            b.resize(b.empty() ? 0 : rng() % b.size());
            break;
        case 2: {
            std::size_t n = rng() % 256;
            for (std::size_t i = 0; i < n; ++i)
                b.push_back(static_cast<std::uint8_t>(rng()));
            break;
        }
        case 3:
            reseal_random_header_field(b, rng);
            break;
        case 4:
            if (!b.empty()) {
                std::size_t from = rng() % b.size();
                std::size_t len = std::min<std::size_t>(rng() % 512, b.size() - from);
                b.insert(b.end(), b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(from + len));
            }
            break;
        default:
            if (!b.empty()) {
                std::size_t from = rng() % b.size();
                std::size_t len = std::min<std::size_t>(rng() % 128, b.size() - from);
                std::memset(b.data() + from, rng() % 2 ? 0 : 0xff, len);
            }
        }
    }
}

} // namespace

int write_corpus(const char* dir)
{
    std::mt19937_64 rng(42);
    for (int i = 0; i < 64; ++i) {
        Bytes b = valid_log(rng);
        std::ofstream out(std::string(dir) + "/seed-" + std::to_string(i), std::ios::binary);
        out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
        if (!out) {
            std::fprintf(stderr, "cannot write seed logs into %s\n", dir);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char** argv)
{
    if (argc == 3 && std::strcmp(argv[1], "--corpus") == 0)
        return write_corpus(argv[2]);
    double seconds = argc > 1 ? std::atof(argv[1]) : 10.0;
    std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : std::random_device{}();
    std::printf("fuzz_log_reader_random: %.0f s, seed %llu\n", seconds, static_cast<unsigned long long>(seed));
    std::fflush(stdout); // the seed must be visible even if a run aborts
    std::mt19937_64 rng(seed);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    std::uint64_t runs = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < 64; ++i, ++runs) {
            Bytes b = valid_log(rng);
            if (runs % 10 != 0)
                mutate(b, rng);
            LLVMFuzzerTestOneInput(b.data(), b.size());
        }
    }
    std::printf("fuzz_log_reader_random: %llu inputs, no failure\n", static_cast<unsigned long long>(runs));
    return 0;
}
