// The "vice versa" direction of the cross-format test: the userspace
// LogWriter begins a logfile on the host, the kernel continues it in the
// guest (marstest mixed), and the host then reads the whole file as one log.
#pragma once

#include <cstdint>
#include <filesystem>

namespace mars::kmodtest {

// Writes into `dir`: `log` (direct IO, alignment 4096, no compression, seq
// from 1: every byte of the device, then random writes, a zeroes and a FUA
// write), `image` (the device after that log) and `meta` ("<end offset>
// <next seq> <last stamp>\n": where and how the kernel continues).
// Throws std::runtime_error if direct IO is not available in `dir` (the
// end offset must be a multiple of 4096).
void write_host_log(const std::filesystem::path& dir, std::uint64_t device_bytes);

} // namespace mars::kmodtest
