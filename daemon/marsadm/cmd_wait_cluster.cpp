// marsadm wait-cluster [--timeout S]: asks marsd to pull from every peer and
// waits until every member's heartbeat is fresh.
#include <chrono>
#include <iostream>
#include <thread>

#include "bus_client.hpp"
#include "commands.hpp"

namespace mars::marsadm {
namespace {

// Members not alive right now, as "beta, gamma".
std::string unreachable_members(BusClient& bus)
{
    ReplyGuard r{bus.property("Peers", "a(ssb)")};
    std::string out;
    if (sd_bus_message_enter_container(r.m, 'a', "(ssb)") < 0)
        throw BusError("", "marsd sent a malformed Peers property");
    const char *host = nullptr, *address = nullptr;
    int alive = 0;
    while (sd_bus_message_read(r.m, "(ssb)", &host, &address, &alive) > 0)
        if (!alive)
            out += (out.empty() ? "" : ", ") + std::string(host);
    return out;
}

int wait_cluster(const CommandLine& cl)
{
    if (!cl.positional().empty())
        throw UsageError("unexpected argument '" + cl.positional()[0] + "'");
    const auto timeout = std::chrono::seconds(cl.number("timeout").value_or(60));
    BusClient bus;
    ReplyGuard r{bus.call("UpdateCluster", "")};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        std::string missing = unreachable_members(bus);
        if (missing.empty())
            return kExitOk;
        if (std::chrono::steady_clock::now() >= deadline) {
            std::cerr << "marsadm wait-cluster: after " << timeout.count() << " s still no heartbeat from "
                      << missing << "\n";
            return kExitFailed;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

} // namespace

Command wait_cluster_command()
{
    Command c;
    c.name = "wait-cluster";
    c.synopsis = "[--timeout SECONDS]";
    c.summary = "Wait until every cluster member is alive (default timeout 60 s)";
    c.details = "Triggers a pull from every peer, then waits until each member's heartbeat is fresh.\n"
                "Exit code 1 naming the silent members when the timeout passes.\n";
    c.options.flags = {"verbose"};
    c.options.with_value = {"timeout"};
    c.run = wait_cluster;
    return c;
}

} // namespace mars::marsadm
