// What serves /dev/mars/<name> on the primary and writes the resource's
// transaction log: the userspace data path behind FUSE + loop, or mars.ko.
// PrimaryRole drives either through this interface; both write the same
// log format, so recovery, fetch and replay never care which one wrote.
//
// Life: the constructor prepares the log (the new logfile exists and is
// durable) without exposing anything; start() makes the device appear;
// stop() removes it (refused while in use) and writes back everything;
// destruction tears down whatever is left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/primary_data_path.hpp"
#include "engine/replay_position.hpp"
#include "format/compression.hpp"
#include "frontend/frontend.hpp"
#include "kmod/control.hpp"
#include "log/log_writer.hpp"

namespace mars::replication {

struct PrimaryDeviceOptions {
    std::string resource;
    std::string host;                    // origin of the logfiles
    std::filesystem::path log_directory; // /mars/resource-<res>
    std::uint32_t logfile_number = 1;    // the new logfile to start
    std::uint64_t first_seq = 1;         // seq of its first record
    std::filesystem::path disk;
    std::uint64_t size = 0;
    std::string device_name; // /dev/mars/<device_name>
    std::filesystem::path device_directory = "/dev/mars";
    std::filesystem::path run_directory = "/run/mars"; // FUSE mount files
    format::Compression compression = format::Compression::none;
    log::CompletionMode completion = log::CompletionMode::durable;
    std::size_t memory_limit = 256u << 20; // dirty data held in memory
    std::filesystem::path control_path = kmod::kControlPath; // mars.ko
};

class PrimaryDevice {
  public:
    virtual ~PrimaryDevice() = default;

    // Makes the device appear. Throws; nothing is exposed then.
    virtual void start() = 0;
    // Removes the device and writes back everything; afterwards
    // writeback_position() is the final position. Throws std::system_error
    // EBUSY (saying by whom) while the device is in use, and keeps serving.
    virtual void stop() = 0;
    virtual bool running() const = 0;

    // Everything before it is on the disk (what replay-<host> publishes).
    virtual engine::ReplayPosition writeback_position() const = 0;
    // Just after the last durable record. Thread-safe.
    virtual engine::ReplayPosition logged_position() const = 0;
    // Continues the log in the next logfile; when it returns, the old
    // logfile is final (ends with a rotation marker, durable).
    virtual engine::IoResult rotate() = 0;

    virtual std::filesystem::path device_path() const = 0;
    virtual frontend::FrontendKind kind() const = 0;
    // Something an admin must know ("emergency mode: ..."), "" if none.
    virtual std::string problem() const { return {}; }
};

std::unique_ptr<PrimaryDevice> make_primary_device(frontend::FrontendKind kind, const PrimaryDeviceOptions& options);

} // namespace mars::replication
