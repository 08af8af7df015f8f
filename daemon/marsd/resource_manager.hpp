// This host's resources: turns the state tree (who is designated primary,
// which switches are on) and /etc/mars/resources/<res>.conf into running
// roles — a PrimaryRole or a SecondaryRole per resource — and carries out
// the resource commands. Main thread only, except the lookups the fetch
// and sync servers make (primary_disk, logged_position), which are
// thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "cluster/cluster_state.hpp"
#include "config/host_config.hpp"
#include "replication/primary_role.hpp"
#include "replication/resource_status.hpp"
#include "replication/secondary_role.hpp"
#include "resource/resource_state.hpp"
#include "transfer/transfer_server.hpp"
#include "tree/lamport_clock.hpp"
#include "tree/state_tree.hpp"

namespace mars::marsd {

enum class ResourceCommand {
    attach,
    detach,
    pause_fetch,
    resume_fetch,
    pause_replay,
    resume_replay,
    pause_sync,
    resume_sync,
    up,
    down,
    log_rotate,
    log_delete,
};

struct ResourceManagerContext {
    const config::HostConfig& config;
    tree::StateTree& tree;
    tree::LamportClock& clock;
    cluster::ClusterState& cluster;
    std::function<bool(const std::string& host)> peer_alive;
    // Thread-safe: the tree changed here (tell peers, publish on D-Bus).
    std::function<void()> tree_changed;
};

class ResourceManager {
  public:
    explicit ResourceManager(ResourceManagerContext context);
    ~ResourceManager();
    ResourceManager(const ResourceManager&) = delete;

    // The resource entries of the tree, read-only (the bus lists from it).
    const resource::ResourceState& state() const { return state_; }
    ResourceManager& operator=(const ResourceManager&) = delete;

    // Commands (D-Bus). Throw resource::ResourceError or std::invalid_argument
    // with the reason; return once the request is recorded and acted on.
    void create(const std::string& res, const std::string& disk, const std::string& device, std::uint64_t size);
    void join(const std::string& res, const std::string& disk, const std::string& device);
    void leave(const std::string& res);
    void remove(const std::string& res, bool force);
    void command(const std::string& res, ResourceCommand command);

    // Starts the fetch and sync servers (once this host is in a cluster).
    void start_servers();
    // Brings roles in line with the tree and the config; periodic work.
    void reconcile();
    void tick();
    // Stops every role (marsd exits): devices go away even if in use.
    void shutdown();

    replication::ResourceStatus status(const std::string& res) const;

  private:
    struct Running {
        std::shared_ptr<replication::PrimaryRole> primary;
        std::unique_ptr<replication::SecondaryRole> secondary;
        std::string error; // why it is not running as it should
        std::uint64_t retry_after_ns = 0;
    };

    config::ResourceConfig load_config(const std::string& res) const;
    config::ResourceConfig load_member_config(const std::string& res, const std::string& joined_disk) const;
    void reconcile_one(const std::string& res);
    void start_primary(const std::string& res, const resource::ResourceInfo& info, Running& run);
    void start_secondary(const std::string& res, const resource::ResourceInfo& info, Running& run);
    void stop_roles(const std::string& res, bool force);
    void delete_replayed_logfiles(const std::string& res, const resource::ResourceInfo& info);
    void remove_local_logfiles(const std::string& res);
    std::shared_ptr<replication::PrimaryRole> primary_of(const std::string& res) const;
    std::optional<std::string> peer_address(const std::string& host) const;
    std::filesystem::path resource_directory(const std::string& res) const;

    ResourceManagerContext ctx_;
    resource::ResourceState state_;
    mutable std::mutex roles_mutex_; // guards the map against the servers' lookups
    std::map<std::string, Running> roles_;
    std::unique_ptr<transfer::TransferServer> fetch_server_;
    std::unique_ptr<transfer::TransferServer> sync_server_;
};

} // namespace mars::marsd
