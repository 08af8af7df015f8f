// SHA-256 as 64 lower-case hex digits: the digest of the versionlink chain
// (ARCHITECTURE §4). Kept apart so only one file talks to OpenSSL.
#pragma once

#include <string>
#include <string_view>

namespace mars::history {

std::string sha256_hex(std::string_view data);

} // namespace mars::history
