#include "replication/primary_device.hpp"

#include <stdexcept>

#include "replication/kernel_primary_device.hpp"
#include "replication/userspace_primary_device.hpp"

namespace mars::replication {

std::unique_ptr<PrimaryDevice> make_primary_device(frontend::FrontendKind kind, const PrimaryDeviceOptions& options)
{
    switch (kind) {
    case frontend::FrontendKind::kmod:
        return std::make_unique<KernelPrimaryDevice>(options);
    case frontend::FrontendKind::fuse:
        return std::make_unique<UserspacePrimaryDevice>(options);
    case frontend::FrontendKind::ublk:
        break;
    }
    throw std::runtime_error("frontend " + std::string(frontend::kind_name(kind)) + " is not available");
}

} // namespace mars::replication
