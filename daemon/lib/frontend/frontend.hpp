// How a resource's device is exposed on the primary. The kernel module,
// ublk and the userspace FUSE + loop path all serve /dev/mars/<name> from
// the same data path semantics (engine::PrimaryDataPath or mars.ko); marsd
// only starts and stops them through this interface.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace mars::frontend {

enum class FrontendKind { fuse, ublk, kmod };

std::string_view kind_name(FrontendKind kind);

class Frontend {
  public:
    virtual ~Frontend() = default;

    // Makes the device appear. Throws std::system_error (nothing is left
    // behind on failure).
    virtual void start() = 0;
    // Removes the device. While it is mounted or open, throws
    // std::system_error with EBUSY saying by whom, and keeps serving it.
    virtual void stop() = 0;

    virtual bool running() const = 0;
    // The name users open: /dev/mars/<name>.
    virtual std::filesystem::path device_path() const = 0;
    virtual FrontendKind kind() const = 0;
};

} // namespace mars::frontend
