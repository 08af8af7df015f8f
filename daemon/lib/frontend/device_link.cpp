#include "frontend/device_link.hpp"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "util/system_error.hpp"

namespace mars::frontend {

DeviceLink::DeviceLink(std::filesystem::path directory, std::string name)
    : directory_(std::move(directory)), name_(std::move(name))
{
    if (name_.empty() || name_ == "." || name_ == ".." || name_.find('/') != std::string::npos)
        throw std::invalid_argument("device name '" + name_ + "' is not a plain file name");
}

void DeviceLink::create(const std::filesystem::path& target) const
{
    std::error_code ec;
    std::filesystem::create_directories(directory_, ec);
    if (ec)
        util::throw_errno(ec.value(), "creating " + directory_.string());
    // Build the link under a temporary name and rename it over the old
    // one, so the name never points at nothing or at a half-made link.
    const auto tmp = directory_ / (".tmp." + std::to_string(::getpid()) + "." + name_);
    ::unlink(tmp.c_str());
    if (::symlink(target.c_str(), tmp.c_str()) != 0)
        util::throw_errno("creating symlink " + tmp.string() + " -> " + target.string());
    if (::rename(tmp.c_str(), path().c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        util::throw_errno(err, "creating " + path().string() + " -> " + target.string());
    }
}

void DeviceLink::remove(const std::filesystem::path& target) const
{
    std::error_code ec;
    if (std::filesystem::read_symlink(path(), ec) == target && !ec)
        std::filesystem::remove(path(), ec);
}

} // namespace mars::frontend
