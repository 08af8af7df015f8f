#include "tree/lamport_clock.hpp"

#include <time.h>

#include <algorithm>

namespace mars::tree {

std::uint64_t realtime_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

LamportClock::LamportClock(RealtimeSource realtime) : realtime_(realtime ? std::move(realtime) : realtime_ns) {}

std::uint64_t LamportClock::now()
{
    std::uint64_t real = realtime_();
    std::lock_guard lock(mutex_);
    highest_ = std::max(real, highest_ + 1);
    return highest_;
}

bool LamportClock::observe(std::uint64_t stamp)
{
    std::uint64_t real = realtime_();
    if (stamp > real && stamp - real > kMaxFutureNs)
        return false;
    std::lock_guard lock(mutex_);
    highest_ = std::max(highest_, stamp);
    return true;
}

std::uint64_t LamportClock::highest() const
{
    std::lock_guard lock(mutex_);
    return highest_;
}

} // namespace mars::tree
