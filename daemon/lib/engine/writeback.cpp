#include "engine/writeback.hpp"

#include <pthread.h>
#include <sys/prctl.h>

#include <algorithm>
#include <system_error>

#include "util/logger.hpp"

namespace mars::engine {
namespace {

// One coalesced write takes at most this many extents (one iovec each).
constexpr std::size_t kMaxExtentsPerWrite = 256;

} // namespace

Writeback::Writeback(DirtyData& dirty, const BackingDisk& disk, MemoryBudget& budget, MakeLogDurable make_log_durable,
                     WritebackOptions options)
    : dirty_(dirty), disk_(disk), budget_(budget), make_log_durable_(std::move(make_log_durable)),
      options_(std::move(options)), held_(options_.start_held), position_(dirty.logged_position()),
      queue_(std::make_unique<DiskWriteQueue>(disk, options_.queue_depth))
{
    thread_ = std::thread([this] { run(); });
}

Writeback::~Writeback()
{
    stop(false);
}

void Writeback::hold()
{
    std::lock_guard lock(mutex_);
    held_ = true;
}

void Writeback::release()
{
    {
        std::lock_guard lock(mutex_);
        held_ = false;
        kicked_ = true;
    }
    cv_.notify_all();
}

void Writeback::notify()
{
    cv_.notify_all();
}

std::string Writeback::wait_for(const ReplayPosition& target)
{
    std::unique_lock lock(mutex_);
    ++waiting_for_;
    kicked_ = true;
    cv_.notify_all();
    done_cv_.wait(lock, [&] { return !before(position_, target) || !error_.empty() || exited_; });
    --waiting_for_;
    if (!before(position_, target))
        return {};
    return error_.empty() ? "writeback stopped" : error_;
}

void Writeback::stop(bool final_round)
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        final_round_ = final_round;
    }
    cv_.notify_all();
    if (thread_.joinable())
        thread_.join();
}

ReplayPosition Writeback::position() const
{
    std::lock_guard lock(mutex_);
    return position_;
}

WritebackStats Writeback::stats() const
{
    std::lock_guard lock(mutex_);
    return stats_;
}

std::string Writeback::error() const
{
    std::lock_guard lock(mutex_);
    return error_;
}

// Called with mutex_ held.
bool Writeback::due() const
{
    if (held_ || !error_.empty())
        return false;
    if (kicked_ || waiting_for_ > 0 || budget_.waiting() > 0)
        return true;
    if (dirty_.dirty_bytes() >= options_.start_bytes)
        return true;
    if (auto since = dirty_.dirty_since(); since && DirtyData::Clock::now() - *since >= options_.max_delay)
        return true;
    // Nothing dirty, but the log moved on (a rotation): just publish.
    return dirty_.extent_count() == 0 && before(position_, dirty_.logged_position());
}

// Called with mutex_ held: how long to sleep when no round is due. Events
// that make a round due early (a waiting writer, a waiter, threshold
// crossed) come with a notify(); the age limit is a timer.
std::chrono::milliseconds Writeback::sleep_time() const
{
    using namespace std::chrono;
    auto limit = options_.max_delay;
    if (auto since = dirty_.dirty_since()) {
        auto left = duration_cast<milliseconds>(*since + options_.max_delay - DirtyData::Clock::now());
        limit = std::clamp(left + milliseconds(1), milliseconds(1), limit);
    }
    return std::max(limit, milliseconds(1));
}

