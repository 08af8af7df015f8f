// Parsing configuration values: numbers, sizes, booleans, ports.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mars::config {

// Sizes as MARS's marsadm reads them: a number with an optional suffix,
// k/m/g/t 1000-based, K/M/G/T 1024-based ("64M" = 64 MiB). nullopt if
// malformed or out of range.
std::optional<std::uint64_t> parse_size(std::string_view text);
std::optional<std::uint64_t> parse_unsigned(std::string_view text);
// yes/no, true/false, on/off, 1/0.
std::optional<bool> parse_bool(std::string_view text);

} // namespace mars::config
