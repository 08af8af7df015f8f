// Crash consistency, host side: qemu was killed while writers in the guest
// (tests/kmod/guest/crash.c) wrote 4096-byte blocks through a logged
// /dev/marsN whose log was the raw disk image. After the log was replayed
// onto a zero image (check_chain), every block must hold a valid version
// (or zeroes if it was never written), and at least the last version the
// guest acknowledged on the console ("ACK <block> <version>"): a later,
// unacknowledged version may be there too, it may have become durable
// just before the kill.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mars::kmodtest {

struct CrashReport {
    std::vector<std::string> failures;
    std::uint64_t acks = 0;         // complete ACK lines
    std::uint64_t acked_blocks = 0; // distinct blocks acknowledged
    std::uint64_t newer = 0;        // blocks with a later version than acknowledged
    std::uint64_t written = 0;      // blocks holding any version
};

CrashReport check_crash(const std::filesystem::path& replayed_image, const std::filesystem::path& serial_log);

} // namespace mars::kmodtest
