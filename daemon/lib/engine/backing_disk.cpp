#include "engine/backing_disk.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/aligned_buffer.hpp"
#include "util/system_error.hpp"

namespace mars::engine {
namespace {

// The alignment O_DIRECT needs for file offsets and lengths on this fd, or
// 0 if the kernel does not say.
std::uint32_t direct_io_offset_alignment(int fd, bool block_device)
{
    struct statx stx {};
    if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 && (stx.stx_mask & STATX_DIOALIGN) &&
        stx.stx_dio_offset_align != 0)
        return stx.stx_dio_offset_align;
    if (block_device) {
        int sector = 0;
        if (::ioctl(fd, BLKSSZGET, &sector) == 0 && sector > 0)
            return static_cast<std::uint32_t>(sector);
    }
    return 0;
}

} // namespace

BackingDisk::BackingDisk(std::filesystem::path path, std::uint64_t size, DiskOptions options)
    : path_(std::move(path)), size_(size)
{
    if (size == 0 || size % kSectorSize != 0)
        throw std::system_error(EINVAL, std::generic_category(),
                                "device size " + std::to_string(size) + " of " + path_.string() +
                                    " is not a positive multiple of " + std::to_string(kSectorSize));
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0)
        util::throw_errno("backing disk " + path_.string());
    block_device_ = S_ISBLK(st.st_mode);
    if (!block_device_ && !S_ISREG(st.st_mode))
        util::throw_errno(EINVAL, "backing disk " + path_.string() + " is neither a block device nor a regular file");

    int flags = O_RDWR | O_CLOEXEC;
    if (block_device_ && options.exclusive)
        flags |= O_EXCL; // a block device opened O_EXCL cannot be mounted or claimed meanwhile
    if (options.direct_io) {
        fd_.reset(::open(path_.c_str(), flags | O_DIRECT));
        if (fd_) {
            // 512-byte requests need an offset alignment of at most 512;
            // a 4Kn disk cannot take them directly, so use the page cache.
            std::uint32_t need = direct_io_offset_alignment(fd_.get(), block_device_);
            if (need != 0 && need <= kSectorSize)
                direct_ = true;
            else
                fd_.reset();
        } else if (errno != EINVAL) {
            util::throw_errno("opening backing disk " + path_.string());
        }
    }
    if (!fd_) {
        fd_.reset(::open(path_.c_str(), flags));
        if (!fd_)
            util::throw_errno("opening backing disk " + path_.string());
    }

    if (block_device_) {
        if (::ioctl(fd_.get(), BLKGETSIZE64, &real_size_) != 0)
            util::throw_errno("size of backing disk " + path_.string());
    } else {
        if (::fstat(fd_.get(), &st) != 0)
            util::throw_errno("stat of backing disk " + path_.string());
        real_size_ = static_cast<std::uint64_t>(st.st_size);
    }
    if (real_size_ < size_)
        util::throw_errno(ENOSPC, "backing disk " + path_.string() + " holds " + std::to_string(real_size_) +
                                      " bytes, less than the device size " + std::to_string(size_));
}

void BackingDisk::read(std::uint64_t offset, std::span<std::byte> out) const
{
    auto pread_all = [&](std::byte* buf, std::size_t length, std::uint64_t at) {
        std::size_t done = 0;
        while (done < length) {
            ssize_t n = ::pread(fd_.get(), buf + done, length - done, static_cast<off_t>(at + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                util::throw_errno("reading " + std::to_string(length) + " bytes at offset " + std::to_string(at) +
                                  " of " + path_.string());
            if (n == 0)
                util::throw_errno(EIO,
                                  "unexpected end of " + path_.string() + " at offset " + std::to_string(at + done));
            done += static_cast<std::size_t>(n);
        }
    };
    const bool aligned = reinterpret_cast<std::uintptr_t>(out.data()) % kSectorSize == 0;
    if (!direct_ || aligned) {
        pread_all(out.data(), out.size(), offset);
        return;
    }
    // O_DIRECT needs aligned memory: bounce through a per-thread buffer
    // (kept, so a busy reader does not allocate per request).
    constexpr std::size_t kBounce = 1 << 20;
    thread_local util::AlignedBuffer bounce(kBounce, util::AlignedBuffer::Fill::none);
    for (std::size_t done = 0; done < out.size();) {
        std::size_t n = std::min(kBounce, out.size() - done);
        pread_all(bounce.data(), n, offset + done);
        std::memcpy(out.data() + done, bounce.data(), n);
        done += n;
    }
}

void BackingDisk::sync() const
{
    if (::fdatasync(fd_.get()) != 0)
        util::throw_errno("fdatasync of backing disk " + path_.string());
}

} // namespace mars::engine
