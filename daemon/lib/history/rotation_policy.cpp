#include "history/rotation_policy.hpp"

namespace mars::history {

bool should_rotate(const RotationPolicy& policy, std::uint64_t current_size, std::uint64_t current_age_ns)
{
    if (current_size == 0)
        return false;
    return current_size > policy.max_bytes || current_age_ns > policy.max_age_ns;
}

} // namespace mars::history