void Writeback::run()
{
    pthread_setname_np(pthread_self(), "mars-writeback");
    // Freeing memory is this thread's job: it must not itself get stuck in
    // reclaim waiting for dirty pages of a file system on our own device
    // (userspace frontends). Needs CAP_SYS_RESOURCE; best effort.
    ::prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);
    std::unique_lock lock(mutex_);
    for (;;) {
        if (stopping_) {
            if (final_round_ && !held_ && error_.empty()) {
                lock.unlock();
                bool did_work = false;
                std::string why = round(*queue_, did_work);
                lock.lock();
                if (!why.empty())
                    fail(why);
            }
            break;
        }
        if (!due()) {
            cv_.wait_for(lock, sleep_time());
            continue;
        }
        kicked_ = false;
        lock.unlock();
        bool did_work = false;
        std::string why = round(*queue_, did_work);
        lock.lock();
        if (!why.empty())
            fail(why);
        else if (!did_work)
            // Due but nothing to do (memory is held by writes still on
            // their way to the log): do not spin, wait for news.
            cv_.wait_for(lock, std::chrono::milliseconds(10));
    }
    exited_ = true;
    done_cv_.notify_all();
}

// Called with mutex_ held.
void Writeback::fail(const std::string& why)
{
    if (!error_.empty())
        return;
    error_ = "writeback to " + disk_.path().string() + " failed: " + why;
    util::log(util::Priority::err, error_);
    // Writers must not wait for memory that will never be freed.
    budget_.close();
    done_cv_.notify_all();
}

std::string Writeback::round(DiskWriteQueue& queue, bool& did_work)
{
    WritebackSnapshot snap = dirty_.snapshot();
    const ReplayPosition current = position();
    if (snap.extents.empty() && !before(current, snap.position))
        return {};
    did_work = true;

    WritebackStats added;
    if (!snap.extents.empty()) {
        // With early completion a write can be in the index before its
        // record is durable; the disk must never hold data the log may lose.
        if (std::string why = make_log_durable_(); !why.empty())
            return "making the log durable first: " + why;

        std::string failure;
        auto done = [&failure](int error, const std::string& message) {
            if (error != 0 && failure.empty())
                failure = message;
        };
        const auto& ex = snap.extents;
        for (std::size_t i = 0; i < ex.size() && failure.empty();) {
            const std::uint64_t offset = ex[i].offset;
            std::uint64_t end = ex[i].end();
            std::size_t j = i + 1;
            if (ex[i].is_zero()) {
                while (j < ex.size() && ex[j].is_zero() && ex[j].offset == end)
                    end = ex[j++].end();
                if (options_.observer)
                    options_.observer(offset, end - offset, true);
                queue.zero(offset, end - offset, done);
                ++added.disk_zeroes;
            } else {
                std::vector<iovec> buffers{{const_cast<std::byte*>(ex[i].data()), ex[i].length}};
                while (j < ex.size() && !ex[j].is_zero() && ex[j].offset == end &&
                       end + ex[j].length - offset <= options_.max_write_bytes &&
                       buffers.size() < kMaxExtentsPerWrite) {
                    buffers.push_back({const_cast<std::byte*>(ex[j].data()), ex[j].length});
                    end = ex[j++].end();
                }
                if (options_.observer)
                    options_.observer(offset, end - offset, false);
                queue.write(offset, std::move(buffers), done);
                ++added.disk_writes;
            }
            added.bytes += end - offset;
            i = j;
        }
        queue.drain();
        if (!failure.empty())
            return failure;
        try {
            disk_.sync();
        } catch (const std::system_error& e) {
            return e.what();
        }
        ++added.syncs;
        added.extents = ex.size();
        // Only now may the memory go and the position move: the data is
        // on the disk. The snapshot's references go too, before anyone
        // hears of the new position.
        dirty_.forget(ex);
        snap.extents.clear();
        snap.extents.shrink_to_fit();
    }

    // The owner hears of the new position before any wait_for() returns,
    // so "writeback done" implies "position published".
    if (options_.on_position && before(current, snap.position))
        options_.on_position(snap.position);
    {
        std::lock_guard lock(mutex_);
        if (before(position_, snap.position))
            position_ = snap.position;
        ++stats_.rounds;
        stats_.extents += added.extents;
        stats_.disk_writes += added.disk_writes;
        stats_.disk_zeroes += added.disk_zeroes;
        stats_.bytes += added.bytes;
        stats_.syncs += added.syncs;
    }
    done_cv_.notify_all();
    return {};
}

} // namespace mars::engine
