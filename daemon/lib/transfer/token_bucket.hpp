// A bandwidth limit: a token bucket that fills at `rate` bytes per second up
// to `burst` bytes. Taking more than is there leaves a debt the caller
// waits off, so a 1 MiB chunk under a 100 KiB/s limit simply waits ~10 s
// instead of being refused. Shared by all connections of a server (one
// limit for everything it sends) and used per client for what it receives.
//
// The accounting (take) is separate from the waiting (acquire) so it can be
// tested with made-up time points.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace mars::transfer {

class TokenBucket {
  public:
    using Clock = std::chrono::steady_clock;

    // rate 0 = unlimited. burst 0 = a quarter second's worth (at least 1 byte).
    // The bucket starts full at `start`.
    explicit TokenBucket(std::uint64_t rate, std::uint64_t burst = 0, Clock::time_point start = Clock::now());

    bool unlimited() const { return rate_ == 0; }
    std::uint64_t rate() const { return rate_; }
    std::uint64_t burst() const { return burst_; }

    // Accounts `bytes` taken at `now` and returns how long the taker must
    // wait before using them (zero while the bucket held enough).
    std::chrono::nanoseconds take(std::uint64_t bytes, Clock::time_point now);

    // Tokens in the bucket at the last take (negative: a debt).
    std::int64_t level() const;

    // take() now, then sleeps off the wait in slices of at most 100 ms,
    // returning false early once keep_waiting() says no (a stopping server,
    // an aborted client).
    bool acquire(std::uint64_t bytes, const std::function<bool()>& keep_waiting = {});

  private:
    const std::uint64_t rate_;
    const std::uint64_t burst_;
    mutable std::mutex mutex_;
    std::int64_t tokens_;
    Clock::time_point last_;
};

} // namespace mars::transfer
