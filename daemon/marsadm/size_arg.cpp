#include "size_arg.hpp"

#include <limits>

namespace mars::marsadm {
namespace {

std::optional<std::uint64_t> suffix_factor(char c)
{
    switch (c) {
    case 'K':
        return 1ull << 10;
    case 'M':
        return 1ull << 20;
    case 'G':
        return 1ull << 30;
    case 'T':
        return 1ull << 40;
    case 'k':
        return 1000ull;
    case 'm':
        return 1000ull * 1000;
    case 'g':
        return 1000ull * 1000 * 1000;
    case 't':
        return 1000ull * 1000 * 1000 * 1000;
    default:
        return std::nullopt;
    }
}

} // namespace

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    std::uint64_t factor = 1;
    if (!text.empty() && !(text.back() >= '0' && text.back() <= '9')) {
        auto f = suffix_factor(text.back());
        if (!f)
            return std::nullopt;
        factor = *f;
        text.remove_suffix(1);
    }
    if (text.empty())
        return std::nullopt;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (n > (kMax - digit) / 10)
            return std::nullopt;
        n = n * 10 + digit;
    }
    if (n > kMax / factor)
        return std::nullopt;
    return n * factor;
}

} // namespace mars::marsadm
