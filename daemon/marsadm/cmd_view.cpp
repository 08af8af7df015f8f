// marsadm view [--json]: the cluster and its members as this host sees them.
#include <cstdio>
#include <iostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "bus_client.hpp"
#include "commands.hpp"

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

int view(const CommandLine& cl)
{
    if (!cl.positional().empty() && cl.positional()[0] != "all")
        throw UsageError("resources are not known yet; 'marsadm view' shows the cluster");
    BusClient bus;
    std::string host = read_string_property(bus, "Host");
    std::string uuid = read_string_property(bus, "ClusterUuid");
    auto peers = read_peers(bus);
    if (cl.flag("json")) {
        nlohmann::json j{{"host", host}, {"cluster", uuid}, {"peers", nlohmann::json::array()}};
        for (const auto& p : peers)
            j["peers"].push_back({{"host", p.host}, {"address", p.address}, {"alive", p.alive}});
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
    return kExitOk;
}

} // namespace

Command view_command()
{
    Command c;
    c.name = "view";
    c.synopsis = "[all] [--json]";
    c.summary = "Show the cluster and its members as this host sees them";
    c.details = "Members come from ips/ip-<host>; 'alive' means a heartbeat from that host arrived within the\n"
                "last 30 seconds. The own host is marked with '*'. --json prints one JSON object.\n";
    c.options.flags = {"json", "verbose"};
    c.options.with_value = {"timeout"};
    c.run = view;
    return c;
}

} // namespace mars::marsadm
