// When the primary starts a new logfile (mars-reference §4.5): small files
// make deletion fine-grained and switches frequent, so rotate by size and by
// age, but never away from an empty file (that would only add a number).
#pragma once

#include <cstdint>

namespace mars::history {

struct RotationPolicy {
    std::uint64_t max_bytes = 1ull << 30;
    std::uint64_t max_age_ns = 3600ull * 1000000000ull;
};

// Rotate when the current logfile is non-empty and over max_bytes (strictly
// more) or older than max_age (strictly; age from its first record stamp /
// creation).
bool should_rotate(const RotationPolicy& policy, std::uint64_t current_size, std::uint64_t current_age_ns);

} // namespace mars::history
