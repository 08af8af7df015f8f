#include "history/log_deletion.hpp"

#include <algorithm>
#include <tuple>

namespace mars::history {

std::vector<log::LogfileName>
deletable_logfiles(const std::vector<log::LogfileName>& local,
                   const std::map<std::string, std::optional<std::uint32_t>>& replay_lognr)
{
    if (local.empty() || replay_lognr.empty())
        return {};
    std::uint32_t min_replay = log::LogfileName::kMaxNumber;
    for (const auto& [host, nr] : replay_lognr) {
        if (!nr)
            return {}; // a member we know nothing about may still need every file
        min_replay = std::min(min_replay, *nr);
    }

    std::vector<log::LogfileName> sorted = local;
    auto key = [](const log::LogfileName& l) { return std::tie(l.number, l.host); };
    std::sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

    // The newest logfile is where writes go (primary) or where replay
    // resumes (secondary); deleting it would lose the current position.
    const std::uint32_t newest = sorted.back().number;
    std::vector<log::LogfileName> out;
    for (const auto& name : sorted)
        if (name.number < min_replay && name.number < newest)
            out.push_back(name);
    return out;
}

std::vector<std::uint32_t> deletable_versions(const std::vector<std::uint32_t>& own_versions,
                                              std::uint32_t lowest_remaining_logfile)
{
    if (own_versions.empty() || lowest_remaining_logfile < 1)
        return {};
    std::vector<std::uint32_t> sorted = own_versions;
    std::sort(sorted.begin(), sorted.end());
    sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

    const std::uint32_t head = sorted.back();
    std::vector<std::uint32_t> out;
    for (std::uint32_t n : sorted)
        if (n < lowest_remaining_logfile - 1 && n != head)
            out.push_back(n);
    return out;
}

} // namespace mars::history
