#include "engine/memory_budget.hpp"

#include <algorithm>
#include <cassert>

namespace mars::engine {

MemoryBudget::MemoryBudget(std::size_t limit) : limit_(limit) {}

void MemoryBudget::on_wait(std::function<void()> hook)
{
    std::lock_guard lock(mutex_);
    on_wait_ = std::move(hook);
}

bool MemoryBudget::reserve(std::size_t bytes)
{
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = next_ticket_++;
    auto admissible = [&] { return closed_ || (ticket == serving_ && (used_ + bytes <= limit_ || used_ == 0)); };
    if (!admissible()) {
        ++waiting_;
        ++waits_;
        std::function<void()> hook = on_wait_;
        if (hook) {
            lock.unlock();
            hook();
            lock.lock();
        }
        cv_.wait(lock, admissible);
        --waiting_;
    }
    // Whatever happens, the next ticket gets its turn.
    ++serving_;
    if (closed_) {
        cv_.notify_all();
        return false;
    }
    used_ += bytes;
    peak_ = std::max(peak_, used_);
    cv_.notify_all();
    return true;
}

void MemoryBudget::release(std::size_t bytes)
{
    {
        std::lock_guard lock(mutex_);
        assert(bytes <= used_);
        used_ -= std::min(bytes, used_);
    }
    cv_.notify_all();
}

void MemoryBudget::close()
{
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    cv_.notify_all();
}

std::size_t MemoryBudget::used() const
{
    std::lock_guard lock(mutex_);
    return used_;
}

std::size_t MemoryBudget::peak() const
{
    std::lock_guard lock(mutex_);
    return peak_;
}

unsigned MemoryBudget::waiting() const
{
    std::lock_guard lock(mutex_);
    return waiting_;
}

std::uint64_t MemoryBudget::waits() const
{
    std::lock_guard lock(mutex_);
    return waits_;
}

} // namespace mars::engine
