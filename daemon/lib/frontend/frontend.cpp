#include "frontend/frontend.hpp"

#include <stdexcept>

namespace mars::frontend {

std::string_view kind_name(FrontendKind kind)
{
    switch (kind) {
    case FrontendKind::fuse:
        return "fuse";
    case FrontendKind::ublk:
        return "ublk";
    case FrontendKind::kmod:
        return "kmod";
    }
    return "unknown";
}

FrontendKind choose_frontend(config::Frontend wanted, bool module_loaded)
{
    switch (wanted) {
    case config::Frontend::automatic:
        return module_loaded ? FrontendKind::kmod : FrontendKind::fuse;
    case config::Frontend::kmod:
        if (!module_loaded)
            throw std::runtime_error("frontend = kmod, but the kernel module is not loaded (no /dev/mars-control; "
                                     "install mars-dkms and modprobe mars, or use frontend = auto)");
        return FrontendKind::kmod;
    case config::Frontend::ublk:
        throw std::runtime_error("frontend = ublk is not available yet; use auto, kmod or fuse");
    case config::Frontend::fuse:
        return FrontendKind::fuse;
    }
    return FrontendKind::fuse;
}

} // namespace mars::frontend
