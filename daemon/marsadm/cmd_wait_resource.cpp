// marsadm wait-resource RES CONDITION [--timeout S]: polls the resource's
// properties until the condition holds (wait_condition.hpp), bounded by the
// timeout, like wait-cluster does for heartbeats.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "bus_client.hpp"
#include "commands.hpp"
#include "resource_args.hpp"
#include "resource_client.hpp"
#include "wait_condition.hpp"

namespace mars::marsadm {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);

int wait_resource(const CommandLine& cl)
{
    expect_positionals(cl, {"resource", "condition"}, 2);
    const std::string& name = cl.positional()[0];
    check_resource_arg(name);
    const auto condition = parse_wait_condition(cl.positional()[1]);
    if (!condition)
        throw UsageError("unknown condition '" + cl.positional()[1] + "' (one of " + wait_condition_names() + ")");
    // Clamped to a year so that the deadline cannot overflow.
    const auto timeout = std::chrono::seconds(std::min(cl.number("timeout").value_or(60), 365ull * 86400));
    const auto deadline = std::chrono::steady_clock::now() + timeout;

    BusClient bus;
    std::string last_seen;
    for (;;) {
        try {
            // A resource may appear only after the tree reached this host
            // (join-resource, gossip): until then keep waiting.
            auto props = properties_from_json(read_resource_properties(bus, name));
            if (condition_holds(*condition, props))
                return kExitOk;
            last_seen = condition_evidence(*condition, props);
        } catch (const BusError& e) {
            if (e.name() != "org.freedesktop.DBus.Error.UnknownObject" && e.name() != "org.mars.Mars1.Error.NotFound")
                throw;
            last_seen = e.what();
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::cerr << "marsadm wait-resource: after " << timeout.count() << " s " << name << " is still not "
                      << wait_condition_name(*condition) << ": " << last_seen << "\n";
            return kExitFailed;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

} // namespace

Command wait_resource_command()
{
    Command c;
    c.name = "wait-resource";
    c.synopsis = "RES CONDITION [--timeout SECONDS]";
    c.summary = "Wait until a condition holds for RES on this host (default timeout 60 s)";
    c.details = "Conditions, decided on the properties of the resource object:\n"
                "  attached     the disk is open (flag A)          detached    the disk is closed (flag '-')\n"
                "  primary      Role is Primary                    secondary   Role is Secondary\n"
                "  device       /dev/mars/<name> is served here    device-off  it is not\n"
                "  uptodate     DiskState is UpToDate\n"
                "  synced       the full sync is done (SyncRemaining 0, SyncProgress 1)\n"
                "  caught-up    no fetch or replay lag, replayed up to the primary's position\n"
                "  replicating  ReplState is Replicating (primary) or Replaying (secondary)\n"
                "Exit code 1 with the last values seen when the timeout passes; --timeout 0 checks once.\n";
    c.options.flags = {"verbose"};
    c.options.with_value = {"timeout"};
    c.run = wait_resource;
    return c;
}

} // namespace mars::marsadm
