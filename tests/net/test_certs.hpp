// Throwaway X.509 material for the x509-mode tests, made with the OpenSSL
// C API at test time so the tests need no `openssl` binary and no fixtures
// that expire.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "net/security.hpp"

namespace mars::net::test {

// A self-signed CA (EC P-256) that issues host certificates.
class TestCa {
  public:
    // Writes <dir>/<name>-ca.pem.
    TestCa(const std::filesystem::path& dir, const std::string& name);
    ~TestCa();
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    const std::filesystem::path& certificate() const { return cert_path_; }

    // Issues a certificate for `host` (CN and subjectAltName DNS) and
    // returns x509 options using it, trusting `trusted` (default: this CA).
    SecurityOptions issue(const std::string& host, const std::filesystem::path* trusted = nullptr);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::filesystem::path dir_;
    std::string name_;
    std::filesystem::path cert_path_;
    long serial_ = 1;
};

} // namespace mars::net::test
