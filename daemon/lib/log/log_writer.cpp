#include "log/log_writer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "format/crc32c.hpp"
#include "log/append_buffer.hpp"
#include "log/logfile_create.hpp"
#include "log/logfile_name.hpp"
#include "util/durable.hpp"
#include "util/host_name.hpp"
#include "util/io_ring.hpp"
#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace mars::log {
namespace {

using format::RecordHeader;
using format::RecordType;

// One record-to-be of a write request: a slice of the caller's data, or of
// its compressed copy, with the checksum already computed.
struct Piece {
    std::uint64_t device_offset = 0;
    std::uint32_t payload_len = 0;
    std::uint16_t flags = 0;
    std::span<const std::byte> stored;
    std::uint32_t stored_crc = 0;
};

enum class Kind { write, flush, rotate };

struct Pending {
    Kind kind = Kind::write;
    std::vector<Piece> pieces;
    std::vector<std::vector<std::byte>> compressed; // owns compressed pieces
    bool wants_durable = false;                     // FUA, preflush, flush, rotate
    std::uint32_t rotate_to = 0;
    Completion done;
    WriteResult result;

    std::size_t record_bytes() const
    {
        std::size_t n = 0;
        for (const auto& p : pieces)
            n += format::record_size(p.stored.size());
        return n;
    }
};

// An append on its way to the disk, and the requests it completes.
struct Batch {
    enum class Op : std::uint8_t { write, sync };
    struct OpTag {
        Batch* batch;
        Op op;
    };

    Batch() = default;
    Batch(const Batch&) = delete; // the tags point at the batch itself
    Batch& operator=(const Batch&) = delete;

    AppendBuffer buffer;
    int fd = -1;
    std::uint64_t file_offset = 0;
    std::size_t written = 0;
    bool needs_sync = false;
    bool write_done = false;
    bool sync_submitted = false;
    bool sync_done = false;
    int error = 0;
    std::string error_message;
    std::vector<std::unique_ptr<Pending>> requests;
    Pending* rotation = nullptr; // switch logfiles once this batch is durable
    OpTag write_tag{this, Op::write};
    OpTag sync_tag{this, Op::sync};

    std::uint64_t end_offset() const { return file_offset + buffer.size(); }

    // Ready for reuse; keeps the buffer's memory (and the tags' address).
    void reset()
    {
        fd = -1;
        file_offset = 0;
        written = 0;
        needs_sync = write_done = sync_submitted = sync_done = false;
        error = 0;
        error_message.clear();
        requests.clear();
        rotation = nullptr;
        buffer.reset(0);
    }
    bool finished() const { return error != 0 || (write_done && (!needs_sync || sync_done)); }
};

std::uint64_t realtime_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

} // namespace

class LogWriter::Engine {
public:
    explicit Engine(WriterOptions options) : opt_(std::move(options))
    {
        if (auto why = util::check_host_name(opt_.host); !why.empty())
            throw std::invalid_argument("log writer: " + why);
        if (opt_.alignment < format::kRecordAlign || (opt_.alignment & (opt_.alignment - 1)) != 0)
            throw std::invalid_argument("log writer: alignment must be a power of two >= 8");
        if (opt_.max_record_payload == 0 || opt_.max_record_payload > format::kMaxPayload)
            opt_.max_record_payload = format::kMaxPayload;
        if (opt_.first_seq == 0)
            throw std::invalid_argument("log writer: record sequence numbers start at 1");
        if (opt_.max_inflight_batches == 0)
            opt_.max_inflight_batches = 1;
        if (!opt_.clock)
            opt_.clock = [last = std::uint64_t{0}]() mutable {
                last = std::max(last + 1, realtime_ns());
                return last;
            };
        open_current(opt_.logfile_number);
        next_seq_ = opt_.first_seq;
        publish_position();

        wake_fd_.reset(::eventfd(0, EFD_CLOEXEC));
        if (!wake_fd_)
            util::throw_errno("eventfd for log writer");
        ring_ = std::make_unique<util::IoRing>(4 * opt_.max_inflight_batches + 8);
        thread_ = std::thread([this] { run(); });
    }

