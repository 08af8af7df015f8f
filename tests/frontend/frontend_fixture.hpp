// Helpers for the FUSE frontend tests: running system tools, skipping
// where FUSE or loop devices are missing, aligned buffers, and checks that
// a teardown left nothing behind.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mars::test {

struct Command {
    int status = -1;    // exit status, or -1 if it did not exit normally
    std::string output; // stdout and stderr
};

// Runs argv[0] (searched in PATH plus /sbin and /usr/sbin).
Command run(const std::vector<std::string>& argv);

// Why the frontend tests cannot run here, or empty.
std::string frontend_unavailable();
bool have_program(const std::string& name);

// The loop device number of /dev/loopN.
int loop_number(const std::filesystem::path& loop_device);

} // namespace mars::test
