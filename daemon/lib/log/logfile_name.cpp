#include "log/logfile_name.hpp"

#include <cstdio>

#include "util/host_name.hpp"

namespace mars::log {

std::string LogfileName::str() const
{
    char digits[16];
    std::snprintf(digits, sizeof digits, "%09u", number);
    return "log-" + std::string(digits) + "-" + host;
}

std::optional<LogfileName> LogfileName::parse(std::string_view name)
{
    constexpr std::string_view prefix = "log-";
    if (name.size() < prefix.size() + 9 + 2 || name.substr(0, prefix.size()) != prefix)
        return std::nullopt;
    std::string_view digits = name.substr(prefix.size(), 9);
    std::uint32_t number = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        number = number * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (name[prefix.size() + 9] != '-')
        return std::nullopt;
    std::string_view host = name.substr(prefix.size() + 10);
    if (!util::check_host_name(host).empty())
        return std::nullopt;
    return LogfileName{number, std::string(host)};
}

} // namespace mars::log
