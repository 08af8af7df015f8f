// A FUSE file system that consists of a single regular file, mounted over
// a regular file, whose contents are the device served by a
// PrimaryDataPath: read/write/fsync/flush/fallocate of that file become
// reads, writes, flushes and discards of the device. A loop device on top
// of it makes it a block device again.
//
// The file is opened with FUSE direct_io, so the kernel keeps no page
// cache for it: every write reaches the data path (and its log) and no
// dirty page of this file can ever wait for this daemon during reclaim.
// Writes are answered asynchronously when the data path completes them,
// so one FUSE thread can have many in flight.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "engine/primary_data_path.hpp"

struct fuse_session;

namespace mars::frontend {

struct FuseFileOptions {
    std::filesystem::path mount_file; // a regular file to mount over (created if missing)
    std::string fsname = "mars";      // source shown in /proc/mounts
    unsigned max_threads = 16;        // FUSE worker threads
    std::uint32_t max_io = 1u << 20;  // largest read or write request
    unsigned max_background = 64;     // asynchronous direct I/O requests the kernel keeps in flight
};

class FuseFileServer {
  public:
    FuseFileServer(engine::PrimaryDataPath& data_path, FuseFileOptions options);
    // Unmounts (forcibly, if still in use).
    ~FuseFileServer();
    FuseFileServer(const FuseFileServer&) = delete;
    FuseFileServer& operator=(const FuseFileServer&) = delete;

    // Mounts and starts serving. Throws std::system_error.
    void mount();
    // Stops serving. Throws std::system_error (EBUSY) while the file is
    // open (e.g. still attached to a loop device); then keeps serving.
    void unmount();

    bool mounted() const { return session_ != nullptr; }
    const std::filesystem::path& file() const { return options_.mount_file; }
    engine::PrimaryDataPath& data_path() { return data_path_; }
    const FuseFileOptions& options() const { return options_; }

  private:
    void shut_down();
    void abort_connection();

    engine::PrimaryDataPath& data_path_;
    FuseFileOptions options_;
    fuse_session* session_ = nullptr;
    unsigned connection_ = 0; // the FUSE connection's number in /sys/fs/fuse/connections
    std::thread loop_;
};

} // namespace mars::frontend
