#include "history/split_brain.hpp"

#include <set>

namespace mars::history {

namespace {

// Everything known about one logfile number, gathered in a single pass so
// the scan stays linear in the number of links and logfiles.
struct AtNumber {
    std::set<std::string> origins;                   // of logfiles with this number
    std::map<std::string, const VersionLink*> links; // host -> its link for this number
};

std::optional<SplitBrain> duplicate_logfiles(std::uint32_t number, const std::set<std::string>& origins)
{
    if (origins.size() < 2)
        return std::nullopt;
    SplitBrain split{number, {origins.begin(), origins.end()}, {}};
    std::string names;
    for (const auto& o : origins)
        names += (names.empty() ? "" : ", ") + log::LogfileName{number, o}.str();
    split.message = "split brain at log number " + std::to_string(number) + ": " + names +
                    " share the number; two hosts were primary at the same time";
    return split;
}

std::optional<SplitBrain> differing_links(std::uint32_t number, const std::map<std::string, const VersionLink*>& links)
{
    // Group hosts by their link value; one group means agreement.
    std::map<std::string, std::vector<std::string>> by_value;
    for (const auto& [host, link] : links)
        by_value[link->str()].push_back(host);
    if (by_value.size() < 2)
        return std::nullopt;
    SplitBrain split{number, {}, {}};
    std::string groups;
    for (const auto& [value, hosts] : by_value) {
        const VersionLink* link = links.at(hosts.front());
        std::string names;
        for (const auto& h : hosts)
            names += (names.empty() ? "" : ",") + h;
        groups += (groups.empty() ? "" : "; ") + names + ": " + abbreviate(link->digest) + " (" +
                  link->logfile().str() + ", " + std::to_string(link->length) + " bytes, after " +
                  (link->previous_digest.empty() ? std::string("seed") : abbreviate(link->previous_digest)) + ")";
    }
    for (const auto& [host, link] : links)
        split.hosts.push_back(host);
    split.message = "split brain: history diverges at log number " + std::to_string(number) + ": " + groups;
    return split;
}

} // namespace

std::optional<SplitBrain> find_split_brain(const std::map<std::string, std::map<std::uint32_t, VersionLink>>& versions,
                                           const std::vector<log::LogfileName>& logfiles)
{
    std::map<std::uint32_t, AtNumber> by_number;
    for (const auto& name : logfiles)
        by_number[name.number].origins.insert(name.host);
    for (const auto& [host, chain] : versions) {
        for (const auto& [number, link] : chain) {
            auto& at = by_number[number];
            at.links[host] = &link;
            // A seed names no real logfile (its length is 0 and nobody
            // wrote it), so it does not count as one.
            if (!link.previous_digest.empty())
                at.origins.insert(link.origin);
        }
    }
    for (const auto& [number, at] : by_number) {
        if (auto split = duplicate_logfiles(number, at.origins))
            return split;
        if (auto split = differing_links(number, at.links))
            return split;
    }
    return std::nullopt;
}

} // namespace mars::history
