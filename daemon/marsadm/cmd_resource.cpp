// Resource membership: create-resource, join-resource (Manager methods),
// leave-resource, delete-resource (methods of the resource object). Each
// records the request in marsd and returns; 'marsadm wait-resource' waits.
#include <algorithm>
#include <iostream>

#include "bus_client.hpp"
#include "commands.hpp"
#include "resource_args.hpp"
#include "resource_client.hpp"
#include "size_arg.hpp"

namespace mars::marsadm {
namespace {

// Creating and joining open disks and may write the tree on a busy host:
// give marsd more than sd-bus's 25 s to answer.
constexpr unsigned long long kDefaultReplyTimeoutS = 60;

// Read before connecting, so that a bad --timeout is wrong usage (exit 2).
std::uint64_t reply_timeout_usec(const CommandLine& cl)
{
    // Clamped to a year so that the microseconds cannot overflow.
    return std::min(cl.number("timeout").value_or(kDefaultReplyTimeoutS), 365ull * 86400) * 1000000ull;
}

// The object path marsd answered with, for --verbose.
std::string read_object_path(sd_bus_message* m)
{
    const char* path = nullptr;
    if (sd_bus_message_read(m, "o", &path) < 0 || !path)
        throw BusError("", "marsd sent a malformed resource path");
    return path;
}

int create_resource(const CommandLine& cl)
{
    expect_positionals(cl, {"resource", "disk", "device name", "size"}, 2);
    const auto& p = cl.positional();
    const std::string& name = p[0];
    const std::string& disk = p[1];
    check_resource_arg(name);
    check_disk_arg(disk);
    std::string device = p.size() > 2 ? p[2] : "";
    if (!device.empty())
        check_device_arg(device);
    std::uint64_t size = 0;
    if (p.size() > 3) {
        auto s = parse_size(p[3]);
        if (!s)
            throw UsageError("size '" + p[3] +
                             "' is not a size (bytes, or with K/M/G/T 1024-based, k/m/g/t "
                             "1000-based suffixes, e.g. 10G)");
        size = *s;
    }
    const std::uint64_t timeout = reply_timeout_usec(cl);
    if (cl.flag("dry-run")) {
        std::cout << "would create resource " << name << " on " << disk << " as /dev/mars/"
                  << (device.empty() ? name : device) << ", size "
                  << (size ? std::to_string(size) + " bytes" : std::string("the whole disk")) << "\n";
        return kExitOk;
    }
    BusClient bus;
    ReplyGuard r{bus.call_with_timeout(timeout, "CreateResource", "ssst", name.c_str(), disk.c_str(), device.c_str(),
                                       static_cast<uint64_t>(size))};
    if (cl.flag("verbose"))
        std::cout << "created resource " << name << " (" << read_object_path(r.m) << ")\n";
    return kExitOk;
}

int join_resource(const CommandLine& cl)
{
    expect_positionals(cl, {"resource", "disk", "device name"}, 2);
    const auto& p = cl.positional();
    const std::string& name = p[0];
    const std::string& disk = p[1];
    check_resource_arg(name);
    check_disk_arg(disk);
    std::string device = p.size() > 2 ? p[2] : "";
    if (!device.empty())
        check_device_arg(device);
    const std::uint64_t timeout = reply_timeout_usec(cl);
    if (cl.flag("dry-run")) {
        std::cout << "would join resource " << name << " with " << disk
                  << " (overwritten by the full sync) as /dev/mars/" << (device.empty() ? name : device) << "\n";
        return kExitOk;
    }
    BusClient bus;
    ReplyGuard r{bus.call_with_timeout(timeout, "JoinResource", "sss", name.c_str(), disk.c_str(), device.c_str())};
    if (cl.flag("verbose"))
        std::cout << "joined resource " << name << " (" << read_object_path(r.m) << ")\n";
    return kExitOk;
}

int leave_resource(const CommandLine& cl)
{
    expect_positionals(cl, {"resource"}, 1);
    const std::string& name = cl.positional()[0];
    check_resource_arg(name);
    const std::uint64_t timeout = reply_timeout_usec(cl);
    if (cl.flag("dry-run")) {
        std::cout << "would leave resource " << name << "\n";
        return kExitOk;
    }
    BusClient bus;
    call_resource(bus, name, "Leave", timeout);
    return kExitOk;
}

int delete_resource(const CommandLine& cl)
{
    expect_positionals(cl, {"resource"}, 1);
    const std::string& name = cl.positional()[0];
    check_resource_arg(name);
    const bool force = cl.flag("force");
    const std::uint64_t timeout = reply_timeout_usec(cl);
    if (cl.flag("dry-run")) {
        std::cout << "would delete resource " << name << " on all members" << (force ? " (forced)" : "") << "\n";
        return kExitOk;
    }
    BusClient bus;
    call_resource_bool(bus, name, "Delete", force, timeout);
    return kExitOk;
}

OptionSpec resource_options(std::set<std::string> extra_flags = {})
{
    OptionSpec s;
    s.flags = std::move(extra_flags);
    s.flags.insert("dry-run");
    s.flags.insert("verbose");
    s.with_value = {"timeout"};
    return s;
}

const char* const kTimeoutHelp = "  --timeout S   how long to wait for marsd's answer (default 60 s)\n"
                                 "  --dry-run     print what would be done\n";

} // namespace

std::vector<Command> resource_commands()
{
    std::vector<Command> out;
    out.push_back({"create-resource", "RES DISK [DEVNAME] [SIZE]",
                   "Create resource RES on DISK with this host as its primary",
                   "Opens DISK exclusively and seeds the resource in the state tree; this host becomes the\n"
                   "designated primary and serves /dev/mars/DEVNAME (default: RES). SIZE defaults to the whole\n"
                   "disk; it is bytes, or a number with K/M/G/T (1024-based) or k/m/g/t (1000-based), e.g. 10G.\n"
                   "To give a SIZE with the default device name, repeat RES as DEVNAME.\n" +
                       std::string(kTimeoutHelp) + "D-Bus: Manager.CreateResource(name, disk, device, size).\n",
                   resource_options(), create_resource});
    out.push_back({"join-resource", "RES DISK [DEVNAME]", "Join resource RES as a secondary with DISK",
                   "The primary must be designated and reachable and DISK at least as large as the resource.\n"
                   "A full sync then OVERWRITES DISK with the primary's data. Follow it with\n"
                   "'marsadm wait-resource RES synced'.\n" +
                       std::string(kTimeoutHelp) + "D-Bus: Manager.JoinResource(name, disk, device).\n",
                   resource_options(), join_resource});
    out.push_back({"leave-resource", "RES", "Leave resource RES (its disk stays as it is)",
                   "This host drops its entries of RES; detach first. Often the way out of a split brain.\n" +
                       std::string(kTimeoutHelp) + "D-Bus: Resource.Leave().\n",
                   resource_options(), leave_resource});
    out.push_back({"delete-resource", "[--force] RES", "Delete resource RES for all members",
                   "Every other member must have left unless --force is given.\n"
                   "  --force       delete even with members left\n" +
                       std::string(kTimeoutHelp) + "D-Bus: Resource.Delete(force).\n",
                   resource_options({"force"}), delete_resource});
    return out;
}

} // namespace mars::marsadm
