#include "engine/replayer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "util/system_error.hpp"

namespace mars::engine {

Replayer::Replayer(const BackingDisk& disk, ReplayerOptions options)
    : disk_(disk), options_(options), queue_(disk, std::max(options.max_in_flight, 1u))
{
    options_.max_in_flight = queue_.depth();
}

Replayer::~Replayer()
{
    queue_.drain();
}

void Replayer::check_range(std::uint64_t offset, std::uint64_t length) const
{
    if (offset > disk_.size() || length > disk_.size() - offset)
        util::throw_errno(ERANGE, "write of " + std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                                      " reaches beyond the end of " + disk_.path().string() + " (" +
                                      std::to_string(disk_.size()) + " bytes)");
}

void Replayer::throw_if_failed() const
{
    if (error_ != 0)
        util::throw_errno(-error_, error_message_);
}

void Replayer::write(std::uint64_t offset, std::span<const std::byte> data)
{
    check_range(offset, data.size());
    if (data.empty())
        return;
    auto r = std::make_unique<Request>();
    r->offset = offset;
    r->length = data.size();
    r->data = util::AlignedBuffer::uninitialised(data.size());
    std::memcpy(r->data.data(), data.data(), data.size());
    enqueue(std::move(r));
}

void Replayer::zero(std::uint64_t offset, std::uint64_t length)
{
    check_range(offset, length);
    if (length == 0)
        return;
    auto r = std::make_unique<Request>();
    r->offset = offset;
    r->length = length;
    r->zero = true;
    enqueue(std::move(r));
}

void Replayer::apply(const log::Record& record)
{
    const format::RecordHeader& h = record.header;
    if (h.type != format::RecordType::write)
        return;
    if (h.flags & MARS_LOG_F_ZEROES)
        zero(h.offset, h.payload_len);
    else
        write(h.offset, record.payload);
}

void Replayer::enqueue(std::unique_ptr<Request> request)
{
    throw_if_failed();
    // Bound what is queued: wait for completions until there is room.
    const std::size_t bytes = request->zero ? 0 : request->data.size();
    while (!waiting_.empty() || !in_flight_.empty()) {
        const bool room = waiting_.size() + in_flight_.size() < 2 * options_.max_in_flight &&
                          (queued_bytes_ == 0 || queued_bytes_ + bytes <= options_.max_queued_bytes);
        if (room || error_ != 0)
            break;
        queue_.reap(true);
        start_ready();
    }
    throw_if_failed();
    queued_bytes_ += bytes;
    waiting_.push_back(std::move(request));
    start_ready();
}

bool Replayer::overlaps_in_flight(std::uint64_t offset, std::uint64_t end) const
{
    // in_flight_ holds disjoint ranges: only the last one starting before
    // `end` can reach into [offset, end).
    auto it = in_flight_.lower_bound(end);
    if (it == in_flight_.begin())
        return false;
    --it;
    return it->first + it->second->length > offset;
}

// Starts every waiting request that overlaps neither a request in flight
// nor an earlier waiting one. That is the whole ordering rule.
void Replayer::start_ready()
{
    std::vector<std::pair<std::uint64_t, std::uint64_t>> blocked; // ranges of earlier waiting requests
    for (auto it = waiting_.begin(); it != waiting_.end() && in_flight_.size() < options_.max_in_flight;) {
        Request& r = **it;
        const std::uint64_t end = r.offset + r.length;
        bool wait = overlaps_in_flight(r.offset, end);
        for (std::size_t i = 0; !wait && i < blocked.size(); ++i)
            wait = blocked[i].first < end && r.offset < blocked[i].second;
        if (wait) {
            if (!r.held_back) {
                r.held_back = true;
                ++stats_.held_back;
            }
            blocked.emplace_back(r.offset, end);
            ++it;
            continue;
        }
        std::unique_ptr<Request> owned = std::move(*it);
        it = waiting_.erase(it);
        const std::uint64_t offset = owned->offset;
        Request& started = *owned;
        in_flight_.emplace(offset, std::move(owned));
        stats_.most_in_flight = std::max(stats_.most_in_flight, static_cast<unsigned>(in_flight_.size()));
        auto done = [this, offset](int error, const std::string& message) { finished(offset, error, message); };
        if (started.zero) {
            ++stats_.zeroes;
            queue_.zero(offset, started.length, done);
        } else {
            ++stats_.writes;
            queue_.write(offset, {{started.data.data(), started.data.size()}}, done);
        }
        stats_.bytes += started.length;
    }
}

// Runs inside queue_.reap(): only bookkeeping here; callers start the
// requests this unblocked once reap() returned.
void Replayer::finished(std::uint64_t offset, int error, const std::string& message)
{
    auto it = in_flight_.find(offset);
    if (it == in_flight_.end())
        return;
    if (!it->second->zero)
        queued_bytes_ -= it->second->data.size();
    in_flight_.erase(it);
    if (error != 0 && error_ == 0) {
        error_ = error;
        error_message_ = message;
    }
}

void Replayer::drain()
{
    while (!waiting_.empty() || !in_flight_.empty()) {
        if (error_ != 0) {
            // Nothing more is started after a failure: at or after a failed
            // write nothing may reach the disk out of order.
            waiting_.clear();
            queue_.drain();
            break;
        }
        start_ready();
        queue_.reap(true);
    }
    queued_bytes_ = 0;
    throw_if_failed();
}

void Replayer::sync()
{
    drain();
    disk_.sync();
}

} // namespace mars::engine
