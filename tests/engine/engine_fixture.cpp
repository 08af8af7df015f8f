#include "engine_fixture.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "util/unique_fd.hpp"

namespace mars::test {

void make_disk_file(const std::filesystem::path& path, std::uint64_t size)
{
    util::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "creating " + path.string());
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
        throw std::system_error(errno, std::generic_category(), "truncating " + path.string());
}

std::vector<std::byte> read_file_range(const std::filesystem::path& path, std::uint64_t offset, std::size_t length)
{
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw std::system_error(errno, std::generic_category(), "opening " + path.string());
    std::vector<std::byte> out(length);
    std::size_t done = 0;
    while (done < length) {
        ssize_t n = ::pread(fd.get(), out.data() + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throw std::system_error(n < 0 ? errno : EIO, std::generic_category(), "reading " + path.string());
        done += static_cast<std::size_t>(n);
    }
    return out;
}

engine::DataPathOptions data_path_options(const std::filesystem::path& disk, const std::filesystem::path& log_dir,
                                          std::uint64_t size)
{
    engine::DataPathOptions o;
    o.disk = disk;
    o.size = size;
    o.log.directory = log_dir;
    o.log.host = kEngineHost;
    o.memory_limit = 64u << 20;
    o.writeback.start_bytes = 1u << 20;
    o.writeback.max_delay = std::chrono::milliseconds(20);
    return o;
}

void DeviceModel::write(std::uint64_t offset, std::span<const std::byte> data)
{
    std::memcpy(bytes_.data() + offset, data.data(), data.size());
}

void DeviceModel::zero(std::uint64_t offset, std::uint64_t length)
{
    std::memset(bytes_.data() + offset, 0, length);
}

std::int64_t first_difference(std::span<const std::byte> a, std::span<const std::byte> b)
{
    if (a.size() != b.size())
        return static_cast<std::int64_t>(std::min(a.size(), b.size()));
    auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin());
    return ia == a.end() ? -1 : static_cast<std::int64_t>(ia - a.begin());
}

} // namespace mars::test
