// marsadm: the mars admin command line.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "bus_client.hpp"
#include "commands.hpp"

namespace mars::marsadm {
namespace {

constexpr const char* kVersion = "0.1.0";

void print_help(std::ostream& out)
{
    out << "usage: marsadm [--help] [--version] <command> [arguments] [options]\n\n"
           "Commands:\n";
    for (const auto& c : all_commands())
        out << "  " << c.name << " " << c.synopsis << "\n      " << c.summary << "\n";
    out << "\n'marsadm <command> --help' describes one command.\n"
           "Exit codes: 0 success, 1 the command failed or found a defect, 2 wrong usage.\n";
}

void print_command_help(const Command& c, std::ostream& out)
{
    out << "usage: marsadm " << c.name << " " << c.synopsis << "\n\n" << c.summary << "\n";
    if (!c.details.empty())
        out << "\n" << c.details;
}

int run(const std::vector<std::string>& args)
{
    if (args.empty()) {
        print_help(std::cerr);
        return kExitUsage;
    }
    const std::string& name = args[0];
    if (name == "--help" || name == "-h" || name == "help") {
        print_help(std::cout);
        return kExitOk;
    }
    if (name == "--version") {
        std::cout << "marsadm " << kVersion << "\n";
        return kExitOk;
    }
    for (const auto& c : all_commands()) {
        if (c.name != name)
            continue;
        std::vector<std::string> rest(args.begin() + 1, args.end());
        for (const auto& a : rest) {
            if (a == "--")
                break;
            if (a == "--help" || a == "-h") {
                print_command_help(c, std::cout);
                return kExitOk;
            }
        }
        try {
            CommandLine cl(rest, c.options);
            return c.run(cl);
        } catch (const BusError& e) {
            std::cerr << "marsadm " << c.name << ": " << e.what() << "\n";
            return kExitFailed;
        } catch (const UsageError& e) {
            std::cerr << "marsadm " << c.name << ": " << e.what() << "\nusage: marsadm " << c.name << " "
                      << c.synopsis << " (see 'marsadm " << c.name << " --help')\n";
            return kExitUsage;
        }
    }
    std::cerr << "marsadm: unknown command '" << name << "' (see 'marsadm --help')\n";
    return kExitUsage;
}

} // namespace

const std::vector<Command>& all_commands()
{
    static const std::vector<Command> commands = [] {
        std::vector<Command> all = cluster_commands();
        all.push_back(wait_cluster_command());
        for (auto& c : resource_commands())
            all.push_back(std::move(c));
        for (auto& c : switch_commands())
            all.push_back(std::move(c));
        all.push_back(wait_resource_command());
        all.push_back(view_command());
        all.push_back(dump_log_command());
        return all;
    }();
    return commands;
}

} // namespace mars::marsadm

int main(int argc, char** argv)
{
    try {
        return mars::marsadm::run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        std::cerr << "marsadm: " << e.what() << "\n";
        return mars::marsadm::kExitFailed;
    }
}
