// The cluster's pre-shared key: /etc/mars/psk, 32 random bytes written as
// 64 hex digits and a newline, readable by root only. Every host of a cluster
// holds the same file (create-cluster generates it, the admin copies it to
// joining hosts, like a WireGuard key); TLS 1.3 with this key authenticates
// and encrypts all peer traffic in `security = psk` mode.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace mars::net {

inline constexpr std::size_t kPskBytes = 32;

// Writes a fresh random key to `path`, mode 0600, atomically and durably
// (temporary file, fsync, rename, fsync of the directory). Refuses to
// overwrite an existing file: replacing a cluster's key cuts every host off.
// Throws std::runtime_error / std::system_error naming the file.
void generate_psk_file(const std::filesystem::path& path);

// Reads and checks the key. Refuses, with a message naming the file, a file
// that is not a regular file, that group or others may access, that is not
// owned by us (or root), or that does not hold exactly 64 hex digits (a
// trailing newline is allowed). Throws std::runtime_error / std::system_error.
std::vector<unsigned char> load_psk(const std::filesystem::path& path);

// A short public fingerprint of a key (16 hex digits of a SHA-256 over a
// label and the key): safe to show and to send, lets admins and peers tell
// whether two hosts hold the same key without revealing it.
std::string psk_key_id(std::span<const unsigned char> key);

} // namespace mars::net
