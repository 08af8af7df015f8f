// The two halves of a tree exchange, shared by the server, the pullers and
// join-cluster: answering a get_entries from our tree, and merging an
// entries batch into it.
#pragma once

#include <cstdint>
#include <string>

#include "net/channel.hpp"
#include "net/message.hpp"
#include "tree/state_tree.hpp"

namespace mars::gossip {

// Entries per answer frame: the largest entry is about 4.3 KB, so this
// stays far below the frame limit.
inline constexpr std::size_t kEntriesPerAnswer = 2000;

// Our answer to `request`: what changed since the peer's cursor (or
// everything, if the peer knew another epoch of ours).
net::Entries answer_get_entries(const tree::StateTree& tree, tree::LamportClock& clock,
                                const net::GetEntries& request);

struct MergeCount {
    std::size_t applied = 0;
    std::size_t refused = 0; // invalid keys/values or stamps far in the future
    std::string first_refusal;
};

// Merges `entries` with last-writer-wins.
MergeCount merge_entries(tree::StateTree& tree, const std::vector<tree::Entry>& entries);

// Where a puller stands with one peer: that peer's epoch and change cursor.
struct PullCursor {
    std::uint64_t epoch = 0;
    std::uint64_t cursor = 0;
};

// Pulls everything that changed at the peer since `cursor` over an
// established, handshaken channel (several round trips for big answers)
// and merges it. Updates `cursor`. Throws net::NetError.
MergeCount pull(net::Channel& channel, tree::StateTree& tree, PullCursor& cursor, std::chrono::milliseconds timeout);

} // namespace mars::gossip
