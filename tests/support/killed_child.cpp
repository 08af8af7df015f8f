#include "support/killed_child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <system_error>

#include "util/unique_fd.hpp"

namespace mars::test {

namespace detail {
namespace {

// The write end of the report pipe, in the child only.
int g_report_fd = -1;

} // namespace

void send_report_bytes(const void* report, std::size_t size)
{
    for (;;) {
        ssize_t n = ::write(g_report_fd, report, size);
        if (n == static_cast<ssize_t>(size))
            return;
        if (n < 0 && errno == EINTR)
            continue;
        _exit(5); // cannot even complain
    }
}

namespace {

std::uint64_t now_ms()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::uint64_t(ts.tv_sec) * 1000 + std::uint64_t(ts.tv_nsec) / 1000000;
}

[[noreturn]] void throw_errno(const char* what)
{
    throw std::system_error(errno, std::generic_category(), what);
}

// Collects the bytes read from the pipe and hands out whole reports.
class ReportBuffer {
public:
    ReportBuffer(std::size_t report_size, const std::function<void(const std::byte*)>& on_report)
        : size_(report_size), on_report_(on_report)
    {
    }

    void add(const std::byte* data, std::size_t n)
    {
        buf_.insert(buf_.end(), data, data + n);
        std::size_t used = 0;
        for (; buf_.size() - used >= size_; used += size_)
            on_report_(buf_.data() + used);
        // A partial report stays for the next read (never expected with
        // atomic pipe writes, but harmless).
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(used));
    }

    std::size_t partial_bytes() const { return buf_.size(); }

private:
    std::size_t size_;
    const std::function<void(const std::byte*)>& on_report_;
    std::vector<std::byte> buf_;
};

} // namespace

ChildEnd run_killed_child(std::size_t report_size, const std::function<void()>& child,
                          const std::function<void(const std::byte*)>& on_report,
                          const std::function<KillOrWait(std::chrono::milliseconds)>& when)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw_errno("pipe2");
    util::UniqueFd rd(fds[0]), wr(fds[1]);
    ::fcntl(wr.get(), F_SETPIPE_SZ, 1 << 20); // best effort: less back-pressure

    // The child inherits unwritten stdio buffers: flush them, or they are
    // printed twice.
    std::fflush(stdout);
    std::fflush(stderr);
    const std::uint64_t start = now_ms();
    pid_t pid = ::fork();
    if (pid < 0)
        throw_errno("fork");
    if (pid == 0) {
        // Dies with the parent, should the parent die before killing it.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        rd.reset();
        g_report_fd = wr.release();
        // A failed report then ends the child with status 5, not silently.
        ::signal(SIGPIPE, SIG_IGN);
        try {
            child();
        } catch (...) {
        }
        _exit(4); // the child must not return: never unwind into the parent's code
    }
    wr.reset(); // else the parent's own write end keeps the pipe from EOF

    ReportBuffer reports(report_size, on_report);
    std::vector<std::byte> chunk(64 * 1024);
    bool eof = false; // every write end is closed: the child has died
    // One read(2); blocks if the pipe is empty.
    auto read_once = [&] {
        ssize_t n = ::read(rd.get(), chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR)
            return;
        if (n < 0)
            throw_errno("read from pipe");
        if (n == 0)
            eof = true;
        else
            reports.add(chunk.data(), static_cast<std::size_t>(n));
    };
    // Reads once what the pipe holds, waiting at most `timeout_ms` for it.
    auto read_reports = [&](int timeout_ms) {
        pollfd p{rd.get(), POLLIN, 0};
        int rc = ::poll(&p, 1, timeout_ms);
        if (rc < 0 && errno != EINTR)
            throw_errno("poll");
        if (rc > 0)
            read_once();
    };

    try {
        while (!eof) {
            const KillOrWait next = when(std::chrono::milliseconds(now_ms() - start));
            if (next.kill)
                break;
            read_reports(static_cast<int>(next.wait.count()));
        }
    } catch (...) {
        // Do not leave the child running into the next round.
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw;
    }
    ::kill(pid, SIGKILL);
    // Reports written before the kill count: drain to EOF.
    while (!eof)
        read_once();

    ChildEnd end;
    end.partial_bytes = reports.partial_bytes();
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            throw_errno("waitpid");
    }
    if (WIFSIGNALED(status)) {
        end.killed = WTERMSIG(status) == SIGKILL;
        end.exit_status = "killed by signal " + std::to_string(WTERMSIG(status));
    } else {
        end.exit_status = "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    return end;
}

} // namespace detail
} // namespace mars::test
