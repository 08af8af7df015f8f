// Sizes on the marsadm command line, as MARS spells them: a decimal number of
// bytes with an optional suffix, K/M/G/T 1024-based, k/m/g/t 1000-based.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mars::marsadm {

// "10G" -> 10 GiB, "10g" -> 10 * 10^9, "4096" -> 4096. nullopt for anything
// else: empty, signs, fractions, unknown suffixes, or more than 2^64-1 bytes.
std::optional<std::uint64_t> parse_size(std::string_view text);

} // namespace mars::marsadm
