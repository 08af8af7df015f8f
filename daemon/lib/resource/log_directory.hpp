// The logfiles present on this host in /mars/resource-<res>/: what replay
// can read and what rotation and cleanup look at.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "log/logfile_name.hpp"

namespace mars::resource {

struct LocalLogfile {
    log::LogfileName name;
    std::filesystem::path path;
    std::uint64_t size = 0;
};

// Regular files named log-<9 digits>-<host>, sorted by number then origin.
// Ignores everything else, including the tombstone symlink a deleted
// logfile leaves behind and interrupted writes (.tmp.*). Empty if the
// directory does not exist; throws std::filesystem::filesystem_error on
// other errors.
std::vector<LocalLogfile> list_logfiles(const std::filesystem::path& resource_directory);

} // namespace mars::resource
