#include "resource/log_directory.hpp"

#include <algorithm>
#include <tuple>

namespace mars::resource {

std::vector<LocalLogfile> list_logfiles(const std::filesystem::path& resource_directory)
{
    std::vector<LocalLogfile> out;
    std::error_code ec;
    if (!std::filesystem::is_directory(resource_directory, ec))
        return out;
    for (const auto& de : std::filesystem::directory_iterator(resource_directory)) {
        auto name = log::LogfileName::parse(de.path().filename().string());
        // symlink_status: a tombstone is a symlink and must not count.
        if (!name || !de.is_regular_file() || de.is_symlink())
            continue;
        // A logfile deleted between listing and this look is gone: skip it.
        std::error_code size_error;
        const auto size = de.file_size(size_error);
        if (size_error)
            continue;
        out.push_back({*name, de.path(), size});
    }
    std::sort(out.begin(), out.end(), [](const LocalLogfile& a, const LocalLogfile& b) {
        return std::tie(a.name.number, a.name.host) < std::tie(b.name.number, b.name.host);
    });
    return out;
}

} // namespace mars::resource
