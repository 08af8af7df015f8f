// Strict decimal numbers in entry values. std::from_chars alone accepts a
// prefix ("12abc"); a value a peer or an admin garbled must read as
// unreadable, never as a plausible number.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mars::resource {

inline std::optional<std::uint64_t> parse_decimal(std::string_view s)
{
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return n;
}

} // namespace mars::resource
