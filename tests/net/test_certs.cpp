#include "test_certs.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <stdexcept>

namespace mars::net::test {
namespace {

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
    void operator()(X509* c) const { X509_free(c); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what)
{
    if (!ok)
        throw std::runtime_error(std::string("making test certificates: ") + what);
}

Key new_key()
{
    Key k(EVP_EC_gen("P-256"));
    check(k != nullptr, "EVP_EC_gen");
    return k;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(ext);
}

// A certificate for `subject_key` named `cn`, signed by `issuer_key`
// (self-signed when issuer is null).
Cert make_cert(EVP_PKEY* subject_key, const std::string& cn, long serial, X509* issuer, EVP_PKEY* issuer_key)
{
    Cert c(X509_new());
    check(c != nullptr, "X509_new");
    X509* x = c.get();
    check(X509_set_version(x, 2) == 1, "X509_set_version");
    check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1, "serial");
    check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(x, subject_key) == 1, "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(x);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                     -1, 0) == 1,
          "subject");
    check(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) == 1, "issuer");
    if (issuer == nullptr) {
        add_extension(x, x, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_extension(x, x, NID_subject_key_identifier, "hash");
    } else {
        add_extension(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(x, issuer, NID_key_usage, "critical,digitalSignature");
        add_extension(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth");
        add_extension(x, issuer, NID_subject_alt_name, ("DNS:" + cn).c_str());
        add_extension(x, issuer, NID_authority_key_identifier, "keyid:always");
    }
    check(X509_sign(x, issuer_key ? issuer_key : subject_key, EVP_sha256()) > 0, "X509_sign");
    return c;
}

void write_pem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key)
{
    FILE* f = std::fopen(path.c_str(), "w");
    check(f != nullptr, "fopen");
    const bool ok =
        cert ? PEM_write_X509(f, cert) == 1 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    std::fclose(f);
    check(ok, "PEM_write");
}

} // namespace

struct TestCa::Impl {
    Key key;
    Cert cert;
};

TestCa::TestCa(const std::filesystem::path& dir, const std::string& name)
    : impl_(std::make_unique<Impl>()), dir_(dir), name_(name), cert_path_(dir / (name + "-ca.pem"))
{
    impl_->key = new_key();
    impl_->cert = make_cert(impl_->key.get(), name + " test CA", serial_++, nullptr, nullptr);
    write_pem(cert_path_, impl_->cert.get(), nullptr);
}

TestCa::~TestCa() = default;

SecurityOptions TestCa::issue(const std::string& host, const std::filesystem::path* trusted)
{
    Key key = new_key();
    Cert cert = make_cert(key.get(), host, serial_++, impl_->cert.get(), impl_->key.get());
    SecurityOptions o;
    o.mode = config::SecurityMode::x509;
    o.certificate = dir_ / (name_ + "-" + host + ".pem");
    o.private_key = dir_ / (name_ + "-" + host + ".key");
    o.ca = trusted ? *trusted : cert_path_;
    write_pem(o.certificate, cert.get(), nullptr);
    write_pem(o.private_key, nullptr, key.get());
    return o;
}

} // namespace mars::net::test
