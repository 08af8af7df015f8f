// Host names as the original MARS allows them: [a-z][-a-z0-9]*, not reserved.
#pragma once

#include <string>
#include <string_view>

namespace mars::util {

// Empty string if `name` is a valid host name, else why it is not.
std::string check_host_name(std::string_view name);

} // namespace mars::util
