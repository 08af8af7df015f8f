// Making directory entries durable. A new file, rename or symlink is not
// on disk until its directory has been fsynced; mars state that later
// serves as proof must pass through here before anything relies on it.
#pragma once

#include <filesystem>

namespace mars::util {

// fsync()s the directory itself. Throws std::system_error naming it.
void fsync_directory(const std::filesystem::path& directory);

} // namespace mars::util
