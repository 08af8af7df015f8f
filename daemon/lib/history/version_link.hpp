// Versionlinks (mars-reference §5, ARCHITECTURE §4): version-<N>-<host> says
// that <host> has finished logfile N, and how long N was for it. Each link
// hashes its predecessor, so a host's links form a SHA-256 chain over the
// (logfile, length) history it has produced or applied; two hosts with equal
// links for N have the same history up to N. Format: docs/versionlinks.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "log/logfile_name.hpp"

namespace mars::history {

struct VersionLink {
    std::string digest;          // 64 lowercase hex digits (SHA-256)
    std::uint32_t number = 0;    // logfile number N
    std::string origin;          // origin host of log-<N>-<origin>
    std::uint64_t length = 0;    // bytes of that logfile as produced/applied by the link's host
    std::string previous_digest; // digest of the host's link for N-1; "" for a seed

    // "<digest>,log-<N 9 digits>-<origin>,<length>:<previous_digest>"
    std::string str() const;
    // nullopt unless `value` is exactly what str() produces for some link:
    // lower-case hex digests (the previous one may be empty), a valid
    // logfile name, a decimal length without sign or leading zeros.
    static std::optional<VersionLink> parse(std::string_view value);
    log::LogfileName logfile() const;

    friend bool operator==(const VersionLink&, const VersionLink&) = default;
};

inline constexpr std::string_view kSeedDigest = "0000000000000000000000000000000000000000000000000000000000000000";

// The start of a chain: digest of 64 zeros, length 0, no previous (written by
// create-resource for N = 0).
VersionLink seed_link(std::uint32_t number, const std::string& origin);

// The link for (number, origin, length) following `previous`: digest = hex
// SHA-256 of "<number>,<origin>,<length>:" + previous.str() (number and length
// in plain decimal); previous_digest = previous.digest.
VersionLink chain(const VersionLink& previous, std::uint32_t number, const std::string& origin, std::uint64_t length);

// The tree key of a host's link for N: "version-<N 9 digits>-<host>".
std::string version_key(std::uint32_t number, const std::string& host);

// The first 8 hex digits, enough to tell digests apart in a message.
std::string abbreviate(std::string_view digest);

} // namespace mars::history
