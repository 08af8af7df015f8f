#include "frontend/frontend.hpp"

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

} // namespace mars::frontend
