#include "history/switch_rule.hpp"

#include <set>

namespace mars::history {

namespace {

using Kind = SwitchDecision::Kind;

SwitchDecision refuse(Kind kind, std::string reason)
{
    SwitchDecision d;
    d.kind = kind;
    d.reason = std::move(reason);
    return d;
}

std::string log_name(std::uint32_t number, const std::string& origin)
{
    return log::LogfileName{number, origin}.str();
}

// Distinct origins of the known logfiles numbered `number`, plus `also`.
std::set<std::string> origins_of(const std::vector<log::LogfileName>& known, std::uint32_t number,
                                 const std::string* also = nullptr)
{
    std::set<std::string> origins;
    for (const auto& name : known)
        if (name.number == number)
            origins.insert(name.host);
    if (also)
        origins.insert(*also);
    return origins;
}

std::string duplicate_message(std::uint32_t number, const std::set<std::string>& origins)
{
    std::string names;
    for (const auto& o : origins)
        names += (names.empty() ? "" : ", ") + log_name(number, o);
    return "split brain: " + std::to_string(origins.size()) + " logfiles share number " + std::to_string(number) +
           " (" + names + "); two hosts were primary at the same time";
}

std::string describe(const VersionLink& v)
{
    return abbreviate(v.digest) + " (" + v.logfile().str() + ", " + std::to_string(v.length) + " bytes, after " +
           (v.previous_digest.empty() ? std::string("seed") : abbreviate(v.previous_digest)) + ")";
}

} // namespace

const char* to_string(SwitchDecision::Kind kind)
{
    switch (kind) {
    case Kind::proceed:
        return "proceed";
    case Kind::wait:
        return "wait";
    case Kind::split_brain:
        return "split-brain";
    case Kind::error:
        return "error";
    }
    return "?";
}

SwitchDecision decide_switch(const SwitchInput& in)
{
    const std::uint32_t n = in.number;
    const std::string current = log_name(n, in.origin);
    const std::string me = in.own_host.empty() ? std::string("this host") : in.own_host;

    if (n >= log::LogfileName::kMaxNumber)
        return refuse(Kind::error, current + " is the last possible logfile number; there is no next logfile");

    // Two origins for one number means two primaries wrote concurrently;
    // whichever we picked, we would mix two histories.
    if (auto next = origins_of(in.known_logfiles, n + 1); next.size() >= 2)
        return refuse(Kind::split_brain, duplicate_message(n + 1, next));
    if (auto cur = origins_of(in.known_logfiles, n, &in.origin); cur.size() >= 2)
        return refuse(Kind::split_brain, duplicate_message(n, cur));

    if (!in.origin_version)
        return refuse(Kind::wait, current + " not finished at " + in.origin + " yet (no " + version_key(n, in.origin) +
                                      ")" + (in.peer_alive ? "" : "; " + in.origin + " is not reachable"));
    const VersionLink& theirs = *in.origin_version;
    if (theirs.number != n)
        return refuse(Kind::error, "the origin's versionlink given for " + current + " is for log number " +
                                       std::to_string(theirs.number));
    // The origin finished a different log N than the one we replay: its
    // history has another logfile at N.
    if (theirs.origin != in.origin)
        return refuse(Kind::split_brain, "split brain: " + version_key(n, in.origin) + " names " +
                                             theirs.logfile().str() + ", but " + me + " replays " + current);

    // Our own link for N-1 is the anchor of our chain; without it we cannot
    // prove what we applied before N (mars-reference §5.3).
    if (n == 0 || !in.own_previous)
        return refuse(Kind::error,
                      "history chain of " + me + " has a hole: " +
                          (n == 0 ? std::string("log number 0 has no predecessor")
                                  : version_key(n - 1, in.own_host.empty() ? "<own>" : in.own_host) + " is missing") +
                          "; cannot prove the history before " + current);
    if (in.own_previous->number != n - 1)
        return refuse(Kind::error, "own versionlink given as version-(N-1) for " + current + " is for log number " +
                                       std::to_string(in.own_previous->number));

    if (in.replay_offset < theirs.length)
        return refuse(Kind::wait, "replay of " + current + " applied " + std::to_string(in.replay_offset) + " of " +
                                      std::to_string(theirs.length) + " bytes" +
                                      (in.peer_alive ? "" : "; " + in.origin + " is not reachable"));
    if (in.replay_offset > theirs.length)
        return refuse(Kind::split_brain, "split brain: " + me + " applied " + std::to_string(in.replay_offset) +
                                             " bytes of " + current + " but " + in.origin + " finished it at " +
                                             std::to_string(theirs.length) + " bytes");

    VersionLink own = chain(*in.own_previous, n, in.origin, in.replay_offset);
    if (own.digest != theirs.digest || own.previous_digest != theirs.previous_digest)
        return refuse(Kind::split_brain, "split brain: history diverges at " + current + ": " + me + " has " +
                                             describe(own) + ", " + in.origin + " has " + describe(theirs));

    std::vector<log::LogfileName> candidates;
    std::optional<log::LogfileName> beyond; // the lowest logfile after a gap
    for (const auto& name : in.known_logfiles) {
        if (name.number == n + 1)
            candidates.push_back(name);
        else if (name.number > n + 1 && (!beyond || name.number < beyond->number))
            beyond = name;
    }
    const std::string next_number = log_name(n + 1, "*");
    if (candidates.empty()) {
        // MARS stops secondaries at a gap: what lies between is unknown, so
        // skipping it could apply writes on top of missing ones.
        if (beyond)
            return refuse(Kind::error, "gap in the logfiles: " + next_number + " is missing but " + beyond->str() +
                                           " exists; replay stops after " + current);
        return refuse(Kind::wait, "no " + next_number + " yet after " + current +
                                      (in.peer_alive ? "" : "; " + in.origin + " is not reachable"));
    }

    SwitchDecision d;
    d.kind = Kind::proceed;
    d.own_version = std::move(own);
    d.next = candidates.front();
    return d;
}

} // namespace mars::history
