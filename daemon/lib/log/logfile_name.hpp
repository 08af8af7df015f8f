// Logfile names: log-<9-digit number>-<origin host>, as in the original MARS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mars::log {

struct LogfileName {
    static constexpr std::uint32_t kMaxNumber = 999999999;

    std::uint32_t number = 0;
    std::string host;

    std::string str() const;
    // nullopt unless `name` is exactly log-<9 digits>-<valid host name>.
    static std::optional<LogfileName> parse(std::string_view name);

    friend bool operator==(const LogfileName&, const LogfileName&) = default;
};

} // namespace mars::log
