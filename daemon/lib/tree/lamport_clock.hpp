// The physical Lamport clock that stamps every state-tree entry:
// max(real time, highest stamp seen) and strictly increasing, in
// nanoseconds since the epoch. Stamps from peers advance it, unless they lie
// implausibly far in the future.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

namespace mars::tree {

class LamportClock {
public:
    using RealtimeSource = std::function<std::uint64_t()>;

    // Peers' stamps further ahead of our real time than this are refused.
    static constexpr std::uint64_t kMaxFutureNs = 30ull * 24 * 3600 * 1000000000ull;

    explicit LamportClock(RealtimeSource realtime = {});

    // A fresh stamp: greater than every stamp issued or observed before.
    std::uint64_t now();

    // Takes note of a stamp seen elsewhere (a peer's entry or message) so
    // that later local stamps are newer. Returns false, and ignores the
    // stamp, when it is more than kMaxFutureNs ahead of real time.
    bool observe(std::uint64_t stamp);

    std::uint64_t highest() const;

private:
    RealtimeSource realtime_;
    mutable std::mutex mutex_;
    std::uint64_t highest_ = 0;
};

std::uint64_t realtime_ns();

} // namespace mars::tree
