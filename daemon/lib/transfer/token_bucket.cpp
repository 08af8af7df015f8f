#include "transfer/token_bucket.hpp"

#include <algorithm>
#include <thread>

namespace mars::transfer {

namespace {
constexpr std::chrono::milliseconds kSleepSlice{100};
constexpr std::int64_t kNsPerSecond = 1000000000;
// Caps the bucket so the arithmetic below cannot overflow.
constexpr std::uint64_t kMaxTokens = std::uint64_t(1) << 52;
} // namespace

TokenBucket::TokenBucket(std::uint64_t rate, std::uint64_t burst, Clock::time_point start)
    : rate_(std::min(rate, kMaxTokens)),
      burst_(std::min(burst ? burst : std::max<std::uint64_t>(rate / 4, 1), kMaxTokens)),
      tokens_(static_cast<std::int64_t>(burst_)), last_(start)
{
}

std::int64_t TokenBucket::level() const
{
    std::lock_guard lock(mutex_);
    return tokens_;
}

std::chrono::nanoseconds TokenBucket::take(std::uint64_t bytes, Clock::time_point now)
{
    if (rate_ == 0)
        return std::chrono::nanoseconds{0};
    std::lock_guard lock(mutex_);
    if (now > last_) {
        // Refill for the time passed; 128-bit so days of idle time cannot overflow.
        const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count();
        const __int128 refill = static_cast<__int128>(elapsed) * rate_ / kNsPerSecond;
        const __int128 filled = std::min<__int128>(tokens_ + refill, static_cast<__int128>(burst_));
        // Only advance the clock by what was turned into tokens, so sub-token
        // remainders are not lost between frequent small takes.
        if (filled == static_cast<__int128>(burst_))
            last_ = now;
        else
            last_ += std::chrono::nanoseconds(static_cast<std::int64_t>(refill * kNsPerSecond / rate_));
        tokens_ = static_cast<std::int64_t>(filled);
    }
    tokens_ -= static_cast<std::int64_t>(std::min(bytes, kMaxTokens));
    if (tokens_ >= 0)
        return std::chrono::nanoseconds{0};
    // Round up: waiting a nanosecond too long is harmless, too short is not.
    const __int128 debt = -static_cast<__int128>(tokens_);
    return std::chrono::nanoseconds(static_cast<std::int64_t>((debt * kNsPerSecond + rate_ - 1) / rate_));
}

bool TokenBucket::acquire(std::uint64_t bytes, const std::function<bool()>& keep_waiting)
{
    if (rate_ == 0)
        return true;
    const auto until = Clock::now() + take(bytes, Clock::now());
    for (;;) {
        if (keep_waiting && !keep_waiting())
            return false;
        const auto now = Clock::now();
        if (now >= until)
            return true;
        std::this_thread::sleep_for(std::min<Clock::duration>(until - now, kSleepSlice));
    }
}

} // namespace mars::transfer
