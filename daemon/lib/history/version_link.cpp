#include "history/version_link.hpp"

#include <charconv>
#include <cstdio>

#include "history/sha256_hex.hpp"

namespace mars::history {

namespace {

constexpr std::size_t kDigestChars = 64;

bool is_digest(std::string_view s)
{
    if (s.size() != kDigestChars)
        return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

// Strict decimal: no sign, no leading zeros, no overflow, so that parse and
// str() are inverse and one link has exactly one spelling.
std::optional<std::uint64_t> parse_length(std::string_view s)
{
    if (s.empty() || (s.size() > 1 && s[0] == '0'))
        return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9')
            return std::nullopt;
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return value;
}

} // namespace

std::string VersionLink::str() const
{
    return digest + "," + logfile().str() + "," + std::to_string(length) + ":" + previous_digest;
}

std::optional<VersionLink> VersionLink::parse(std::string_view value)
{
    // Host names contain neither ',' nor ':', so the separators are unambiguous.
    const auto comma1 = value.find(',');
    if (comma1 == std::string_view::npos)
        return std::nullopt;
    const auto comma2 = value.find(',', comma1 + 1);
    if (comma2 == std::string_view::npos)
        return std::nullopt;
    const auto colon = value.find(':', comma2 + 1);
    if (colon == std::string_view::npos)
        return std::nullopt;

    const std::string_view digest = value.substr(0, comma1);
    const std::string_view name = value.substr(comma1 + 1, comma2 - comma1 - 1);
    const std::string_view length = value.substr(comma2 + 1, colon - comma2 - 1);
    const std::string_view previous = value.substr(colon + 1);

    if (!is_digest(digest) || (!previous.empty() && !is_digest(previous)))
        return std::nullopt;
    auto logfile = log::LogfileName::parse(name);
    if (!logfile)
        return std::nullopt;
    auto len = parse_length(length);
    if (!len)
        return std::nullopt;
    return VersionLink{std::string(digest), logfile->number, std::move(logfile->host), *len, std::string(previous)};
}

log::LogfileName VersionLink::logfile() const
{
    return log::LogfileName{number, origin};
}

VersionLink seed_link(std::uint32_t number, const std::string& origin)
{
    return VersionLink{std::string(kSeedDigest), number, origin, 0, ""};
}

VersionLink chain(const VersionLink& previous, std::uint32_t number, const std::string& origin, std::uint64_t length)
{
    // Hashing the whole previous value (not only its digest) binds the
    // predecessor's logfile and length into this link too, as MARS does.
    const std::string input =
        std::to_string(number) + "," + origin + "," + std::to_string(length) + ":" + previous.str();
    return VersionLink{sha256_hex(input), number, origin, length, previous.digest};
}

std::string version_key(std::uint32_t number, const std::string& host)
{
    char digits[16];
    std::snprintf(digits, sizeof digits, "%09u", number);
    return "version-" + std::string(digits) + "-" + host;
}

std::string abbreviate(std::string_view digest)
{
    return std::string(digest.substr(0, 8));
}

} // namespace mars::history
