// Runs marsadm (or any program) and captures its output and exit code.
#pragma once

#include <string>
#include <vector>

namespace mars::test {

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

CommandResult run_command(const std::vector<std::string>& argv);

inline CommandResult marsadm(std::vector<std::string> args)
{
    args.insert(args.begin(), MARSADM_PATH);
    return run_command(args);
}

} // namespace mars::test
