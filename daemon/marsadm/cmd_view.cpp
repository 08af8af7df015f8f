// marsadm view [RES|all] [--json]: the cluster, its members and the
// resources as this host sees them. The text of one resource comes from
// render_resource (resource_render.hpp).
#include <cstdio>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "bus_client.hpp"
#include "commands.hpp"
#include "resource_args.hpp"
#include "resource_client.hpp"
#include "resource_render.hpp"

namespace mars::marsadm {
namespace {

struct PeerRow {
    std::string host;
    std::string address;
    bool alive = false;
};

std::string read_string_property(BusClient& bus, const char* name)
{
    ReplyGuard r{bus.property(name, "s")};
    const char* s = nullptr;
    if (sd_bus_message_read(r.m, "s", &s) < 0 || !s)
        throw BusError("", std::string("marsd sent a malformed ") + name + " property");
    return s;
}

std::vector<PeerRow> read_peers(BusClient& bus)
{
    ReplyGuard r{bus.property("Peers", "a(ssb)")};
    std::vector<PeerRow> rows;
    if (sd_bus_message_enter_container(r.m, 'a', "(ssb)") < 0)
        throw BusError("", "marsd sent a malformed Peers property");
    const char *host = nullptr, *address = nullptr;
    int alive = 0;
    while (sd_bus_message_read(r.m, "(ssb)", &host, &address, &alive) > 0)
        rows.push_back({host, address, alive != 0});
    sd_bus_message_exit_container(r.m);
    return rows;
}

// view RES[,RES2]: just those resources; JSON one property object a line.
int view_resources(BusClient& bus, const std::vector<std::string>& names, bool json)
{
    for (const auto& name : names) {
        auto props = read_resource_properties(bus, name);
        if (json)
            std::cout << props.dump() << "\n";
        else
            std::cout << render_resource(properties_from_json(props));
    }
    return kExitOk;
}

int view(const CommandLine& cl)
{
    if (cl.positional().size() > 1)
        throw UsageError("unexpected argument '" + cl.positional()[1] + "'");
    std::optional<std::vector<std::string>> only;
    if (!cl.positional().empty())
        only = resource_targets(cl.positional()[0]);
    BusClient bus;
    if (only)
        return view_resources(bus, *only, cl.flag("json"));

    std::string host = read_string_property(bus, "Host");
    std::string uuid = read_string_property(bus, "ClusterUuid");
    auto peers = read_peers(bus);
    std::vector<nlohmann::json> resources;
    for (const auto& name : list_resources(bus))
        resources.push_back(read_resource_properties(bus, name));
    if (cl.flag("json")) {
        nlohmann::json j{{"host", host}, {"cluster", uuid}, {"peers", nlohmann::json::array()}};
        for (const auto& p : peers)
            j["peers"].push_back({{"host", p.host}, {"address", p.address}, {"alive", p.alive}});
        // Only present when there are resources, so a cluster-only view
        // keeps its shape.
        if (!resources.empty())
            j["resources"] = resources;
        std::cout << j.dump() << "\n";
        return kExitOk;
    }
    if (uuid.empty()) {
        std::cout << "host " << host << ": not in a cluster (marsadm create-cluster or join-cluster)\n";
        return kExitOk;
    }
    std::cout << "cluster " << uuid << ", this host " << host << "\n";
    std::printf("  %-20s %-40s %s\n", "host", "address", "alive");
    for (const auto& p : peers)
        std::printf("  %-20s %-40s %s\n", (p.host + (p.host == host ? "*" : "")).c_str(), p.address.c_str(),
                    p.alive ? "yes" : "no");
    std::fflush(stdout);
    for (const auto& r : resources)
        std::cout << "\n" << render_resource(properties_from_json(r));
    return kExitOk;
}

} // namespace

Command view_command()
{
    Command c;
    c.name = "view";
    c.synopsis = "[RES|all] [--json]";
    c.summary = "Show the cluster, its members and resources as this host sees them";
    c.details = "Without RES (or with 'all'): the cluster, its members and every resource. Members come from\n"
                "ips/ip-<host>; 'alive' means a heartbeat from that host arrived within the last 30 seconds.\n"
                "The own host is marked with '*'. Each resource shows MARS's default line\n"
                "  RES [MEMBERS] DISKSTATE REPLSTATE FLAGS ROLE PRIMARY\n"
                "(flags: Disk/device, Consistent, Attached, Synced, Fetching, Replaying; upper case = on,\n"
                "lower case = in progress, '-' = off), then the device, positions, lag, sync progress,\n"
                "split brain and the last error where they apply.\n"
                "--json prints one JSON object (host, cluster, peers, and resources when there are any:\n"
                "all properties of each resource object); with RES, one object of properties per resource.\n";
    c.options.flags = {"json", "verbose"};
    c.options.with_value = {"timeout"};
    c.run = view;
    return c;
}

} // namespace mars::marsadm
