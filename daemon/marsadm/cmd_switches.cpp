// The switches of a resource on this host: attach, detach, pause-/resume-
// fetch, replay and sync, up, down, log-rotate, log-delete. Each is one
// method of the resource object that records the request and returns;
// 'marsadm wait-resource' waits for the effect. RES may be one resource,
// "r1,r2", or "all" (the resources this host is a member of); the exit code
// is 1 if any of them failed.
#include <iostream>

#include "bus_client.hpp"
#include "commands.hpp"
#include "resource_args.hpp"
#include "resource_client.hpp"

namespace mars::marsadm {
namespace {

struct Switch {
    const char* name;
    const char* method;
    const char* summary;
    const char* details;
};

const Switch kSwitches[] = {
    {"attach", "Attach", "Open this host's disk of RES", "Wait for it with 'marsadm wait-resource RES attached'.\n"},
    {"detach", "Detach", "Close this host's disk of RES",
     "The device must be unused. Wait for it with 'marsadm wait-resource RES detached'.\n"},
    {"pause-fetch", "PauseFetch", "Stop fetching logfiles from the primary", ""},
    {"resume-fetch", "ResumeFetch", "Fetch logfiles from the primary again", ""},
    {"pause-replay", "PauseReplay", "Stop replaying fetched logfiles to the disk", ""},
    {"resume-replay", "ResumeReplay", "Replay fetched logfiles to the disk again", ""},
    {"pause-sync", "PauseSync", "Pause the full sync of this host's disk", ""},
    {"resume-sync", "ResumeSync", "Continue the full sync of this host's disk", ""},
    {"up", "Up", "Attach and resume fetch, replay and sync",
     "What mars@RES.service runs on start. On the designated primary it also serves the device.\n"},
    {"down", "Down", "Pause fetch, replay and sync, and detach",
     "What mars@RES.service runs on stop. The device must be unused.\n"},
    {"log-rotate", "LogRotate", "Expert: start a new logfile on the primary now", ""},
    {"log-delete", "LogDelete", "Expert: delete logfiles every member has replayed", ""},
};

int run_switch(const Switch& s, const CommandLine& cl)
{
    expect_positionals(cl, {"resource"}, 1);
    const auto targets = resource_targets(cl.positional()[0]);
    const std::string command = s.name;
    if (cl.flag("dry-run") && targets) {
        for (const auto& name : *targets)
            std::cout << "would " << command << " " << name << "\n";
        return kExitOk;
    }
    BusClient bus;
    const std::vector<std::string> names = targets ? *targets : local_resources(bus);
    if (names.empty() && cl.flag("verbose"))
        std::cerr << "marsadm " << command << ": this host is a member of no resource\n";
    int exit_code = kExitOk;
    for (const auto& name : names) {
        if (cl.flag("dry-run")) {
            std::cout << "would " << command << " " << name << "\n";
            continue;
        }
        try {
            call_resource(bus, name, s.method);
            if (cl.flag("verbose"))
                std::cout << command << " " << name << ": requested\n";
        } catch (const BusError& e) {
            std::cerr << "marsadm " << command << " " << name << ": " << e.what() << "\n";
            exit_code = kExitFailed;
        }
    }
    return exit_code;
}

} // namespace

std::vector<Command> switch_commands()
{
    std::vector<Command> out;
    for (const auto& s : kSwitches) {
        Command c;
        c.name = s.name;
        c.synopsis = "RES|RES1,RES2|all";
        c.summary = s.summary;
        c.details = std::string(s.details) +
                    "RES may be a list (r1,r2) or 'all', the resources this host is a member of; the\n"
                    "exit code is 1 if any of them failed. marsd records the request and returns.\n"
                    "  --dry-run     print what would be done\n"
                    "  --verbose     report each resource\n"
                    "D-Bus: Resource." +
                    s.method + "().\n";
        c.options.flags = {"dry-run", "verbose"};
        c.run = [&s](const CommandLine& cl) { return run_switch(s, cl); };
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace mars::marsadm