    ~Engine()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake();
        thread_.join();
    }

    void enqueue(std::unique_ptr<Pending> p)
    {
        bool was_empty;
        {
            std::lock_guard lock(mutex_);
            was_empty = queue_.empty();
            queue_.push_back(std::move(p));
        }
        // The writer thread only sleeps with an empty queue, so waking it on
        // the empty -> non-empty transition is enough.
        if (was_empty)
            wake();
    }

    const WriterOptions& options() const { return opt_; }

    LogPosition position() const
    {
        std::lock_guard lock(position_mutex_);
        return position_;
    }

    std::filesystem::path current_path() const
    {
        std::lock_guard lock(position_mutex_);
        return current_path_;
    }

    bool direct_io_active() const { return direct_active_; }

private:
    void wake()
    {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
    }

    std::filesystem::path logfile_path(std::uint32_t number) const
    {
        return opt_.directory / LogfileName{number, opt_.host}.str();
    }

    void open_current(std::uint32_t number)
    {
        if (number == 0 || number > LogfileName::kMaxNumber)
            throw std::invalid_argument("log writer: logfile number " + std::to_string(number) + " out of range");
        auto path = logfile_path(number);
        bool direct = false;
        fd_ = create_logfile(path, opt_.direct_io, direct);
        direct_active_ = direct;
        logfile_number_ = number;
        end_offset_ = 0;
        durable_offset_ = 0;
        std::lock_guard lock(position_mutex_);
        current_path_ = path;
    }

    void publish_position()
    {
        std::lock_guard lock(position_mutex_);
        position_ = {logfile_number_, end_offset_, durable_offset_, next_seq_};
        published_stats_ = stats_;
    }

public:
    WriterStats stats() const
    {
        std::lock_guard lock(position_mutex_);
        return published_stats_;
    }

