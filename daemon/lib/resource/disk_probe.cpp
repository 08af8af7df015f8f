#include "resource/disk_probe.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "util/unique_fd.hpp"

namespace mars::resource {

namespace {

[[noreturn]] void refuse(const std::filesystem::path& path, const std::string& why)
{
    throw ResourceError("disk " + path.string() + ": " + why);
}

std::string first_line(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

// Mount points of block device `dev`, from our mount namespace's table.
// Reading the table never touches the mounted file systems themselves.
std::vector<std::string> mount_points(dev_t dev)
{
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    const std::string wanted = std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
    for (std::string line; std::getline(in, line);) {
        // "<id> <parent> <major:minor> <root> <mount point> ..."
        std::size_t f2 = line.find(' ', line.find(' ') + 1);
        std::size_t f3 = line.find(' ', f2 + 1);
        std::size_t f4 = line.find(' ', f3 + 1);
        std::size_t f5 = line.find(' ', f4 + 1);
        if (f5 == std::string::npos || line.compare(f2 + 1, f3 - f2 - 1, wanted) != 0)
            continue;
        out.push_back(line.substr(f4 + 1, f5 - f4 - 1));
    }
    return out;
}

// Devices stacked on `dev` (device-mapper, md, ...), from sysfs.
std::vector<std::string> holders(dev_t dev)
{
    std::vector<std::string> out;
    const std::filesystem::path dir =
        "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev)) + "/holders";
    std::error_code ec;
    for (const auto& de : std::filesystem::directory_iterator(dir, ec))
        out.push_back(de.path().filename().string());
    return out;
}

std::string describe_users(dev_t dev)
{
    std::string out;
    for (const auto& m : mount_points(dev))
        out += (out.empty() ? "mounted on " : ", ") + m;
    for (const auto& h : holders(dev))
        out += (out.empty() ? "held by " : ", held by ") + h;
    if (out.empty())
        out = "opened exclusively by another program";
    return out;
}

// The loop devices whose backing file is `file`. The kernel reports the
// backing file's path as seen when it was attached, so we compare
// canonical paths; we never stat the other paths (a hung mount there
// must not hang us).
std::vector<std::string> loop_devices_backed_by(const std::filesystem::path& file)
{
    std::vector<std::string> out;
    std::error_code ec;
    const auto canonical = std::filesystem::canonical(file, ec);
    if (ec)
        return out;
    for (const auto& de : std::filesystem::directory_iterator("/sys/block", ec)) {
        const std::string name = de.path().filename().string();
        if (name.compare(0, 4, "loop") != 0)
            continue;
        std::string backing = first_line(de.path() / "loop" / "backing_file");
        if (backing == canonical.string())
            out.push_back("/dev/" + name);
    }
    return out;
}

} // namespace

DiskProbe probe_disk(const std::filesystem::path& path, std::uint64_t min_size)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            refuse(path, "does not exist");
        refuse(path, std::strerror(errno));
    }
    DiskProbe probe;
    probe.block_device = S_ISBLK(st.st_mode);
    if (S_ISDIR(st.st_mode))
        refuse(path, "is a directory, not a regular file or block device");
    if (!probe.block_device && !S_ISREG(st.st_mode))
        refuse(path, "is not a regular file or block device");

    // O_EXCL on a block device claims it against mounts and stacked
    // devices (and them against us) for as long as it stays open; on a
    // regular file it means nothing, hence the loop device check.
    const int flags = O_RDWR | O_CLOEXEC | (probe.block_device ? O_EXCL : 0);
    util::UniqueFd fd(::open(path.c_str(), flags));
    if (!fd) {
        const int err = errno;
        if (err == EBUSY && probe.block_device)
            refuse(path, "is in use: " + describe_users(st.st_rdev));
        refuse(path, std::string("cannot be opened read-write: ") + std::strerror(err));
    }

    if (probe.block_device) {
        if (::ioctl(fd.get(), BLKGETSIZE64, &probe.size) != 0)
            refuse(path, std::string("cannot read its size: ") + std::strerror(errno));
    } else {
        probe.size = static_cast<std::uint64_t>(st.st_size);
        if (auto loops = loop_devices_backed_by(path); !loops.empty()) {
            std::string list;
            for (const auto& l : loops)
                list += (list.empty() ? "" : ", ") + l;
            refuse(path, "is in use: it backs loop device " + list);
        }
    }

    if (min_size > 0 && probe.size < min_size)
        refuse(path, "is too small: " + std::to_string(probe.size) + " bytes, the resource needs " +
                         std::to_string(min_size));
    return probe;
}

} // namespace mars::resource
