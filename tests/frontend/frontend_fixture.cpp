#include "frontend_fixture.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdlib>

namespace mars::test {
namespace {

std::string search_path()
{
    const char* p = std::getenv("PATH");
    return std::string(p ? p : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
}

} // namespace

bool have_program(const std::string& name)
{
    std::string path = search_path();
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos)
            end = path.size();
        auto candidate = std::filesystem::path(path.substr(start, end - start)) / name;
        if (::access(candidate.c_str(), X_OK) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

Command run(const std::vector<std::string>& argv)
{
    Command result;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return result;
    const std::string path = search_path();
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        ::setenv("PATH", path.c_str(), 1);
        std::vector<char*> args;
        for (const auto& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        _exit(127);
    }
    ::close(fds[1]);
    std::array<char, 4096> buf;
    for (;;) {
        ssize_t n = ::read(fds[0], buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        result.output.append(buf.data(), static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string frontend_unavailable()
{
    if (::geteuid() != 0)
        return "needs root (FUSE mounts and loop devices)";
    if (::access("/dev/fuse", R_OK | W_OK) != 0)
        return "/dev/fuse is not available";
    if (::access("/dev/loop-control", R_OK | W_OK) != 0)
        return "loop devices are not available (/dev/loop-control)";
    return {};
}

int loop_number(const std::filesystem::path& loop_device)
{
    const std::string name = loop_device.filename().string();
    return name.rfind("loop", 0) == 0 ? std::atoi(name.c_str() + 4) : -1;
}

} // namespace mars::test
