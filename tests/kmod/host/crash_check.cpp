#include "crash_check.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <regex>

#include "support/log_fixture.hpp"

namespace mars::kmodtest {
namespace {

// The block format of tests/kmod/guest/crash.c.
constexpr std::size_t kBlock = 4096;
constexpr std::size_t kHead = 32;

std::uint64_t fnv1a(std::uint64_t h, const std::byte* p, std::size_t len)
{
    for (std::size_t i = 0; i < len; ++i) {
        h ^= static_cast<std::uint8_t>(p[i]);
        h *= 0x100000001b3ULL;
    }
    return h;
}

std::uint64_t le64(const std::byte* p)
{
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = v << 8 | static_cast<std::uint8_t>(p[i]);
    return v;
}

// The highest acknowledged version per block. Only whole lines count: the
// kill may cut the last one, and kernel messages may land inside one.
std::vector<std::uint64_t> read_acks(const std::filesystem::path& serial, std::uint64_t blocks, CrashReport& r)
{
    std::vector<std::uint64_t> acked(blocks, 0);
    std::ifstream in(serial, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    static const std::regex ack(R"(^ACK ([0-9]+) ([0-9]+)\r?$)");
    std::size_t pos = 0, nl;
    while ((nl = text.find('\n', pos)) != std::string::npos) {
        std::string line = text.substr(pos, nl - pos);
        pos = nl + 1;
        std::smatch m;
        if (!std::regex_match(line, m, ack))
            continue;
        std::uint64_t block = std::stoull(m[1]), version = std::stoull(m[2]);
        ++r.acks;
        if (block >= blocks) {
            r.failures.push_back("ACK for block " + std::to_string(block) + " beyond the device");
            continue;
        }
        acked[block] = std::max(acked[block], version);
    }
    return acked;
}

} // namespace

CrashReport check_crash(const std::filesystem::path& replayed_image, const std::filesystem::path& serial_log)
{
    CrashReport r;
    const auto image = test::file_bytes(replayed_image);
    const std::uint64_t blocks = image.size() / kBlock;
    const auto acked = read_acks(serial_log, blocks, r);
    if (r.acks == 0)
        r.failures.push_back("no ACK lines in " + serial_log.string());

    for (std::uint64_t b = 0; b < blocks; ++b) {
        const std::byte* p = image.data() + b * kBlock;
        std::uint64_t version = 0;
        if (acked[b])
            ++r.acked_blocks;
        if (std::any_of(p, p + kBlock, [](std::byte x) { return x != std::byte{0}; })) {
            std::uint64_t h = fnv1a(0xcbf29ce484222325ULL, p, 24);
            h = fnv1a(h, p + kHead, kBlock - kHead);
            if (std::memcmp(p, "MARSCRSH", 8) != 0 || le64(p + 8) != b || le64(p + 24) != h) {
                r.failures.push_back("block " + std::to_string(b) + " holds no valid version (torn or misplaced)");
                continue;
            }
            version = le64(p + 16);
            ++r.written;
        }
        if (version < acked[b])
            r.failures.push_back("block " + std::to_string(b) + ": version " + std::to_string(acked[b]) +
                                 " was acknowledged, the replayed log has " + std::to_string(version));
        else if (version > acked[b])
            ++r.newer;
        if (r.failures.size() > 20)
            break;
    }
    return r;
}

} // namespace mars::kmodtest
