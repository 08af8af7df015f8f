#include "net/security.hpp"

#include <exception>

#include "net/error.hpp"
#include "net/psk.hpp"

namespace mars::net {

std::string_view security_mode_name(config::SecurityMode mode)
{
    switch (mode) {
    case config::SecurityMode::psk:
        return "psk";
    case config::SecurityMode::x509:
        return "x509";
    case config::SecurityMode::none:
        return "none";
    }
    return "unknown";
}

SecurityOptions SecurityOptions::from_config(const config::HostConfig& config)
{
    SecurityOptions o;
    o.mode = config.security;
    switch (config.security) {
    case config::SecurityMode::psk:
        try {
            o.psk = load_psk(config.psk_file);
        } catch (const std::exception& e) {
            throw NetError(NetErrorKind::config, "", std::string("[security] mode = psk: ") + e.what());
        }
        break;
    case config::SecurityMode::x509:
        if (config.certificate.empty() || config.private_key.empty() || config.ca.empty())
            throw NetError(NetErrorKind::config, "",
                           "[security] mode = x509 needs certificate, private-key and ca to be set");
        o.certificate = config.certificate;
        o.private_key = config.private_key;
        o.ca = config.ca;
        break;
    case config::SecurityMode::none:
        break;
    }
    return o;
}

} // namespace mars::net
