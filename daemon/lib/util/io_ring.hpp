// RAII wrapper around a liburing ring.
#pragma once

#include <liburing.h>

#include <cstring>

#include "util/system_error.hpp"

namespace mars::util {

class IoRing {
public:
    explicit IoRing(unsigned entries, unsigned flags = 0)
    {
        int rc = io_uring_queue_init(entries, &ring_, flags);
        if (rc < 0)
            throw_errno(-rc, "io_uring_queue_init");
    }
    IoRing(const IoRing&) = delete;
    IoRing& operator=(const IoRing&) = delete;
    ~IoRing() { io_uring_queue_exit(&ring_); }

    io_uring* get() { return &ring_; }

    // A fresh submission entry; submits queued ones first if the ring is full.
    io_uring_sqe* next_sqe()
    {
        io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
        if (!sqe) {
            int rc = io_uring_submit(&ring_);
            if (rc < 0)
                throw_errno(-rc, "io_uring_submit");
            sqe = io_uring_get_sqe(&ring_);
            if (!sqe)
                throw_errno(EBUSY, "io_uring: no free submission entry");
        }
        return sqe;
    }

private:
    io_uring ring_{};
};

} // namespace mars::util
