// This host as a secondary of one resource: two threads.
//
//   fetcher:  full sync first if the disk is not synced yet (syncstatus
//             below the size), then, round after round, lists the
//             primary's logfiles and appends what is missing locally
//             (from the logfile's origin host when it is reachable, else
//             from the primary); repairs local copies the replayer found
//             damaged by cutting them at the last good record and
//             fetching again.
//   replayer: once synced, applies the local logfiles in log order
//             (engine::LogFollower), publishes replay-<host>, and moves to
//             the next logfile only when history::decide_switch allows it
//             (own versionlink made durable first). A split brain stops it
//             with a message; it never guesses.
//
// Both threads read the state tree afresh each round, so pause/resume
// switches, a new primary or a deleted resource take effect by themselves.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/backing_disk.hpp"
#include "engine/log_follower.hpp"
#include "replication/resource_status.hpp"
#include "resource/resource_state.hpp"
#include "transfer/fetch_client.hpp"
#include "transfer/sync_client.hpp"
#include "tree/lamport_clock.hpp"

namespace mars::replication {

struct SecondaryOptions {
    std::string resource;
    std::string host;           // this host
    std::filesystem::path home; // /mars
    std::filesystem::path disk;
    std::uint64_t size = 0;        // resource size
    transfer::ClientOptions fetch; // port, security, bandwidth, compression
    transfer::ClientOptions sync;
    // Address of a peer host, nullopt if unknown; whether it is alive.
    std::function<std::optional<std::string>(const std::string& host)> peer_address;
    std::function<bool(const std::string& host)> peer_alive;
    std::chrono::milliseconds poll_interval{1000};
};

class SecondaryRole {
  public:
    // `tree_changed` must be thread-safe: the threads call it after writing.
    SecondaryRole(SecondaryOptions options, resource::ResourceState& state, tree::LamportClock& clock,
                  std::function<void()> tree_changed);
    ~SecondaryRole();
    SecondaryRole(const SecondaryRole&) = delete;
    SecondaryRole& operator=(const SecondaryRole&) = delete;

    void start();
    // Stops both threads promptly (network calls are aborted).
    void stop();
    // Something changed (tree, a peer's notify): look again now.
    void wake();

    ResourceStatus status() const;

  private:
    void fetch_loop();
    void replay_loop();
    bool sync_round(const resource::ResourceInfo& info);
    // Returns whether it fetched anything.
    bool fetch_round(const resource::ResourceInfo& info, bool fetch);
    void repair_if_requested();
    bool replay_round(const resource::ResourceInfo& info);
    bool try_switch(const resource::ResourceInfo& info, const engine::ReplayPosition& at);
    void publish(const engine::ReplayPosition& position, tree::Durability durability);
    transfer::FetchClient& client_for(const std::string& host);
    void drop_clients();
    std::string fetch_source(const std::string& origin, const std::string& primary);
    std::uint64_t wake_generation();
    void sleep_for(std::chrono::milliseconds d, std::uint64_t seen);
    void set_error(const std::string& message, bool is_split_brain = false);
    void clear_error();
    std::filesystem::path log_directory() const;

    SecondaryOptions options_;
    resource::ResourceState& state_;
    tree::LamportClock& clock_;
    std::function<void()> tree_changed_;

    std::atomic<bool> stopping_{false};
    std::thread fetcher_;
    std::thread replayer_;
    std::mutex wake_mutex_;
    std::condition_variable wake_cv_;
    std::uint64_t wake_generation_ = 0;

    // Created by the fetcher; stop() aborts them from another thread.
    std::mutex clients_mutex_;
    std::map<std::string, std::unique_ptr<transfer::FetchClient>> clients_;
    std::shared_ptr<transfer::SyncClient> active_sync_;
    // Replayer thread only.
    std::unique_ptr<engine::BackingDisk> disk_;
    std::unique_ptr<engine::LogFollower> follower_;
    std::chrono::steady_clock::time_point last_publish_{};
    std::string published_;

    // Shared, under mutex_.
    mutable std::mutex mutex_;
    std::vector<transfer::RemoteLogfile> remote_;                 // the primary's logfiles at the last listing
    std::optional<std::pair<std::string, std::uint64_t>> repair_; // damaged local logfile, cut here
    bool repaired_ = false;
    unsigned repairs_ = 0;
    engine::ReplayPosition position_; // durable replay position
    bool replaying_ = false;
    bool syncing_ = false;
    std::uint64_t sync_done_ = 0;
    std::uint64_t last_stamp_ = 0;
    std::string connected_to_; // "" when the primary cannot be reached
    std::string last_error_;
    std::string split_brain_;
};

} // namespace mars::replication
