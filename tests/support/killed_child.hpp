// A child process that the parent kills with SIGKILL at a moment of its
// choosing, for crash tests. The child reports what it has done through a
// pipe, as fixed-size binary records; the parent reads them while it decides
// when to kill, and keeps every report written before the kill.
//
// The child is forked from the calling process, so call run_killed_child()
// while the process has no other threads: a fork copies only the calling
// thread, and locks that other threads held stay locked in the child.
#pragma once

#include <limits.h>
#include <unistd.h>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace mars::test {

// A report travels as its bytes, with one write(2) of at most PIPE_BUF
// bytes, hence atomically: reports of concurrent threads never interleave.
// A default-constructed report carries the test's magic; the parent counts
// a report with any other magic as garbled. A report of kind kLastWords
// carries the child's last words instead: an error code and a text.
template <class R>
concept ChildReport = std::is_trivially_copyable_v<R> && std::is_default_constructible_v<R> &&
                      sizeof(R) <= PIPE_BUF && requires(R r) {
                          { r.magic } -> std::convertible_to<std::uint32_t>;
                          { r.kind } -> std::convertible_to<std::uint16_t>;
                          { r.error } -> std::convertible_to<std::int32_t>;
                          requires std::is_bounded_array_v<decltype(R::text)>;
                          { r.text[0] } -> std::same_as<char&>;
                      };

// The kind of a report with the child's last words (test kinds are small).
inline constexpr std::uint16_t kLastWords = 0xffff;

// ---- in the child ------------------------------------------------------------

namespace detail {
// Writes to the pipe that run_killed_child() gave this child. Ends the
// process with status 5 if that fails: there is nobody to complain to.
void send_report_bytes(const void* report, std::size_t size);
} // namespace detail

// Sends a report to the parent; any thread of the child may call this.
template <ChildReport Report>
void send_report(const Report& report)
{
    detail::send_report_bytes(&report, sizeof report);
}

// Gives up: sends the last words (the parent reports them as "child error
// <error>: <what>") and ends the child with status 3.
template <ChildReport Report>
[[noreturn]] void child_die(int error, const std::string& what)
{
    Report r;
    r.kind = kLastWords;
    r.error = error;
    std::snprintf(r.text, sizeof r.text, "%s", what.c_str());
    send_report(r);
    _exit(3);
}

// ---- in the parent -----------------------------------------------------------

// The parent's answer whenever it may kill the child.
struct KillOrWait {
    bool kill = false;
    std::chrono::milliseconds wait{0}; // without kill: wait at most this long for reports, then ask again

    static KillOrWait kill_now() { return {true, std::chrono::milliseconds{0}}; }
    // 0: only take what the pipe holds already.
    static KillOrWait wait_for(std::chrono::milliseconds wait) { return {false, wait}; }
};

template <ChildReport Report>
struct KillPlan {
    // Runs in the child; must not return (it is ended by our SIGKILL or
    // by child_die()). An exception escaping it becomes the last words
    // "child: <what>".
    std::function<void()> child;
    // Called with every report kept (neither garbled nor last words) as it
    // arrives, before `when` is asked again; may be empty.
    std::function<void(const Report&)> on_report;
    // Asked, with the time since just before the fork, until it says kill
    // or the child closes the pipe (it died on its own).
    std::function<KillOrWait(std::chrono::milliseconds since_fork)> when;
};

template <ChildReport Report>
struct KilledChild {
    std::vector<Report> reports;           // in the order written, text always NUL-terminated
    std::vector<std::string> child_errors; // garbled reports, last words, a partial report in the pipe
    bool killed = false;                   // ended by our SIGKILL
    std::string exit_status;               // "killed by signal 9", "exited with status 3"

    // What a crash test complains about: the child's errors, and a child
    // that did not end by our SIGKILL (it crashed or exited on its own).
    std::vector<std::string> problems() const
    {
        std::vector<std::string> p = child_errors;
        if (!killed)
            p.push_back("the child was not ended by our SIGKILL: " + exit_status);
        return p;
    }
};

namespace detail {

struct ChildEnd {
    std::size_t partial_bytes = 0;
    bool killed = false;
    std::string exit_status;
};

// Works on reports as `report_size` bytes; run_killed_child() types them.
ChildEnd run_killed_child(std::size_t report_size, const std::function<void()>& child,
                          const std::function<void(const std::byte*)>& on_report,
                          const std::function<KillOrWait(std::chrono::milliseconds)>& when);

} // namespace detail

// Forks; the child runs plan.child. The parent reads reports until
// plan.when says kill (or the pipe reaches EOF), sends SIGKILL, reads the
// pipe to EOF (reports written before the kill count as well), and reaps
// the child.
template <ChildReport Report>
KilledChild<Report> run_killed_child(const KillPlan<Report>& plan)
{
    const std::uint32_t magic = Report{}.magic;
    KilledChild<Report> result;
    auto child = [&] {
        try {
            plan.child();
        } catch (const std::exception& e) {
            child_die<Report>(-1, std::string("child: ") + e.what());
        }
    };
    auto take = [&](const std::byte* bytes) {
        Report r;
        std::memcpy(&r, bytes, sizeof r); // the read buffer has no alignment
        r.text[sizeof r.text - 1] = '\0'; // whatever the child sent
        if (r.magic != magic) {
            result.child_errors.push_back("garbled report from the child");
        } else if (r.kind == kLastWords) {
            result.child_errors.push_back("child error " + std::to_string(r.error) + ": " + r.text);
        } else {
            result.reports.push_back(r);
            if (plan.on_report)
                plan.on_report(result.reports.back());
        }
    };
    detail::ChildEnd end = detail::run_killed_child(sizeof(Report), child, take, plan.when);
    if (end.partial_bytes)
        result.child_errors.push_back("partial report of " + std::to_string(end.partial_bytes) + " bytes in the pipe");
    result.killed = end.killed;
    result.exit_status = std::move(end.exit_status);
    return result;
}

} // namespace mars::test
