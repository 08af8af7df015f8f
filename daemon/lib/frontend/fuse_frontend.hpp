// The userspace frontend (frontend=fuse): the device as the single file of
// a FUSE mount (FuseFileServer), a loop device on that file with direct
// I/O, and /dev/mars/<name> pointing at the loop device. Works on any
// kernel with FUSE and loop built in, without a module of our own.
//
//   app / fs -> /dev/mars/<name> = /dev/loopN --direct I/O--> FUSE file
//            -> FuseFileServer -> PrimaryDataPath (log, dirty index, writeback)
#pragma once

#include <filesystem>
#include <string>

#include "engine/primary_data_path.hpp"
#include "frontend/device_link.hpp"
#include "frontend/frontend.hpp"
#include "frontend/fuse_file_server.hpp"
#include "frontend/loop_device.hpp"

namespace mars::frontend {

struct FuseFrontendOptions {
    std::string name; // the device name: <device_directory>/<name>
    std::filesystem::path device_directory = "/dev/mars";
    std::filesystem::path mount_file; // default: /run/mars/fuse/<name>
    unsigned max_threads = 16;
    std::uint32_t max_io = 1u << 20;
    unsigned max_background = 64;
    LoopOptions loop;
};

class FuseFrontend final : public Frontend {
  public:
    // `data_path` must outlive the frontend.
    FuseFrontend(engine::PrimaryDataPath& data_path, FuseFrontendOptions options);
    // Stops; if the device is still in use, tears it down anyway (its users
    // then get I/O errors) and says so in the journal.
    ~FuseFrontend() override;

    void start() override;
    void stop() override;
    bool running() const override { return server_.mounted(); }
    std::filesystem::path device_path() const override { return link_.path(); }
    FrontendKind kind() const override { return FrontendKind::fuse; }

    // While running: the loop device and whether it really uses direct I/O.
    std::filesystem::path loop_device() const { return loop_.attached() ? loop_.path() : std::filesystem::path(); }
    bool loop_direct_io() const { return loop_.direct_io(); }
    const std::filesystem::path& fuse_file() const { return server_.file(); }

  private:
    FuseFrontendOptions options_;
    DeviceLink link_;
    FuseFileServer server_;
    LoopDevice loop_;
};

} // namespace mars::frontend
