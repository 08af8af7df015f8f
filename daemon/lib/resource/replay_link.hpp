// The value of resource-<res>/replay-<host>: how far this host has applied
// the resource's log to its disk (mars-reference §3.2).
//
//   log-<N>-<origin>,<offset>,<dirty_length>[,<next_seq>]
//
// The first three fields are MARS's: logfile, offset below which
// everything is applied, and length beyond it that may be partly applied
// (a crash there means replaying it again). The fourth is ours: the
// sequence number of the record at <offset>, so a reader can tell a gap
// from the end of the log. MARS's three-field form still parses, with
// next_seq 0 ("not known").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/replay_position.hpp"

namespace mars::resource {

struct ReplayLink {
    engine::ReplayPosition position;
    std::uint64_t dirty_length = 0;

    // "log-000000003-alpha,4096,0,17"
    std::string str() const;
    // nullopt unless `value` is exactly one of the two forms above, each
    // number plain decimal without sign, blanks or overflow.
    static std::optional<ReplayLink> parse(std::string_view value);

    friend bool operator==(const ReplayLink&, const ReplayLink&) = default;
};

} // namespace mars::resource