private:

    // ---- the writer thread -------------------------------------------------

    void run()
    {
        pthread_setname_np(pthread_self(), "mars-log");
        arm_wakeup();
        for (;;) {
            // Do all the work there is before sleeping: a finished batch
            // frees a slot for the next one, and a batch without bytes to
            // write (a flush with nothing to flush) finishes at once.
            bool progress;
            do {
                reap_completions();
                progress = finish_batches();
                fail_queued_if_broken();
                while (can_start_batch() && start_batch())
                    progress = true;
                progress = start_idle_sync() || progress;
            } while (progress);
            if (done_stopping())
                break;
            int rc = io_uring_submit_and_wait(ring_->get(), 1);
            if (rc < 0 && rc != -EINTR)
                fail("io_uring_submit_and_wait", -rc);
        }
    }

    void arm_wakeup()
    {
        io_uring_sqe* sqe = ring_->next_sqe();
        io_uring_prep_read(sqe, wake_fd_.get(), &wake_counter_, sizeof wake_counter_, 0);
        io_uring_sqe_set_data(sqe, nullptr);
    }

    bool done_stopping()
    {
        std::lock_guard lock(mutex_);
        return stopping_ && queue_.empty() && inflight_.empty() &&
               (durable_offset_ == end_offset_ || failed_error_ != 0);
    }

    // A new append starts only once the previous one's write has completed
    // (while its fdatasync may still run): the next write overlaps the
    // sync, and requests arriving meanwhile gather into one big append
    // instead of being spread over many small ones.
    bool can_start_batch() const
    {
        return inflight_.size() < opt_.max_inflight_batches && !rotation_in_flight_ &&
               (inflight_.empty() || inflight_.back()->write_done);
    }

    void reap_completions()
    {
        io_uring_cqe* cqe;
        while (io_uring_peek_cqe(ring_->get(), &cqe) == 0) {
            auto* tag = static_cast<Batch::OpTag*>(io_uring_cqe_get_data(cqe));
            int res = cqe->res;
            io_uring_cqe_seen(ring_->get(), cqe);
            if (!tag) {
                arm_wakeup();
                continue;
            }
            if (tag->op == Batch::Op::write)
                on_write_done(*tag->batch, res);
            else
                on_sync_done(*tag->batch, res);
        }
    }

    void on_write_done(Batch& b, int res)
    {
        if (res <= 0) {
            batch_error(b, res == 0 ? EIO : -res, "appending " + std::to_string(b.buffer.size() - b.written) +
                                                       " bytes to " + current_path_.string() + " at offset " +
                                                       std::to_string(b.file_offset + b.written));
            return;
        }
        b.written += static_cast<std::size_t>(res);
        if (b.written < b.buffer.size())
            submit_write(b); // short write: continue where it stopped
        else
            b.write_done = true;
    }

    void on_sync_done(Batch& b, int res)
    {
        if (res < 0) {
            batch_error(b, -res, "fdatasync of " + current_path_.string());
            return;
        }
        b.sync_done = true;
    }

    void batch_error(Batch& b, int err, const std::string& what)
    {
        b.error = err;
        b.error_message = what + ": " + std::strerror(err);
        fail(b.error_message, err);
    }

    // After a failed write or fdatasync nothing about the file can be
    // trusted (Linux may have dropped the dirty pages): refuse everything
    // from here on. The owner starts a new writer on a new logfile.
    void fail(const std::string& message, int err)
    {
        if (failed_error_ == 0) {
            failed_error_ = err;
            failed_message_ = message;
        }
    }

    void submit_write(Batch& b)
    {
        io_uring_sqe* sqe = ring_->next_sqe();
        io_uring_prep_write(sqe, b.fd, b.buffer.data() + b.written, static_cast<unsigned>(b.buffer.size() - b.written),
                            b.file_offset + b.written);
        io_uring_sqe_set_data(sqe, &b.write_tag);
    }

    void submit_sync(Batch& b)
    {
        io_uring_sqe* sqe = ring_->next_sqe();
        io_uring_prep_fsync(sqe, b.fd, IORING_FSYNC_DATASYNC);
        ++stats_.syncs;
        io_uring_sqe_set_data(sqe, &b.sync_tag);
        b.sync_submitted = true;
    }

    // Submits the fdatasync of a batch only once its own write and the
    // writes of all earlier batches have completed: then that one sync
    // covers every byte up to the batch's end, and durable_offset_ can
    // simply move to it.
    void submit_ready_syncs()
    {
        bool earlier_written = true;
        for (auto& b : inflight_) {
            if (b->error)
                return;
            if (b->needs_sync && !b->sync_submitted && b->write_done && earlier_written)
                submit_sync(*b);
            earlier_written = earlier_written && b->write_done;
        }
    }

    // Completes the requests of finished batches, oldest first. Returns
    // whether any batch finished.
    bool finish_batches()
    {
        submit_ready_syncs();
        bool any = false;
        while (!inflight_.empty() && inflight_.front()->finished()) {
            std::unique_ptr<Batch> b = std::move(inflight_.front());
            inflight_.pop_front();
            if (b->needs_sync && b->sync_done && !b->error)
                durable_offset_ = std::max(durable_offset_, b->end_offset());
            if (b->rotation && failed_error_ == 0)
                switch_logfile(*b->rotation);
            rotation_in_flight_ = rotation_in_flight_ && !b->rotation;
            publish_position();
            for (auto& p : b->requests)
                complete(*p);
            b->requests.clear();
            b->rotation = nullptr;
            spare_.push_back(std::move(b));
            any = true;
        }
        submit_ready_syncs();
        return any;
    }

    void switch_logfile(Pending& rotate)
    {
        std::uint32_t next = rotate.rotate_to ? rotate.rotate_to : logfile_number_ + 1;
        if (next <= logfile_number_) {
            rotate.result.error = -EINVAL;
            rotate.result.message = "cannot rotate from logfile " + std::to_string(logfile_number_) + " to " +
                                    std::to_string(next) + ": numbers only grow";
            return;
        }
        try {
            open_current(next);
            rotate.result.logfile_number = next;
            rotate.result.end_offset = 0;
        } catch (const std::system_error& e) {
            // The old file ended durably with its rotate marker; appending
            // more to it would contradict that marker.
            fail(e.what(), e.code().value());
        }
    }

    void complete(Pending& p)
    {
        if (failed_error_ != 0 && p.result.error == 0) {
            p.result.error = -failed_error_;
            p.result.message = failed_message_;
        }
        if (p.done)
            p.done(p.result);
    }

    void fail_queued_if_broken()
    {
        if (failed_error_ == 0)
            return;
        std::deque<std::unique_ptr<Pending>> doomed;
        {
            std::lock_guard lock(mutex_);
            doomed.swap(queue_);
        }
        for (auto& p : doomed)
            complete(*p);
    }

    std::unique_ptr<Batch> take_spare_batch()
    {
        if (spare_.empty())
            return std::make_unique<Batch>();
        auto b = std::move(spare_.back());
        spare_.pop_back();
        b->reset();
        return b;
    }

    // Takes queued requests into one append and submits it. Returns false
    // if there was nothing to take.
    bool start_batch()
    {
        std::vector<std::unique_ptr<Pending>> taken;
        std::size_t bytes = 0;
        {
            std::lock_guard lock(mutex_);
            while (!queue_.empty()) {
                Pending& next = *queue_.front();
                std::size_t need = next.record_bytes() + (next.kind == Kind::rotate ? format::kHeaderSize : 0);
                if (!taken.empty() && bytes + need > opt_.max_batch_bytes)
                    break;
                bytes += need;
                taken.push_back(std::move(queue_.front()));
                queue_.pop_front();
                if (taken.back()->kind == Kind::rotate)
                    break; // later requests belong to the next logfile
            }
        }
        if (taken.empty())
            return false;

        auto batch = take_spare_batch();
        batch->buffer.reset(bytes + AppendBuffer::max_padding(opt_.alignment));
        batch->fd = fd_.get();
        batch->file_offset = end_offset_;
        bool has_data = false;
        for (auto& p : taken) {
            encode_request(*p, *batch);
            has_data = has_data || !p->pieces.empty();
            batch->needs_sync = batch->needs_sync || p->wants_durable;
            if (p->kind == Kind::rotate)
                batch->rotation = p.get();
        }
        if (direct_active_ && batch->buffer.size() % opt_.alignment != 0)
            batch->buffer.pad(opt_.alignment, next_header(RecordType::padding));
        if (opt_.completion == CompletionMode::durable && has_data)
            batch->needs_sync = true;
        if (batch->needs_sync && batch->buffer.size() == 0 && durable_offset_ == end_offset_ && inflight_.empty())
            batch->needs_sync = false; // a flush with nothing to flush
        end_offset_ += batch->buffer.size();
        for (auto& p : taken)
            if (p->result.logfile_number == 0)
                p->result.logfile_number = logfile_number_;
        batch->requests = std::move(taken);
        if (batch->buffer.size() > 0) {
            ++stats_.appends;
            stats_.bytes += batch->buffer.size();
            submit_write(*batch);
        }
        else
            batch->write_done = true;
        rotation_in_flight_ = batch->rotation != nullptr;
        inflight_.push_back(std::move(batch));
        publish_position();
        submit_ready_syncs();
        return true;
    }

    RecordHeader next_header(RecordType type)
    {
        RecordHeader h;
        h.type = type;
        h.seq = next_seq_++;
        ++stats_.records;
        h.stamp_ns = opt_.clock();
        h.durable = durable_offset_;
        return h;
    }

    void encode_request(Pending& p, Batch& b)
    {
        for (const Piece& piece : p.pieces) {
            RecordHeader h = next_header(RecordType::write);
            h.flags = piece.flags;
            h.offset = piece.device_offset;
            h.payload_len = piece.payload_len;
            if (p.result.first_seq == 0)
                p.result.first_seq = h.seq;
            p.result.last_seq = h.seq;
            b.buffer.add(h, piece.stored);
        }
        if (p.kind == Kind::rotate) {
            RecordHeader h = next_header(RecordType::marker);
            h.marker = format::Marker::rotate;
            p.result.first_seq = p.result.last_seq = h.seq;
            b.buffer.add(h, {});
        }
        p.result.end_offset = b.file_offset + b.buffer.size();
    }

    WriterOptions opt_;

    // Shared with submitting threads.
    std::mutex mutex_;
    std::deque<std::unique_ptr<Pending>> queue_;
    bool stopping_ = false;

    mutable std::mutex position_mutex_;
    LogPosition position_;
    WriterStats published_stats_;
    std::filesystem::path current_path_;

    // Owned by the writer thread after construction.
    util::UniqueFd fd_;
    std::atomic<bool> direct_active_ = false;
    std::uint32_t logfile_number_ = 0;
    std::uint64_t end_offset_ = 0;
    std::uint64_t durable_offset_ = 0;
    std::uint64_t next_seq_ = 0;
    WriterStats stats_;
    std::deque<std::unique_ptr<Batch>> inflight_;
    std::vector<std::unique_ptr<Batch>> spare_;
    bool rotation_in_flight_ = false;
    int failed_error_ = 0;
    std::string failed_message_;

    util::UniqueFd wake_fd_;
    std::uint64_t wake_counter_ = 0;
    std::unique_ptr<util::IoRing> ring_;
    std::thread thread_;

    bool start_idle_sync();
};

