#include "transfer/file_io.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "util/durable.hpp"
#include "util/system_error.hpp"

namespace mars::transfer {

namespace {
std::string at(const std::filesystem::path& path, std::uint64_t offset)
{
    return path.string() + " at offset " + std::to_string(offset);
}
} // namespace

std::size_t read_at(int fd, std::span<std::byte> buffer, std::uint64_t offset, const std::filesystem::path& path)
{
    std::size_t done = 0;
    while (done < buffer.size()) {
        const ssize_t n = ::pread(fd, buffer.data() + done, buffer.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            util::throw_errno("reading " + at(path, offset + done));
        if (n == 0)
            break;
        done += static_cast<std::size_t>(n);
    }
    return done;
}

void write_at(int fd, std::span<const std::byte> data, std::uint64_t offset, const std::filesystem::path& path)
{
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            util::throw_errno("writing " + at(path, offset + done));
        if (n == 0)
            util::throw_errno(EIO, "writing " + at(path, offset + done) + " (no progress)");
        done += static_cast<std::size_t>(n);
    }
}

void sync_data(int fd, const std::filesystem::path& path, std::uint64_t offset)
{
    if (::fdatasync(fd) != 0)
        util::throw_errno("fdatasync of " + path.string() + " (written up to offset " + std::to_string(offset) + ")");
}

std::uint64_t file_or_device_size(int fd, const std::filesystem::path& path)
{
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        util::throw_errno("stat " + path.string());
    if (S_ISREG(st.st_mode))
        return static_cast<std::uint64_t>(st.st_size);
    if (S_ISBLK(st.st_mode)) {
        std::uint64_t size = 0;
        if (::ioctl(fd, BLKGETSIZE64, &size) != 0)
            util::throw_errno("BLKGETSIZE64 on " + path.string());
        return size;
    }
    throw std::runtime_error(path.string() + ": neither a regular file nor a block device");
}

util::UniqueFd open_log_copy(const std::filesystem::path& path)
{
    const int flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
    util::UniqueFd fd(::open(path.c_str(), flags | O_CREAT | O_EXCL, 0600));
    if (fd) {
        // A new logfile is not there after a crash until its directory is synced.
        util::fsync_directory(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
        return fd;
    }
    if (errno != EEXIST)
        util::throw_errno("creating " + path.string());
    fd.reset(::open(path.c_str(), flags));
    if (!fd)
        util::throw_errno("opening " + path.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        util::throw_errno("stat " + path.string());
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error(path.string() + ": not a regular file");
    return fd;
}

} // namespace mars::transfer
