#include "config/values.hpp"

#include <limits>

namespace mars::config {

std::optional<std::uint64_t> parse_unsigned(std::string_view text)
{
    if (text.empty() || text.size() > 20)
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return std::nullopt;
        n = n * 10 + digit;
    }
    return n;
}

std::optional<std::uint64_t> parse_size(std::string_view text)
{
    if (text.empty())
        return std::nullopt;
    std::uint64_t unit = 1;
    switch (text.back()) {
    case 'k': unit = 1000ull; break;
    case 'm': unit = 1000ull * 1000; break;
    case 'g': unit = 1000ull * 1000 * 1000; break;
    case 't': unit = 1000ull * 1000 * 1000 * 1000; break;
    case 'K': unit = 1ull << 10; break;
    case 'M': unit = 1ull << 20; break;
    case 'G': unit = 1ull << 30; break;
    case 'T': unit = 1ull << 40; break;
    default: break;
    }
    if (unit != 1)
        text.remove_suffix(1);
    auto n = parse_unsigned(text);
    if (!n || *n > std::numeric_limits<std::uint64_t>::max() / unit)
        return std::nullopt;
    return *n * unit;
}

std::optional<bool> parse_bool(std::string_view text)
{
    if (text == "yes" || text == "true" || text == "on" || text == "1")
        return true;
    if (text == "no" || text == "false" || text == "off" || text == "0")
        return false;
    return std::nullopt;
}

} // namespace mars::config
