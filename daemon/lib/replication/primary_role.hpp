// This host as the primary of one resource: crash recovery, then the
// device /dev/mars/<name> with its log (PrimaryDevice: mars.ko or the
// userspace data path behind FUSE); while running it publishes the writeback position as
// replay-<host>, rotates the log by size and age and writes the
// versionlink of every logfile it finishes.
//
// Start order matters for crash safety (mars-reference §2, §5.2):
//   1. replay our own log from replay-<host> onto the disk (recovery);
//   2. versionlinks for our logfiles that ended without one (a crash or a
//      stop before rotation), from each file's real end — durable before
//      anything else;
//   3. the log writer continues in a new logfile; maxnr and replay-<host>
//      are made durable;
//   4. only then does the device appear.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/resource_config.hpp"
#include "history/rotation_policy.hpp"
#include "replication/primary_device.hpp"
#include "replication/resource_status.hpp"
#include "resource/resource_state.hpp"

namespace mars::replication {

struct PrimaryOptions {
    std::string resource;
    std::string host;           // this host
    std::filesystem::path home; // /mars
    std::filesystem::path disk;
    std::uint64_t size = 0;  // the resource size
    std::string device_name; // /dev/mars/<device_name>
    std::filesystem::path device_directory = "/dev/mars";
    std::filesystem::path run_directory = "/run/mars";
    config::ResourceConfig config; // compression, completion, frontend
    history::RotationPolicy rotation;
    std::size_t memory_limit = 256u << 20;
    std::filesystem::path kmod_control = kmod::kControlPath; // frontend=auto|kmod looks here
};

class PrimaryRole {
  public:
    // `tree_changed` runs (on the calling thread) after this role wrote to
    // the tree, so peers hear of it.
    PrimaryRole(PrimaryOptions options, resource::ResourceState& state, std::function<void()> tree_changed);
    // Stops if still running, even with the device in use (its users get
    // I/O errors), so marsd can always exit.
    ~PrimaryRole();
    PrimaryRole(const PrimaryRole&) = delete;
    PrimaryRole& operator=(const PrimaryRole&) = delete;

    // Recovery, then the device: mars.ko or the userspace data path as the
    // resource's frontend setting says. Throws with what failed; nothing is
    // left running then.
    void start();
    // Main-thread housekeeping: publish the writeback position, rotate.
    void tick();
    // log-rotate: start a new logfile now (if the current one is not empty).
    void rotate();
    // Removes the device (throws std::system_error EBUSY while it is in
    // use, and keeps serving), writes back everything, publishes the final
    // position.
    void stop();

    bool running() const { return device_ != nullptr; }
    ResourceStatus status() const;
    // Thread-safe: the end of the log now (replay-link syntax), "" when
    // not running. A full sync ends at this position (syncpos-<host>).
    std::string logged_position() const;

  private:
    void recover_disk();
    void finish_logfiles_without_versionlink(std::uint32_t before);
    std::optional<std::string> publish_versionlink(std::uint32_t number, std::uint64_t length,
                                                   const std::map<std::uint32_t, std::string>& versions);
    void publish_position(tree::Durability durability);
    void rotate_now(const char* why);
    std::filesystem::path log_directory() const;
    void release_device();

    PrimaryOptions options_;
    resource::ResourceState& state_;
    std::function<void()> tree_changed_;

    std::uint32_t next_logfile_ = 1;
    std::uint64_t next_seq_ = 1;
    std::string recovery_note_;
    std::unique_ptr<PrimaryDevice> device_;
    std::string published_;
    std::chrono::steady_clock::time_point logfile_started_;
    mutable std::mutex status_mutex_;
    std::string last_error_;
};

} // namespace mars::replication
