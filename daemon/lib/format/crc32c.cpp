#include "format/crc32c.hpp"

#include <array>
#include <climits>
#include <cstring>

#ifdef MARS_HAVE_ISAL
#include <isa-l/crc.h>
#endif
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace mars::format {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82f63b78;

constexpr std::array<std::uint32_t, 256> make_table()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit)
            c = (c & 1) ? (c >> 1) ^ kReflectedPolynomial : c >> 1;
        table[i] = c;
    }
    return table;
}

constexpr auto kTable = make_table();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t sse42_update(const unsigned char* p, std::size_t n,
                                                            std::uint32_t state)
{
    std::uint64_t s = state;
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        s = _mm_crc32_u64(s, word);
        p += 8;
        n -= 8;
    }
    auto s32 = static_cast<std::uint32_t>(s);
    while (n--)
        s32 = _mm_crc32_u8(s32, *p++);
    return s32;
}

bool cpu_has_sse42()
{
    static const bool has = __builtin_cpu_supports("sse4.2");
    return has;
}
#endif

} // namespace

std::uint32_t crc32c_portable(std::span<const std::byte> data, std::uint32_t crc)
{
    std::uint32_t state = ~crc;
    for (std::byte b : data)
        state = kTable[(state ^ static_cast<std::uint8_t>(b)) & 0xff] ^ (state >> 8);
    return ~state;
}

bool crc32c_sse42(std::span<const std::byte> data, std::uint32_t crc, std::uint32_t& out)
{
#if defined(__x86_64__)
    if (!cpu_has_sse42())
        return false;
    out = ~sse42_update(reinterpret_cast<const unsigned char*>(data.data()), data.size(), ~crc);
    return true;
#else
    (void)data;
    (void)crc;
    (void)out;
    return false;
#endif
}

bool crc32c_isal(std::span<const std::byte> data, std::uint32_t crc, std::uint32_t& out)
{
#ifdef MARS_HAVE_ISAL
    // ISA-L works on the raw (non-inverted) register and takes an int length.
    std::uint32_t state = ~crc;
    auto* p = reinterpret_cast<unsigned char*>(const_cast<std::byte*>(data.data()));
    std::size_t left = data.size();
    while (left > 0) {
        int chunk = left > static_cast<std::size_t>(INT_MAX / 2) ? INT_MAX / 2 : static_cast<int>(left);
        state = crc32_iscsi(p, chunk, state);
        p += chunk;
        left -= static_cast<std::size_t>(chunk);
    }
    out = ~state;
    return true;
#else
    (void)data;
    (void)crc;
    (void)out;
    return false;
#endif
}

std::uint32_t crc32c(std::span<const std::byte> data, std::uint32_t crc)
{
    std::uint32_t out;
    if (crc32c_isal(data, crc, out))
        return out;
    if (crc32c_sse42(data, crc, out))
        return out;
    return crc32c_portable(data, crc);
}

const char* crc32c_implementation()
{
    std::uint32_t out;
    std::byte probe{};
    if (crc32c_isal({&probe, 1}, 0, out))
        return "isa-l";
    if (crc32c_sse42({&probe, 1}, 0, out))
        return "sse4.2";
    return "portable";
}

} // namespace mars::format
