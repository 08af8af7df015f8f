#include "util/durable.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace mars::util {

void fsync_directory(const std::filesystem::path& directory)
{
    UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        throw_errno("opening directory " + directory.string() + " to fsync it");
    if (::fsync(fd.get()) != 0)
        throw_errno("fsync of directory " + directory.string());
}

} // namespace mars::util
