// Which logfiles and versionlinks may go (mars-reference §4.5): a logfile is
// deleted on all replicas or on none, and only once every member has
// replayed past it. One lagging, paused or unknown member blocks everyone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "log/logfile_name.hpp"

namespace mars::history {

// replay_lognr: for every member host, the logfile number its replay link
// points at (nullopt = unknown -> nothing may go; no members -> nothing).
// Returns the logfiles of `local` with number < min over members, never the
// newest of `local` (highest number), ascending, without duplicates.
std::vector<log::LogfileName>
deletable_logfiles(const std::vector<log::LogfileName>& local,
                   const std::map<std::string, std::optional<std::uint32_t>>& replay_lognr);

// Versionlinks live one generation longer: own version numbers <
// (lowest remaining logfile number - 1) may go, because replaying the lowest
// remaining logfile L needs version-(L-1) as the anchor of the chain. The
// highest own version (the chain's head) never goes. Ascending, no duplicates.
std::vector<std::uint32_t> deletable_versions(const std::vector<std::uint32_t>& own_versions,
                                              std::uint32_t lowest_remaining_logfile);

} // namespace mars::history
