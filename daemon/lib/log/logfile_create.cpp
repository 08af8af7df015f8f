#include "log/logfile_create.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "util/durable.hpp"
#include "util/system_error.hpp"

namespace mars::log {

util::UniqueFd create_logfile(const std::filesystem::path& path, bool direct, bool& direct_active)
{
    const int base = O_WRONLY | O_CREAT | O_CLOEXEC;
    util::UniqueFd fd;
    direct_active = false;
    if (direct) {
        fd.reset(::open(path.c_str(), base | O_DIRECT, 0600));
        if (fd)
            direct_active = true;
        else if (errno != EINVAL)
            util::throw_errno("creating logfile " + path.string());
    }
    if (!fd) {
        fd.reset(::open(path.c_str(), base, 0600));
        if (!fd)
            util::throw_errno("creating logfile " + path.string());
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0)
        util::throw_errno("stat of logfile " + path.string());
    if (st.st_size != 0)
        util::throw_errno(EEXIST, "logfile " + path.string() + " already holds " + std::to_string(st.st_size) +
                                      " bytes; a writer only starts on a new or empty logfile");
    if (::fsync(fd.get()) != 0)
        util::throw_errno("fsync of new logfile " + path.string());
    util::fsync_directory(path.parent_path());
    return fd;
}

} // namespace mars::log
