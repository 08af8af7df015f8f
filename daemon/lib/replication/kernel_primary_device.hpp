// frontend=kmod: mars.ko serves /dev/marsN (linked as /dev/mars/<name>)
// and writes the transaction log itself; marsd hands it the disk and each
// new logfile, and reads the positions back (docs/kmod.md).
//
//   app / fs -> /dev/mars/<name> = /dev/marsN -> mars.ko: record appended
//            to log-<N>-<host> (group commit) -> dirty index -> writeback
//
// The kernel numbers its logfiles by generation (1 for the one it was
// given, +1 per rotation); logfile number = first number + generation - 1.
//
// A device the module still serves under the same name (an earlier marsd
// exited or died while it was in use) is adopted instead of created: the
// kernel kept logging, so there is nothing to recover and its current
// logfile is this host's newest one.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>

#include "frontend/device_link.hpp"
#include "kmod/control.hpp"
#include "replication/primary_device.hpp"
#include "util/unique_fd.hpp"

namespace mars::replication {

class KernelPrimaryDevice final : public PrimaryDevice {
  public:
    // Opens the control device and the disk, creates the new logfile; or
    // adopts the device mars.ko serves under options.device_name (then
    // options.logfile_number and first_seq are not used).
    explicit KernelPrimaryDevice(const PrimaryDeviceOptions& options);

    // Whether mars.ko serves a device named `device_name` now (to adopt).
    static bool serving(const std::filesystem::path& control_path, const std::string& device_name);
    // Removes the device if it is idle. A device still in use stays with
    // the kernel (which keeps logging) for the next marsd to adopt, and the
    // journal says so.
    ~KernelPrimaryDevice() override;

    void start() override;
    void stop() override;
    bool running() const override;
    engine::ReplayPosition writeback_position() const override { return position(true); }
    engine::ReplayPosition logged_position() const override { return position(false); }
    engine::IoResult rotate() override;
    std::filesystem::path device_path() const override { return link_.path(); }
    frontend::FrontendKind kind() const override { return frontend::FrontendKind::kmod; }
    std::string problem() const override;

  private:
    void adopt(std::uint32_t index);
    std::uint32_t logfile_of(std::uint32_t generation) const;
    engine::ReplayPosition writeback_of(const mars_ctl_query& q) const;
    engine::ReplayPosition position(bool writeback) const;
    mars_ctl_query query() const;
    // Removes /dev/marsN; `final`: the position everything is written back to.
    void remove_device(std::optional<engine::ReplayPosition> final = std::nullopt);

    PrimaryDeviceOptions options_;
    frontend::DeviceLink link_;
    mutable kmod::Control control_; // ioctls are thread-safe
    util::UniqueFd disk_;
    util::UniqueFd log_; // the first logfile, until the kernel has it
    std::optional<kmod::Device> device_;
    bool adopted_ = false;
    // After stop(): the position everything was written back to.
    std::optional<engine::ReplayPosition> final_position_;
    mutable std::mutex mutex_; // device_ and final_position_ against status readers
};

} // namespace mars::replication
