// The table of marsadm commands. Each command lives in its own cmd_*.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "command_line.hpp"

namespace mars::marsadm {

// Exit codes of marsadm.
enum ExitCode : int {
    kExitOk = 0,      // done
    kExitFailed = 1,  // the command ran and failed, or found a defect
    kExitUsage = 2,   // wrong usage
};

struct Command {
    std::string name;
    std::string synopsis; // arguments after the name
    std::string summary;  // one line for --help
    std::string details;  // shown by "marsadm <command> --help"
    OptionSpec options;
    std::function<int(const CommandLine&)> run;
};

const std::vector<Command>& all_commands();

// Individual commands, by area.
Command dump_log_command();
std::vector<Command> cluster_commands();
Command view_command();
Command wait_cluster_command();
std::vector<Command> resource_commands();
std::vector<Command> switch_commands();
Command wait_resource_command();

} // namespace mars::marsadm
