// Work that other threads (gossip pullers, a join in progress) hand to the
// main thread: sd-bus and sd-event objects may only be used there.
#pragma once

#include <systemd/sd-event.h>

#include <functional>
#include <mutex>
#include <vector>

#include "util/unique_fd.hpp"

namespace mars::marsd {

class MainThreadQueue {
public:
    explicit MainThreadQueue(sd_event* event);
    ~MainThreadQueue();
    MainThreadQueue(const MainThreadQueue&) = delete;
    MainThreadQueue& operator=(const MainThreadQueue&) = delete;

    // Thread-safe: runs `work` on the main thread soon.
    void post(std::function<void()> work);

private:
    static int on_wake(sd_event_source* s, int fd, uint32_t revents, void* userdata);

    util::UniqueFd wake_fd_;
    sd_event_source* source_ = nullptr;
    std::mutex mutex_;
    std::vector<std::function<void()>> pending_;
};

} // namespace mars::marsd
