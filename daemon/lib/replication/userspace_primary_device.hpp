// frontend=fuse: the primary's data path in marsd (engine::PrimaryDataPath:
// log writer, dirty index, writeback) behind the FUSE + loop frontend.
#pragma once

#include <memory>

#include "engine/primary_data_path.hpp"
#include "frontend/fuse_frontend.hpp"
#include "replication/primary_device.hpp"

namespace mars::replication {

class UserspacePrimaryDevice final : public PrimaryDevice {
  public:
    // Starts the log writer on the new logfile and writeback.
    explicit UserspacePrimaryDevice(const PrimaryDeviceOptions& options);
    // Tears the device down even while in use (its users get I/O errors),
    // then writes back everything.
    ~UserspacePrimaryDevice() override;

    void start() override;
    void stop() override;
    bool running() const override { return frontend_.running(); }
    engine::ReplayPosition writeback_position() const override { return data_path_.writeback_position(); }
    engine::ReplayPosition logged_position() const override { return data_path_.logged_position(); }
    engine::IoResult rotate() override { return data_path_.rotate(); }
    std::filesystem::path device_path() const override { return frontend_.device_path(); }
    frontend::FrontendKind kind() const override { return frontend::FrontendKind::fuse; }

  private:
    engine::PrimaryDataPath data_path_;
    frontend::FuseFrontend frontend_;
};

} // namespace mars::replication
