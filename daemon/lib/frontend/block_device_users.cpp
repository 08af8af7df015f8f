#include "frontend/block_device_users.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "util/unique_fd.hpp"

namespace mars::frontend {
namespace {

// /proc/self/mountinfo escapes blanks and backslashes as \ooo.
std::string unescape(const std::string& s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct MountEntry {
    unsigned major = 0, minor = 0;
    std::string mount_point;
    std::string source;
};

std::vector<MountEntry> read_mountinfo()
{
    std::vector<MountEntry> out;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        // id parent major:minor root mount-point options ... - type source super-options
        std::istringstream f(line);
        std::string id, parent, devno, root, point;
        f >> id >> parent >> devno >> root >> point;
        MountEntry e;
        if (std::sscanf(devno.c_str(), "%u:%u", &e.major, &e.minor) != 2)
            continue;
        e.mount_point = unescape(point);
        std::string field;
        while (f >> field && field != "-") {
        }
        std::string type;
        f >> type >> e.source;
        e.source = unescape(e.source);
        out.push_back(std::move(e));
    }
    return out;
}

} // namespace

std::string BlockDeviceUsers::describe() const
{
    std::vector<std::string> parts;
    for (const auto& m : mounts)
        parts.push_back("mounted on " + m);
    for (const auto& h : holders)
        parts.push_back("held by " + h);
    for (const auto& p : processes)
        parts.push_back("open by " + p);
    if (parts.empty() && exclusive)
        parts.push_back("claimed exclusively (a filesystem, swap or device mapper)");
    std::string s;
    for (const auto& p : parts)
        s += (s.empty() ? "" : "; ") + p;
    return s;
}

BlockDeviceUsers find_block_device_users(const std::filesystem::path& device, const std::vector<int>& ignore_fds)
{
    BlockDeviceUsers users;
    struct stat st {};
    if (::stat(device.c_str(), &st) != 0 || !S_ISBLK(st.st_mode))
        return users;
    const dev_t rdev = st.st_rdev;

    for (const MountEntry& m : read_mountinfo())
        if (m.major == ::major(rdev) && m.minor == ::minor(rdev))
            users.mounts.push_back(m.mount_point);

    const std::string sys = "/sys/dev/block/" + std::to_string(::major(rdev)) + ":" + std::to_string(::minor(rdev));
    std::error_code ec;
    for (const auto& h : std::filesystem::directory_iterator(sys + "/holders", ec))
        users.holders.push_back(h.path().filename().string());

    util::UniqueFd excl(::open(device.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC));
    users.exclusive = !excl && errno == EBUSY;
    excl.reset();

    users.processes = processes_holding(device, ignore_fds);
    return users;
}

std::vector<std::string> processes_holding(const std::filesystem::path& file, const std::vector<int>& ignore_fds)
{
    std::vector<std::string> out;
    std::error_code ec;
    const std::string wanted = std::filesystem::weakly_canonical(file, ec).string();
    struct stat st {};
    const bool block = ::stat(file.c_str(), &st) == 0 && S_ISBLK(st.st_mode);
    const dev_t rdev = block ? st.st_rdev : 0;
    const pid_t self = ::getpid();
    // What fuser(1) does: look at every descriptor of every process.
    for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string pid = proc.path().filename().string();
        if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit))
            continue;
        std::error_code fd_ec;
        for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
            std::error_code link_ec;
            const std::string target = std::filesystem::read_symlink(fd.path(), link_ec).string();
            if (link_ec)
                continue;
            bool match = target == wanted;
            if (!match && block && target.rfind("/dev/", 0) == 0) {
                struct stat fst {};
                match = ::stat(target.c_str(), &fst) == 0 && S_ISBLK(fst.st_mode) && fst.st_rdev == rdev;
            }
            if (!match)
                continue;
            if (std::stol(pid) == self) {
                const int n = std::atoi(fd.path().filename().c_str());
                if (std::find(ignore_fds.begin(), ignore_fds.end(), n) != ignore_fds.end())
                    continue;
            }
            std::string comm;
            std::ifstream(proc.path() / "comm") >> comm;
            out.push_back("pid " + pid + " (" + comm + ")");
            break;
        }
    }
    return out;
}

bool is_mount_point(const std::filesystem::path& path)
{
    return mounted_device(path) != 0;
}

dev_t mounted_device(const std::filesystem::path& path)
{
    const std::string p = std::filesystem::absolute(path).lexically_normal().string();
    dev_t found = 0;
    for (const MountEntry& m : read_mountinfo())
        if (m.mount_point == p)
            found = ::makedev(m.major, m.minor); // the last one is on top
    return found;
}

} // namespace mars::frontend
