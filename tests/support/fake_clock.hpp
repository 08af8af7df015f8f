// A real-time source for tree::LamportClock that moves only when the test
// moves it, so that stamps are predictable.
#pragma once

#include <cstdint>

#include "tree/lamport_clock.hpp"

namespace mars::test {

struct FakeRealtime {
    // Nanoseconds since the epoch; by default late 2025, a plausible time
    // for file modification times.
    std::uint64_t now = 1'764'000'000'000'000'000ull;

    // Reads `now` whenever the clock asks: the FakeRealtime must outlive
    // the clock.
    tree::LamportClock::RealtimeSource source()
    {
        return [this] { return now; };
    }
};

} // namespace mars::test
