// Cluster commands: create-cluster, and the expert tree edits set-link,
// get-link, delete-file. Each is one D-Bus call to marsd.
#include <iostream>

#include "bus_client.hpp"
#include "commands.hpp"

namespace mars::marsadm {
namespace {

void expect_args(const CommandLine& cl, std::size_t n, const char* what)
{
    if (cl.positional().size() < n)
        throw UsageError(std::string("missing ") + what);
    if (cl.positional().size() > n)
        throw UsageError("unexpected argument '" + cl.positional()[n] + "'");
}

int create_cluster(const CommandLine& cl)
{
    expect_args(cl, 0, "");
    std::string ip = cl.value("ip").value_or("");
    if (cl.flag("dry-run")) {
        std::cout << "would create a cluster" << (ip.empty() ? "" : " at " + ip) << "\n";
        return kExitOk;
    }
    BusClient bus;
    ReplyGuard reply{bus.call("CreateCluster", "s", ip.c_str())};
    ReplyGuard uuid{bus.property("ClusterUuid", "s")};
    const char* u = nullptr;
    sd_bus_message_read(uuid.m, "s", &u);
    if (cl.flag("verbose"))
        std::cout << "created cluster " << (u ? u : "?") << "\n";
    return kExitOk;
}

int join_cluster(const CommandLine& cl)
{
    if (cl.positional().empty())
        throw UsageError("missing the host to join");
    if (cl.positional().size() > 2)
        throw UsageError("unexpected argument '" + cl.positional()[2] + "'");
    const std::string& host = cl.positional()[0];
    std::string address = cl.positional().size() > 1 ? cl.positional()[1] : cl.value("ip").value_or("");
    if (address.empty())
        throw UsageError("give the address of " + host + " (marsadm join-cluster " + host + " ADDR)");
    if (cl.flag("dry-run")) {
        std::cout << "would join the cluster of " << host << " at " << address << "\n";
        return kExitOk;
    }
    // Joining waits for the network (connect, handshake, the whole tree).
    const uint64_t timeout_s = cl.number("timeout").value_or(120);
    BusClient bus;
    ReplyGuard r{bus.call_with_timeout(timeout_s * 1000000, "JoinCluster", "ss", host.c_str(), address.c_str())};
    return kExitOk;
}

int leave_cluster(const CommandLine& cl)
{
    expect_args(cl, 0, "");
    if (cl.flag("dry-run")) {
        std::cout << "would leave the cluster\n";
        return kExitOk;
    }
    BusClient bus;
    ReplyGuard r{bus.call("LeaveCluster", "")};
    return kExitOk;
}

int update_cluster(const CommandLine& cl)
{
    expect_args(cl, 0, "");
    BusClient bus;
    ReplyGuard r{bus.call("UpdateCluster", "")};
    return kExitOk;
}

int set_link(const CommandLine& cl)
{
    expect_args(cl, 2, "KEY and VALUE");
    if (cl.flag("dry-run")) {
        std::cout << "would set " << cl.positional()[0] << " -> " << cl.positional()[1] << "\n";
        return kExitOk;
    }
    BusClient bus;
    ReplyGuard r{bus.call("SetLink", "ss", cl.positional()[0].c_str(), cl.positional()[1].c_str())};
    return kExitOk;
}

int get_link(const CommandLine& cl)
{
    expect_args(cl, 1, "KEY");
    BusClient bus;
    ReplyGuard r{bus.call("GetLink", "s", cl.positional()[0].c_str())};
    const char* value = nullptr;
    uint64_t stamp = 0;
    sd_bus_message_read(r.m, "st", &value, &stamp);
    if (cl.flag("verbose"))
        std::cout << value << " " << stamp / 1000000000ull << "." << stamp % 1000000000ull << "\n";
    else
        std::cout << value << "\n";
    return kExitOk;
}

int delete_file(const CommandLine& cl)
{
    expect_args(cl, 1, "KEY");
    if (cl.flag("dry-run")) {
        std::cout << "would delete " << cl.positional()[0] << "\n";
        return kExitOk;
    }
    BusClient bus;
    ReplyGuard r{bus.call("DeleteFile", "s", cl.positional()[0].c_str())};
    return kExitOk;
}

OptionSpec common_options(std::set<std::string> values = {})
{
    OptionSpec s;
    s.flags = {"dry-run", "verbose"};
    s.with_value = std::move(values);
    s.with_value.insert("timeout");
    return s;
}

} // namespace

std::vector<Command> cluster_commands()
{
    std::vector<Command> out;
    out.push_back({"create-cluster", "[--ip ADDR]", "Found a new cluster with this host as its first member",
                   "Writes the cluster uuid and this host's address (ips/ip-<host>) into an empty /mars.\n"
                   "  --ip ADDR   the address peers reach this host on (default: [host] listen)\n",
                   common_options({"ip"}), create_cluster});
    out.push_back({"join-cluster", "HOST ADDR", "Join the cluster HOST (reachable at ADDR) belongs to",
                   "Announces this host to HOST and pulls the cluster's state tree from it. Copy the cluster\n"
                   "key (/etc/mars/psk, mode 0600) from a member first. Waits until the join is done.\n",
                   common_options({"ip"}), join_cluster});
    out.push_back({"leave-cluster", "", "Leave the cluster (this host stays a witness of the tree)",
                   "Deletes ips/ip-<this host> everywhere. Leave all resources first.\n", common_options(),
                   leave_cluster});
    out.push_back({"update-cluster", "", "Pull the state tree from every peer now", "", common_options(),
                   update_cluster});
    out.push_back({"set-link", "KEY VALUE", "Expert: set a state tree entry (with a fresh Lamport stamp)",
                   "KEY is a path below /mars, e.g. userspace/note. The entry spreads to all peers.\n",
                   common_options(), set_link});
    out.push_back({"get-link", "KEY", "Expert: print the value of a state tree entry",
                   "With --verbose also its Lamport stamp (seconds.nanoseconds). Exit code 1 if absent.\n",
                   common_options(), get_link});
    out.push_back({"delete-file", "KEY", "Expert: delete a state tree entry everywhere (tombstone)",
                   "Replaces the entry by a .deleted tombstone that spreads to all peers.\n", common_options(),
                   delete_file});
    return out;
}

} // namespace mars::marsadm