// In early-completion mode writes complete before they are durable; once
// the writer has nothing else to do it makes them durable.
bool LogWriter::Engine::start_idle_sync()
{
    if (opt_.completion != CompletionMode::early || failed_error_ != 0 || !inflight_.empty() ||
        durable_offset_ == end_offset_)
        return false;
    {
        std::lock_guard lock(mutex_);
        if (!queue_.empty())
            return false;
    }
    auto batch = take_spare_batch();
    batch->fd = fd_.get();
    batch->file_offset = end_offset_;
    batch->needs_sync = true;
    batch->write_done = true;
    inflight_.push_back(std::move(batch));
    submit_ready_syncs();
    return true;
}

// ---- LogWriter: request preparation on the caller's thread -----------------

LogWriter::LogWriter(WriterOptions options) : engine_(std::make_unique<Engine>(std::move(options))) {}

LogWriter::~LogWriter() = default;

void LogWriter::submit(const WriteRequest& request, Completion done)
{
    const WriterOptions& opt = engine_->options();
    auto p = std::make_unique<Pending>();
    p->kind = Kind::write;
    p->done = std::move(done);
    p->wants_durable = request.fua || request.preflush;
    std::uint16_t flags = 0;
    if (request.fua)
        flags |= MARS_LOG_F_FUA;
    if (request.preflush)
        flags |= MARS_LOG_F_PREFLUSH;

    if (request.data.empty() && request.zero_length > 0) {
        std::uint64_t off = request.offset;
        for (std::uint64_t left = request.zero_length; left > 0;) {
            auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, opt.max_record_payload));
            p->pieces.push_back({off, n, static_cast<std::uint16_t>(flags | MARS_LOG_F_ZEROES), {}, format::crc32c({})});
            off += n;
            left -= n;
        }
    } else {
        // Split into records of at most max_record_payload bytes, each
        // compressed on its own when that saves space.
        std::size_t pos = 0;
        do {
            std::size_t n = std::min<std::size_t>(request.data.size() - pos, opt.max_record_payload);
            auto slice = request.data.subspan(pos, n);
            Piece piece{request.offset + pos, static_cast<std::uint32_t>(n), flags, slice, 0};
            std::vector<std::byte> packed;
            // Keep compression only when the record actually shrinks.
            std::size_t worth = n >= format::kRecordAlign ? n - format::kRecordAlign + 1 : 0;
            if (format::compress(opt.compression, slice, worth, packed)) {
                piece.flags |= opt.compression == format::Compression::zstd ? MARS_LOG_F_ZSTD : MARS_LOG_F_LZ4;
                p->compressed.push_back(std::move(packed));
                piece.stored = p->compressed.back();
            }
            piece.stored_crc = format::crc32c(piece.stored);
            p->pieces.push_back(piece);
            pos += n;
        } while (pos < request.data.size());
    }
    engine_->enqueue(std::move(p));
}

