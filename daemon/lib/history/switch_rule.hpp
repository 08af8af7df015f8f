// May a host's replay move from logfile N to N+1? (mars-reference §4.4,
// adapted to our versionlinks: version-N is written when a host has finished
// N.) The decision is pure; the caller makes own_version durable (a proof)
// before it moves its replay link to `next`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/version_link.hpp"
#include "log/logfile_name.hpp"

namespace mars::history {

struct SwitchInput {
    std::uint32_t number = 0;                     // N, the logfile replay is in
    std::string origin;                           // its origin
    std::uint64_t replay_offset = 0;              // bytes of N applied (durably) so far
    std::optional<VersionLink> own_previous;      // this host's version-(N-1)
    std::optional<VersionLink> origin_version;    // the origin's version-N: present once the origin finished N
    std::vector<log::LogfileName> known_logfiles; // every logfile name known (local and on peers), any numbers
    bool peer_alive = true;                       // is the origin reachable (only for messages)
    std::string own_host;                         // this host, only for messages ("" = "this host")
};

struct SwitchDecision {
    enum class Kind { proceed, wait, split_brain, error };
    Kind kind = Kind::wait;
    std::string reason;      // for wait/split_brain/error: what exactly is missing or differs
    VersionLink own_version; // proceed: this host's version-N, to be made durable before switching
    log::LogfileName next;   // proceed: log-(N+1)-<origin'>
};

// The checks, in order: two logfiles numbered N+1 or N (split brain); the
// origin has not finished N (wait); our own version-(N-1) is missing (error);
// N not fully applied (wait) or applied beyond the origin's length (split
// brain); our chain for N differs from the origin's (split brain); no N+1
// yet (wait) or only higher numbers (error: a gap).
SwitchDecision decide_switch(const SwitchInput& in);

const char* to_string(SwitchDecision::Kind kind);

} // namespace mars::history
