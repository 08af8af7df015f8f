// Split-brain detection over everything the tree says (mars-reference §5.2):
// the check marsadm view and marsd run across all hosts of a resource.
// Because version-N is written only when a host has finished N, links of two
// hosts for the same N must be equal; a host that is merely behind has fewer
// links, not different ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "history/version_link.hpp"
#include "log/logfile_name.hpp"

namespace mars::history {

struct SplitBrain {
    std::uint32_t number = 0;       // the logfile number where histories part
    std::vector<std::string> hosts; // the origins (duplicate logfiles) or the hosts whose links differ, sorted
    std::string message;
};

// versions: host -> (N -> that host's version-N value, already parsed;
// unparsable ones the caller reports separately). Split brain when two
// logfiles share a number (different origins; logfiles named by versionlinks
// count too), or two hosts' links for the same N differ. Returns the earliest
// split (lowest N).
std::optional<SplitBrain> find_split_brain(const std::map<std::string, std::map<std::uint32_t, VersionLink>>& versions,
                                           const std::vector<log::LogfileName>& logfiles);

} // namespace mars::history
