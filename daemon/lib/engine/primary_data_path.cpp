#include "engine/primary_data_path.hpp"

#include <cerrno>
#include <cstring>
#include <future>
#include <new>
#include <system_error>

namespace mars::engine {
namespace {

IoResult from_log(const log::WriteResult& r)
{
    IoResult out;
    out.error = r.error;
    out.message = r.message;
    out.logfile_number = r.logfile_number;
    out.first_seq = r.first_seq;
    out.last_seq = r.last_seq;
    return out;
}

template <typename Submit> IoResult wait_for(Submit&& submit)
{
    std::promise<IoResult> promise;
    auto future = promise.get_future();
    submit([&promise](const IoResult& r) { promise.set_value(r); });
    return future.get();
}

} // namespace

PrimaryDataPath::PrimaryDataPath(DataPathOptions options)
    : options_(std::move(options)), disk_(options_.disk, options_.size, options_.disk_options),
      budget_(options_.memory_limit),
      dirty_(ReplayPosition{options_.log.logfile_number, options_.log.host, 0, options_.log.first_seq})
{
    log_ = std::make_unique<log::LogWriter>(options_.log);
    const bool early = options_.log.completion == log::CompletionMode::early;
    auto make_log_durable = [this, early]() -> std::string {
        if (!early)
            return {}; // every completed write is durable already
        std::lock_guard lock(log_mutex_);
        if (!log_)
            return {}; // the writer made everything durable when it stopped
        log::WriteResult r = log_->flush();
        return r.ok() ? std::string() : r.message;
    };
    writeback_ = std::make_unique<Writeback>(dirty_, disk_, budget_, make_log_durable, options_.writeback);
    budget_.on_wait([this] { writeback_->notify(); });
}

PrimaryDataPath::~PrimaryDataPath()
{
    {
        // Completes every queued request; their data enters the index.
        std::lock_guard lock(log_mutex_);
        log_.reset();
    }
    writeback_->stop(true);
    writeback_.reset();
    budget_.close();
}

IoResult PrimaryDataPath::check(std::uint64_t offset, std::uint64_t length, const char* what) const
{
    IoResult r;
    auto describe = [&] {
        return std::string(what) + " of " + std::to_string(length) + " bytes at offset " + std::to_string(offset);
    };
    if (length == 0) {
        r.error = -EINVAL;
        r.message = "empty " + std::string(what) + " at offset " + std::to_string(offset);
    } else if (offset % kSectorSize != 0 || length % kSectorSize != 0) {
        r.error = -EINVAL;
        r.message = describe() + " is not aligned to " + std::to_string(kSectorSize) + " bytes";
    } else if (offset > options_.size || length > options_.size - offset) {
        r.error = -ENOSPC;
        r.message = describe() + " reaches beyond the end of the device (" + std::to_string(options_.size) + " bytes)";
    }
    return r;
}

IoResult PrimaryDataPath::stopped_result() const
{
    std::string why = writeback_->error();
    return {-EIO, why.empty() ? "the data path is stopping" : why};
}

ReplayPosition PrimaryDataPath::position_after(const log::WriteResult& r) const
{
    // After a rotation the result names the new logfile and offset 0.
    return {r.logfile_number, options_.log.host, r.end_offset, r.last_seq + 1};
}

void PrimaryDataPath::submit_write(std::uint64_t offset, std::span<const std::byte> data, WriteFlags flags,
                                   IoCompletion done)
{
    if (IoResult bad = check(offset, data.size(), "write"); !bad.ok()) {
        done(bad);
        return;
    }
    const std::size_t charge = data.size() + Chunk::kOverhead;
    if (!budget_.reserve(charge)) {
        done(stopped_result());
        return;
    }
    std::shared_ptr<Chunk> chunk;
    try {
        chunk = Chunk::data(data.size(), &budget_, charge);
    } catch (const std::bad_alloc&) {
        budget_.release(charge);
        done({-ENOMEM, "no memory for a write of " + std::to_string(data.size()) + " bytes"});
        return;
    }
    std::memcpy(chunk->bytes().data(), data.data(), data.size());
    submit_logged(offset, std::move(chunk), flags, std::move(done));
}

void PrimaryDataPath::submit_zeroes(std::uint64_t offset, std::uint64_t length, WriteFlags flags, IoCompletion done)
{
    if (IoResult bad = check(offset, length, "discard"); !bad.ok()) {
        done(bad);
        return;
    }
    if (!budget_.reserve(Chunk::kOverhead)) {
        done(stopped_result());
        return;
    }
    submit_logged(offset, Chunk::zeroes(length, &budget_, Chunk::kOverhead), flags, std::move(done));
}

void PrimaryDataPath::submit_logged(std::uint64_t offset, std::shared_ptr<Chunk> chunk, WriteFlags flags,
                                    IoCompletion done)
{
    log::WriteRequest request;
    request.offset = offset;
    request.fua = flags.fua;
    request.preflush = flags.preflush;
    if (chunk->is_zero())
        request.zero_length = chunk->length();
    else
        request.data = chunk->bytes();
    // The completion keeps the chunk alive while the log writer reads it.
    log_->submit(request, [this, offset, chunk, done = std::move(done)](const log::WriteResult& r) {
        if (r.ok()) {
            // Into the index before the acknowledgement: a read issued
            // after completion must see the data.
            auto inserted = dirty_.logged_write(offset, chunk, position_after(r));
            if (inserted.became_dirty || inserted.dirty_bytes >= options_.writeback.start_bytes ||
                budget_.waiting() > 0)
                writeback_->notify();
        }
        if (done)
            done(from_log(r));
    });
}

void PrimaryDataPath::submit_flush(IoCompletion done)
{
    log_->submit_flush([done = std::move(done)](const log::WriteResult& r) {
        if (done)
            done(from_log(r));
    });
}

void PrimaryDataPath::submit_rotate(std::uint32_t number, IoCompletion done)
{
    log::LogWriter* writer = log_.get(); // log_ is already null while the writer shuts down
    writer->submit_rotate(number, [this, writer, done = std::move(done)](const log::WriteResult& r) {
        if (r.ok()) {
            // The result names the new logfile, but the old one may end
            // with a padding record after the rotate marker, which takes a
            // sequence number too. The writer's own position, read on its
            // thread right after the switch (no later batch can have
            // started: a rotation ends its batch), has the exact next seq.
            // Should that ever not hold, the position just stays before
            // the marker, which is correct too.
            log::LogPosition p = writer->position();
            if (p.logfile_number == r.logfile_number && p.end_offset == 0 && p.next_seq > r.last_seq) {
                dirty_.logged({p.logfile_number, options_.log.host, 0, p.next_seq});
                writeback_->notify();
            }
        }
        if (done)
            done(from_log(r));
    });
}

IoResult PrimaryDataPath::read(std::uint64_t offset, std::span<std::byte> out)
{
    if (IoResult bad = check(offset, out.size(), "read"); !bad.ok())
        return bad;
    try {
        // Chunks are immutable and the lookup holds references to them, so
        // copying happens without the index lock. The gaps are not dirty:
        // the disk holds their newest data, and writeback never writes
        // there while they are gaps.
        const std::vector<DirtyExtent> pieces = dirty_.lookup(offset, out.size());
        auto from_disk = [&](std::uint64_t from, std::uint64_t to) {
            if (to > from)
                disk_.read(from, out.subspan(from - offset, to - from));
        };
        std::uint64_t pos = offset;
        for (const DirtyExtent& p : pieces) {
            from_disk(pos, p.offset);
            std::byte* dst = out.data() + (p.offset - offset);
            if (p.is_zero())
                std::memset(dst, 0, p.length);
            else
                std::memcpy(dst, p.data(), p.length);
            pos = p.end();
        }
        from_disk(pos, offset + out.size());
    } catch (const std::system_error& e) {
        return {-e.code().value(), e.what()};
    }
    return {};
}

IoResult PrimaryDataPath::write(std::uint64_t offset, std::span<const std::byte> data, WriteFlags flags)
{
    return wait_for([&](IoCompletion c) { submit_write(offset, data, flags, std::move(c)); });
}

IoResult PrimaryDataPath::zeroes(std::uint64_t offset, std::uint64_t length, WriteFlags flags)
{
    return wait_for([&](IoCompletion c) { submit_zeroes(offset, length, flags, std::move(c)); });
}

IoResult PrimaryDataPath::flush()
{
    return wait_for([&](IoCompletion c) { submit_flush(std::move(c)); });
}

IoResult PrimaryDataPath::rotate(std::uint32_t number)
{
    return wait_for([&](IoCompletion c) { submit_rotate(number, std::move(c)); });
}

void PrimaryDataPath::hold_writeback()
{
    writeback_->hold();
}

void PrimaryDataPath::release_writeback()
{
    writeback_->release();
}

IoResult PrimaryDataPath::wait_writeback()
{
    std::string why = writeback_->wait_for(dirty_.logged_position());
    if (why.empty())
        return {};
    return {-EIO, why};
}

ReplayPosition PrimaryDataPath::writeback_position() const
{
    return writeback_->position();
}

ReplayPosition PrimaryDataPath::logged_position() const
{
    return dirty_.logged_position();
}

DataPathStats PrimaryDataPath::stats() const
{
    DataPathStats s;
    s.dirty_bytes = dirty_.dirty_bytes();
    s.dirty_extents = dirty_.extent_count();
    s.memory_used = budget_.used();
    s.memory_peak = budget_.peak();
    s.memory_limit = budget_.limit();
    s.memory_waiting = budget_.waiting();
    s.memory_waits = budget_.waits();
    s.writeback = writeback_->stats();
    s.log = log_->stats();
    return s;
}

} // namespace mars::engine
