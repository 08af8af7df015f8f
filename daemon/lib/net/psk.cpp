#include "net/psk.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "util/durable.hpp"
#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace mars::net {
namespace {

constexpr std::size_t kHexLength = 2 * kPskBytes;
// Anything bigger is certainly not a key file; do not read it.
constexpr off_t kMaxFileSize = 4096;

// Key material must not linger in freed memory.
struct Cleanse {
    void* data;
    std::size_t size;
    ~Cleanse() { OPENSSL_cleanse(data, size); }
};

std::string octal_mode(mode_t mode)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void write_all(int fd, const char* data, std::size_t size, const std::filesystem::path& file)
{
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            util::throw_errno("writing " + file.string());
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

// rename() that fails with EEXIST instead of replacing `to`.
void rename_no_replace(const std::filesystem::path& from, const std::filesystem::path& to)
{
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return;
    if (errno != EINVAL && errno != ENOSYS) // filesystems without RENAME_NOREPLACE: link() never replaces either
        util::throw_errno("renaming " + from.string() + " to " + to.string());
    if (::link(from.c_str(), to.c_str()) != 0)
        util::throw_errno("linking " + from.string() + " to " + to.string());
    ::unlink(from.c_str());
}

} // namespace

void generate_psk_file(const std::filesystem::path& path)
{
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0)
        throw std::runtime_error(path.string() + " already exists; refusing to replace the cluster key "
                                                 "(remove it first if you really mean to)");

    unsigned char key[kPskBytes];
    char hex[kHexLength + 1];
    Cleanse clean_key{key, sizeof key};
    Cleanse clean_hex{hex, sizeof hex};
    if (RAND_bytes(key, sizeof key) != 1)
        throw std::runtime_error("generating " + path.string() + ": no random bytes from OpenSSL");
    static constexpr char kDigits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < kPskBytes; ++i) {
        hex[2 * i] = kDigits[key[i] >> 4];
        hex[2 * i + 1] = kDigits[key[i] & 0xf];
    }
    hex[kHexLength] = '\n';

    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
    const std::filesystem::path tmp = dir / (".tmp." + std::to_string(::getpid()) + "." + path.filename().string());
    util::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd)
        util::throw_errno("creating " + tmp.string());
    try {
        // The umask can only narrow 0600, but be explicit: this is a secret.
        if (::fchmod(fd.get(), 0600) != 0)
            util::throw_errno("setting mode 0600 on " + tmp.string());
        write_all(fd.get(), hex, sizeof hex, tmp);
        if (::fsync(fd.get()) != 0)
            util::throw_errno("fsync of " + tmp.string());
        fd.reset();
        rename_no_replace(tmp, path);
    } catch (const std::system_error& e) {
        ::unlink(tmp.c_str());
        if (e.code() == std::errc::file_exists)
            throw std::runtime_error(path.string() + " already exists; refusing to replace the cluster key");
        throw;
    }
    util::fsync_directory(dir);
}

std::vector<unsigned char> load_psk(const std::filesystem::path& path)
{
    // O_NONBLOCK: a FIFO planted at the path must not hang us in open().
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd)
        util::throw_errno("opening cluster key " + path.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        util::throw_errno("stat of cluster key " + path.string());
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error(path.string() + " is not a regular file; it must hold the cluster key");
    if (st.st_mode & 077)
        throw std::runtime_error(path.string() + " must be mode 0600 (is " + octal_mode(st.st_mode) +
                                 "): the cluster key must be readable by its owner only");
    if (st.st_uid != ::geteuid() && st.st_uid != 0)
        throw std::runtime_error(path.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                 "; the cluster key must belong to root or to uid " + std::to_string(::geteuid()));
    if (st.st_size > kMaxFileSize)
        throw std::runtime_error(path.string() + " has " + std::to_string(st.st_size) + " bytes; expected " +
                                 std::to_string(kHexLength) + " hex digits (a key made by generate-psk)");

    char buf[kMaxFileSize + 1];
    Cleanse clean_buf{buf, sizeof buf};
    std::size_t size = 0;
    for (;;) {
        ssize_t n = ::read(fd.get(), buf + size, sizeof buf - size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            util::throw_errno("reading cluster key " + path.string());
        if (n == 0 || (size += static_cast<std::size_t>(n)) == sizeof buf)
            break;
    }
    std::size_t digits = size;
    if (digits > 0 && buf[digits - 1] == '\n')
        --digits;
    if (digits > 0 && buf[digits - 1] == '\r')
        --digits;
    const std::string expected =
        " must hold exactly " + std::to_string(kHexLength) + " hex digits and a newline (a key made by generate-psk)";
    if (digits != kHexLength)
        throw std::runtime_error(path.string() + expected + "; found " + std::to_string(size) + " bytes");

    std::vector<unsigned char> key(kPskBytes);
    for (std::size_t i = 0; i < kPskBytes; ++i) {
        const int hi = hex_value(buf[2 * i]);
        const int lo = hex_value(buf[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            OPENSSL_cleanse(key.data(), key.size());
            throw std::runtime_error(path.string() + expected + "; found a non-hex character at offset " +
                                     std::to_string(2 * i + (hi < 0 ? 0 : 1)));
        }
        key[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return key;
}

std::string psk_key_id(std::span<const unsigned char> key)
{
    // The label keeps this digest unrelated to any other use of the key.
    static constexpr char kLabel[] = "mars cluster key id";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(md, kLabel, sizeof kLabel) == 1 &&
                    EVP_DigestUpdate(md, key.data(), key.size()) == 1 && EVP_DigestFinal_ex(md, digest, &length) == 1;
    EVP_MD_CTX_free(md);
    if (!ok || length < 8)
        throw std::runtime_error("computing the cluster key id: SHA-256 failed");
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string id;
    for (std::size_t i = 0; i < 8; ++i) {
        id += kDigits[digest[i] >> 4];
        id += kDigits[digest[i] & 0xf];
    }
    return id;
}

} // namespace mars::net
