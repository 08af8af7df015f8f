// The memory limit of the dirty index: writes reserve their bytes before
// they are accepted and give them back when writeback has put the data on
// the disk. When the limit is reached, new writes wait (back-pressure);
// they never fail for lack of memory.
//
// Why this cannot deadlock: reserved memory belongs to writes that are
// either on their way to the log (which never waits for memory) or in the
// dirty index (which writeback drains without needing memory). Waiters are
// served first come, first served, so a large write is not starved by small
// ones, and a single request larger than the whole limit is admitted once
// nothing else is reserved.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

namespace mars::engine {

class MemoryBudget {
  public:
    explicit MemoryBudget(std::size_t limit);

    // Called (without locks held) each time a reservation has to wait, so
    // the owner can start writeback early.
    void on_wait(std::function<void()> hook);

    // Blocks until `bytes` fit. Returns false if the budget was closed.
    bool reserve(std::size_t bytes);
    void release(std::size_t bytes);

    // Fails every current and future reservation (the data path broke or
    // stops); releases still work.
    void close();

    std::size_t limit() const { return limit_; }
    std::size_t used() const;
    std::size_t peak() const;    // highest use seen
    unsigned waiting() const;    // reservations waiting right now
    std::uint64_t waits() const; // reservations that had to wait, ever

  private:
    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t used_ = 0;
    std::size_t peak_ = 0;
    std::uint64_t next_ticket_ = 0; // FIFO order of reservations
    std::uint64_t serving_ = 0;
    unsigned waiting_ = 0;
    std::uint64_t waits_ = 0;
    bool closed_ = false;
    std::function<void()> on_wait_;
};

} // namespace mars::engine
