#include "history/sha256_hex.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

namespace mars::history {

std::string sha256_hex(std::string_view data)
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    // Failure here means OpenSSL itself is broken (no memory, no SHA-256
    // provider); a versionlink must never be written with a made-up digest.
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), md, &md_len) != 1 ||
        md_len != 32)
        throw std::runtime_error("SHA-256 via OpenSSL failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * md_len);
    for (unsigned int i = 0; i < md_len; ++i) {
        out.push_back(kHex[md[i] >> 4]);
        out.push_back(kHex[md[i] & 0xf]);
    }
    return out;
}

} // namespace mars::history
