#include "engine/disk_write_queue.hpp"

#include <fcntl.h>
#include <linux/falloc.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace mars::engine {
namespace {

constexpr std::size_t kZeroBuffer = 1 << 20;
constexpr std::size_t kMaxIov = 256; // well below IOV_MAX

} // namespace

struct DiskWriteQueue::Op {
    enum class Kind { write, fallocate } kind = Kind::write;
    std::uint64_t offset = 0;       // where the unwritten remainder starts
    std::uint64_t remaining = 0;    // bytes still to write or zero
    std::vector<iovec> buffers;     // remainder of a write
    std::uint64_t zero_pending = 0; // zero-write op: bytes not yet in `buffers`
    Done done;
};

DiskWriteQueue::DiskWriteQueue(const BackingDisk& disk, unsigned depth)
    : disk_(disk), depth_(std::max(depth, 1u)), ring_(std::max(depth_, 8u))
{
}

DiskWriteQueue::~DiskWriteQueue()
{
    try {
        drain();
    } catch (...) {
        // Destruction must not throw; the owner saw (or ignores) errors.
    }
}

void DiskWriteQueue::write(std::uint64_t offset, std::vector<iovec> buffers, Done done)
{
    auto op = std::make_unique<Op>();
    op->offset = offset;
    for (const iovec& v : buffers)
        op->remaining += v.iov_len;
    op->buffers = std::move(buffers);
    op->done = std::move(done);
    while (in_flight_ >= depth_)
        reap(true);
    submit(*op.release());
}

void DiskWriteQueue::zero(std::uint64_t offset, std::uint64_t length, Done done)
{
    auto op = std::make_unique<Op>();
    op->kind = Op::Kind::fallocate;
    op->offset = offset;
    op->remaining = length;
    op->done = std::move(done);
    if (!fallocate_works_)
        switch_to_zero_writes(*op);
    while (in_flight_ >= depth_)
        reap(true);
    submit(*op.release());
}

// A zero op that writes zeroes: refills `buffers` from the shared zero
// buffer, up to kMaxIov of them per submission.
void DiskWriteQueue::switch_to_zero_writes(Op& op)
{
    if (zeroes_.size() == 0)
        zeroes_ = util::AlignedBuffer(kZeroBuffer); // zero-filled
    op.kind = Op::Kind::write;
    op.zero_pending = op.remaining;
    op.buffers.clear();
}

void DiskWriteQueue::submit(Op& op)
{
    io_uring_sqe* sqe = ring_.next_sqe();
    if (op.kind == Op::Kind::fallocate) {
        io_uring_prep_fallocate(sqe, disk_.fd(), FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
                                static_cast<off_t>(op.offset), static_cast<off_t>(op.remaining));
    } else {
        if (op.zero_pending > 0 && op.buffers.empty()) {
            for (std::uint64_t left = op.zero_pending; left > 0 && op.buffers.size() < kMaxIov;) {
                std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kZeroBuffer));
                op.buffers.push_back({zeroes_.data(), n});
                left -= n;
            }
        }
        const auto count = static_cast<unsigned>(std::min(op.buffers.size(), kMaxIov));
        io_uring_prep_writev(sqe, disk_.fd(), op.buffers.data(), count, op.offset);
    }
    io_uring_sqe_set_data(sqe, &op);
    int rc = io_uring_submit(ring_.get());
    if (rc < 0)
        util::throw_errno(-rc, "io_uring_submit for " + disk_.path().string());
    ++in_flight_;
}

void DiskWriteQueue::reap(bool wait)
{
    for (;;) {
        io_uring_cqe* cqe = nullptr;
        int rc = io_uring_peek_cqe(ring_.get(), &cqe);
        if (rc == -EAGAIN) {
            if (!wait || in_flight_ == 0)
                return;
            rc = io_uring_wait_cqe(ring_.get(), &cqe);
            if (rc == -EINTR)
                continue;
            if (rc < 0)
                util::throw_errno(-rc, "io_uring_wait_cqe for " + disk_.path().string());
        } else if (rc < 0) {
            util::throw_errno(-rc, "io_uring_peek_cqe for " + disk_.path().string());
        }
        auto* op = static_cast<Op*>(io_uring_cqe_get_data(cqe));
        int res = cqe->res;
        io_uring_cqe_seen(ring_.get(), cqe);
        --in_flight_;
        complete(*op, res);
        wait = false; // got one; collect the rest only if already there
    }
}

void DiskWriteQueue::complete(Op& op, int res)
{
    if (op.kind == Op::Kind::fallocate) {
        if (res == -EOPNOTSUPP || res == -EINVAL || res == -ENODEV) {
            // The disk cannot zero a range (e.g. tmpfs, some devices):
            // write zeroes instead, now and from here on.
            fallocate_works_ = false;
            switch_to_zero_writes(op);
            submit(op);
            return;
        }
        if (res >= 0) {
            op.remaining = 0;
            res = 0;
        }
    } else if (res > 0) {
        auto n = static_cast<std::uint64_t>(res);
        op.offset += n;
        op.remaining -= n;
        if (op.zero_pending > 0) {
            op.zero_pending -= n;
            op.buffers.clear(); // refilled from zero_pending
        } else {
            // Drop what was written from the front of the vector.
            std::size_t i = 0;
            while (n > 0 && i < op.buffers.size()) {
                std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, op.buffers[i].iov_len));
                op.buffers[i].iov_base = static_cast<std::byte*>(op.buffers[i].iov_base) + take;
                op.buffers[i].iov_len -= take;
                n -= take;
                if (op.buffers[i].iov_len == 0)
                    ++i;
            }
            op.buffers.erase(op.buffers.begin(), op.buffers.begin() + static_cast<std::ptrdiff_t>(i));
        }
        if (op.remaining > 0) {
            submit(op); // a short write, or the next part of a long one
            return;
        }
        res = 0;
    } else if (res == 0 && op.remaining > 0) {
        res = -EIO; // no progress: do not spin
    }

    std::unique_ptr<Op> owned(&op);
    std::string message;
    if (res < 0)
        message = std::string(op.kind == Op::Kind::fallocate ? "zeroing" : "writing") + " " +
                  std::to_string(op.remaining) + " bytes at offset " + std::to_string(op.offset) + " of " +
                  disk_.path().string() + ": " + std::strerror(-res);
    if (op.done)
        op.done(res < 0 ? res : 0, message);
}

void DiskWriteQueue::drain()
{
    while (in_flight_ > 0)
        reap(true);
}

} // namespace mars::engine
