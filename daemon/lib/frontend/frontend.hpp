// How a resource's device is exposed on the primary. The kernel module,
// ublk and the userspace FUSE + loop path all serve /dev/mars/<name> from
// the same data path semantics (engine::PrimaryDataPath or mars.ko); marsd
// only starts and stops them through this interface.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "config/resource_config.hpp"

namespace mars::frontend {

enum class FrontendKind { fuse, ublk, kmod };

std::string_view kind_name(FrontendKind kind);

// What serves a resource's device for `frontend = ` in its INI: auto takes
// the kernel module when it is loaded (`module_loaded`: its control device
// exists), else FUSE. Throws std::runtime_error saying why for kmod
// without the module and for ublk (not built yet).
FrontendKind choose_frontend(config::Frontend wanted, bool module_loaded);

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
