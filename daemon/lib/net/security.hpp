// How a host authenticates and encrypts its peer connections: the
// [security] section of mars.conf, with the key material loaded.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "config/host_config.hpp"

namespace mars::net {

struct SecurityOptions {
    config::SecurityMode mode = config::SecurityMode::psk;
    std::vector<unsigned char> psk;    // psk mode: the cluster key (load_psk)
    std::filesystem::path certificate; // x509 mode: our certificate chain (PEM)
    std::filesystem::path private_key; // x509 mode: its key (PEM)
    std::filesystem::path ca;          // x509 mode: the CA(s) that sign peers' certificates (PEM)

    // Loads the key file in psk mode; in x509 mode checks that all three
    // paths are set (the files are read when a Listener or Channel is made).
    // Throws NetError(config) with a message naming the file or setting.
    static SecurityOptions from_config(const config::HostConfig& config);
};

std::string_view security_mode_name(config::SecurityMode mode);

} // namespace mars::net
