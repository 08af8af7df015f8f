#include "net/error.hpp"

namespace mars::net {

std::string_view net_error_kind_name(NetErrorKind kind)
{
    switch (kind) {
    case NetErrorKind::io:
        return "I/O error";
    case NetErrorKind::closed:
        return "connection closed";
    case NetErrorKind::timeout:
        return "timeout";
    case NetErrorKind::tls:
        return "TLS error";
    case NetErrorKind::protocol:
        return "protocol error";
    case NetErrorKind::refused:
        return "refused";
    case NetErrorKind::config:
        return "configuration error";
    }
    return "unknown";
}

NetError::NetError(NetErrorKind kind, std::string peer, const std::string& message)
    : std::runtime_error(peer.empty() ? message : peer + ": " + message), kind_(kind), peer_(std::move(peer)),
      detail_(message)
{
}

} // namespace mars::net
