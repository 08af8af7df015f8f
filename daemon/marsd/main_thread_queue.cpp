#include "main_thread_queue.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include "util/logger.hpp"
#include "util/system_error.hpp"

namespace mars::marsd {

MainThreadQueue::MainThreadQueue(sd_event* event) : wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
    if (!wake_fd_)
        util::throw_errno("eventfd for the main thread queue");
    int r = sd_event_add_io(event, &source_, wake_fd_.get(), EPOLLIN, on_wake, this);
    if (r < 0)
        util::throw_errno(-r, "watching the main thread queue");
}

MainThreadQueue::~MainThreadQueue() { sd_event_source_disable_unref(source_); }

void MainThreadQueue::post(std::function<void()> work)
{
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(std::move(work));
    }
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

int MainThreadQueue::on_wake(sd_event_source*, int fd, uint32_t, void* userdata)
{
    auto* self = static_cast<MainThreadQueue*>(userdata);
    std::uint64_t count;
    [[maybe_unused]] auto n = ::read(fd, &count, sizeof count);
    std::vector<std::function<void()>> work;
    {
        std::lock_guard lock(self->mutex_);
        work.swap(self->pending_);
    }
    for (auto& w : work) {
        try {
            w();
        } catch (const std::exception& e) {
            util::log(util::Priority::err, std::string("main thread work failed: ") + e.what());
        }
    }
    return 0;
}

} // namespace mars::marsd
