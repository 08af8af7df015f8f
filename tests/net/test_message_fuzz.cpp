// Hostile input for every decoder: random bytes, random well-formed field
// sequences with random tags and values, and mutations of valid payloads.
// Each decode must either succeed or throw ProtocolError; anything else
// (a crash, a sanitizer report, another exception) fails. Runs for a bounded
// time (MARS_NET_FUZZ_MS, default 2000 ms; at least 3000 inputs); the
// verdict does not depend on how many inputs fit into it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>

#include "net/error.hpp"
#include "net/fields.hpp"
#include "net/frame.hpp"
#include "net/message.hpp"

using namespace mars;
using namespace mars::net;

namespace {

using Bytes = std::vector<std::byte>;
using Decoder = std::function<void(std::span<const std::byte>)>;

const std::vector<std::pair<const char*, Decoder>>& decoders()
{
    static const std::vector<std::pair<const char*, Decoder>> all = {
        {"hello", [](auto p) { Hello::decode(p); }},     {"welcome", [](auto p) { Welcome::decode(p); }},
        {"refuse", [](auto p) { Refuse::decode(p); }},   {"get_entries", [](auto p) { GetEntries::decode(p); }},
        {"entries", [](auto p) { Entries::decode(p); }}, {"push_entries", [](auto p) { PushEntries::decode(p); }},
        {"ack", [](auto p) { Ack::decode(p); }},         {"ping", [](auto p) { Ping::decode(p); }},
        {"pong", [](auto p) { Pong::decode(p); }},       {"error", [](auto p) { ErrorMessage::decode(p); }},
    };
    return all;
}

std::vector<Bytes> valid_payloads()
{
    Hello h;
    h.cluster_uuid = "alpha_1764";
    h.host = "alpha";
    h.protocol_version = 1;
    h.features = 3;
    h.stamp = 12345;
    std::vector<tree::Entry> entries = {
        {"uuid", "alpha_1764", 1}, {"ips/ip-beta", "10.0.0.2", 2}, {"a/b", ".deleted", 3}};
    return {
        h.encode(),
        Welcome{h}.encode(),
        Refuse{"no", "beta"}.encode(),
        GetEntries{5, {"ips/", "resource-r0/"}}.encode(),
        Entries{7, entries}.encode(),
        PushEntries{8, entries}.encode(),
        Ack{}.encode(),
        Ping{1}.encode(),
        Pong{2}.encode(),
        ErrorMessage{"oops"}.encode(),
    };
}

// Every decoder on `input`: success or ProtocolError only.
void decode_all(const Bytes& input, std::uint64_t iteration)
{
    for (const auto& [name, decode] : decoders()) {
        try {
            decode(input);
        } catch (const ProtocolError&) {
        } catch (const std::exception& e) {
            FAIL() << name << " threw a non-protocol error on input " << iteration << ": " << e.what();
        }
    }
    if (input.size() >= kFrameHeaderSize) {
        try {
            decode_frame_header(std::span<const std::byte, kFrameHeaderSize>(input.data(), kFrameHeaderSize));
        } catch (const ProtocolError&) {
        }
    }
}

Bytes random_bytes(std::mt19937_64& rng, std::size_t max)
{
    Bytes b(rng() % (max + 1));
    for (auto& x : b)
        x = static_cast<std::byte>(rng());
    return b;
}

// Syntactically valid fields with small tags and random values, nested one
// level sometimes: reaches the semantic checks behind the field reader.
Bytes random_fields(std::mt19937_64& rng, int depth = 0)
{
    FieldWriter w;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
        const auto tag = static_cast<std::uint16_t>(rng() % 8);
        switch (rng() % 5) {
        case 0:
            w.add_u32(tag, static_cast<std::uint32_t>(rng()));
            break;
        case 1:
            w.add_u64(tag, rng());
            break;
        case 2:
            w.add_bytes(tag, random_bytes(rng, 24));
            break;
        case 3:
            if (depth == 0) {
                w.add_bytes(tag, random_fields(rng, 1));
                break;
            }
            [[fallthrough]];
        default:
            w.add_string(tag, std::string(rng() % 8, 'k'));
        }
    }
    return w.take();
}

void mutate(std::mt19937_64& rng, Bytes& b)
{
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits; ++i) {
        switch (b.empty() ? 3 : rng() % 6) {
        case 0: // flip a bit
            b[rng() % b.size()] ^= static_cast<std::byte>(1u << (rng() % 8));
            break;
        case 1: // truncate
            b.resize(rng() % b.size());
            break;
        case 2: { // overwrite 4 bytes with an extreme length
            const std::size_t at = rng() % b.size();
            const std::uint32_t v = (rng() % 2) ? 0xffffffffu : static_cast<std::uint32_t>(rng() % 64);
            for (std::size_t k = 0; k < 4 && at + k < b.size(); ++k)
                b[at + k] = static_cast<std::byte>(v >> (8 * k));
            break;
        }
        case 3: { // insert random bytes
            const Bytes r = random_bytes(rng, 16);
            b.insert(b.begin() + static_cast<std::ptrdiff_t>(b.empty() ? 0 : rng() % b.size()), r.begin(), r.end());
            break;
        }
        case 4: { // duplicate a slice
            const std::size_t from = rng() % b.size();
            const std::size_t len = rng() % (b.size() - from + 1);
            Bytes slice(b.begin() + static_cast<std::ptrdiff_t>(from),
                        b.begin() + static_cast<std::ptrdiff_t>(from + len));
            b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng() % b.size()), slice.begin(), slice.end());
            break;
        }
        default: // splice in a field sequence
            const Bytes f = random_fields(rng);
            b.insert(b.end(), f.begin(), f.end());
        }
    }
}

std::chrono::milliseconds fuzz_budget()
{
    if (const char* s = std::getenv("MARS_NET_FUZZ_MS"))
        return std::chrono::milliseconds(std::strtoul(s, nullptr, 10));
    return std::chrono::milliseconds(2000);
}

} // namespace

TEST(MessageFuzz, DecodersSurviveRandomAndMutatedInput)
{
    // MARS_NET_FUZZ_SEED repeats a run that failed (its seed is printed).
    const char* seed_env = std::getenv("MARS_NET_FUZZ_SEED");
    const std::uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const auto valid = valid_payloads();
    for (const auto& v : valid)
        decode_all(v, 0);

    const auto end = std::chrono::steady_clock::now() + fuzz_budget();
    std::uint64_t i = 0;
    // At least a fixed number of rounds, so a slow machine still covers
    // every kind of input.
    for (; i < 3000 || std::chrono::steady_clock::now() < end; ++i) {
        Bytes input;
        switch (i % 3) {
        case 0:
            input = random_bytes(rng, 256);
            break;
        case 1:
            input = random_fields(rng);
            break;
        default:
            input = valid[rng() % valid.size()];
            mutate(rng, input);
        }
        decode_all(input, i);
        if (HasFatalFailure() || HasNonfatalFailure())
            break;
    }
    RecordProperty("inputs", std::to_string(i));
}