void LogWriter::submit_flush(Completion done)
{
    auto p = std::make_unique<Pending>();
    p->kind = Kind::flush;
    p->wants_durable = true;
    p->done = std::move(done);
    engine_->enqueue(std::move(p));
}

void LogWriter::submit_rotate(std::uint32_t number, Completion done)
{
    auto p = std::make_unique<Pending>();
    p->kind = Kind::rotate;
    p->wants_durable = true;
    p->rotate_to = number;
    p->done = std::move(done);
    engine_->enqueue(std::move(p));
}

namespace {
template <typename Submit> WriteResult wait_for(Submit&& submit)
{
    std::promise<WriteResult> promise;
    auto future = promise.get_future();
    submit([&promise](const WriteResult& r) { promise.set_value(r); });
    return future.get();
}
} // namespace

WriteResult LogWriter::write(const WriteRequest& request)
{
    return wait_for([&](Completion c) { submit(request, std::move(c)); });
}

WriteResult LogWriter::flush()
{
    return wait_for([&](Completion c) { submit_flush(std::move(c)); });
}

WriteResult LogWriter::rotate(std::uint32_t number)
{
    return wait_for([&](Completion c) { submit_rotate(number, std::move(c)); });
}

LogPosition LogWriter::position() const { return engine_->position(); }

WriterStats LogWriter::stats() const { return engine_->stats(); }

std::filesystem::path LogWriter::current_path() const { return engine_->current_path(); }

bool LogWriter::direct_io_active() const { return engine_->direct_io_active(); }

} // namespace mars::log
