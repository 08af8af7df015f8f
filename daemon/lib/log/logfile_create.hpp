// Starting a logfile: whoever appends records to a new logfile — the
// daemon's LogWriter or mars.ko, to which the daemon hands the descriptor —
// gets it from here, so both start from the same durable state.
#pragma once

#include <filesystem>

#include "util/unique_fd.hpp"

namespace mars::log {

// Opens `path` for appending records, write-only: creates it, or accepts an
// existing empty file (created by the admin tool as the next logfile); a
// file with data is refused (EEXIST). With `direct`, tries O_DIRECT first
// and says in `direct_active` whether it got it. The file and its directory
// entry are durable when this returns: a logfile's existence is a proof of
// its number and origin. Throws std::system_error naming the file.
util::UniqueFd create_logfile(const std::filesystem::path& path, bool direct, bool& direct_active);

} // namespace mars::log
