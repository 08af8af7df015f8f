#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "net/error.hpp"
#include "net/psk.hpp"
#include "net/security.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using namespace mars::net;

namespace {

std::string read_file(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::filesystem::path& p, const std::string& content, mode_t mode)
{
    {
        std::ofstream(p) << content;
    }
    ASSERT_EQ(::chmod(p.c_str(), mode), 0);
}

mode_t mode_of(const std::filesystem::path& p)
{
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
}

template <typename Fn> std::string error_of(Fn&& fn)
{
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

// Lower-case hex digits only. (No std::regex: GCC 12 warns inside it under
// the sanitizers.)
bool is_lower_hex(std::string_view s)
{
    return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

const std::string kValidHex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

class PskFile : public ::testing::Test {
  protected:
    test::TempDir dir{"mars-net-psk"};
    std::filesystem::path psk = dir.path() / "psk";
};

} // namespace

TEST_F(PskFile, GeneratedFileIs64HexDigitsAndNewlineWithMode0600)
{
    const mode_t old_umask = ::umask(0); // must not widen the mode
    generate_psk_file(psk);
    ::umask(old_umask);
    const std::string content = read_file(psk);
    ASSERT_EQ(content.size(), 65u) << content;
    EXPECT_TRUE(is_lower_hex(content.substr(0, 64))) << content;
    EXPECT_EQ(content.back(), '\n');
    EXPECT_EQ(mode_of(psk), 0600u);
    const auto key = load_psk(psk);
    ASSERT_EQ(key.size(), kPskBytes);
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", key[31]);
    EXPECT_EQ(content.substr(62, 2), hex);
    // Nothing else is left in the directory.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST_F(PskFile, TwoGeneratedKeysDiffer)
{
    generate_psk_file(psk);
    generate_psk_file(dir.path() / "other");
    EXPECT_NE(load_psk(psk), load_psk(dir.path() / "other"));
}

TEST_F(PskFile, GenerateRefusesToOverwrite)
{
    write_file(psk, kValidHex + "\n", 0600);
    const std::string e = error_of([&] { generate_psk_file(psk); });
    EXPECT_NE(e.find(psk.string() + " already exists"), std::string::npos) << e;
    EXPECT_EQ(read_file(psk), kValidHex + "\n");
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST_F(PskFile, LoadAcceptsEitherCaseAndAMissingNewline)
{
    write_file(psk, kValidHex, 0600);
    const auto key = load_psk(psk);
    ASSERT_EQ(key.size(), 32u);
    EXPECT_EQ(key[0], 0x00);
    EXPECT_EQ(key[15], 0xff);
    EXPECT_EQ(key[31], 0xff);
    write_file(psk, kValidHex + "\r\n", 0400);
    EXPECT_EQ(load_psk(psk), key);
}

TEST_F(PskFile, LoadRefusesAFileOthersMayRead)
{
    write_file(psk, kValidHex + "\n", 0644);
    EXPECT_EQ(error_of([&] { load_psk(psk); }),
              psk.string() + " must be mode 0600 (is 0644): the cluster key must be readable by its owner only");
    write_file(psk, kValidHex + "\n", 0620);
    EXPECT_NE(error_of([&] { load_psk(psk); }).find("must be mode 0600 (is 0620)"), std::string::npos);
}

TEST_F(PskFile, LoadRefusesWhatIsNotARegularFile)
{
    std::filesystem::create_directory(psk);
    EXPECT_EQ(error_of([&] { load_psk(psk); }), psk.string() + " is not a regular file; it must hold the cluster key");
    const auto fifo = dir.path() / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_NE(error_of([&] { load_psk(fifo); }).find("is not a regular file"), std::string::npos);
}

TEST_F(PskFile, LoadRefusesMalformedContent)
{
    for (const std::string& bad : {std::string(), kValidHex.substr(2) + "\n", kValidHex + "00\n", kValidHex + "\n\n",
                                   std::string(std::string(63, 'a') + "g\n"), std::string(4097, 'a')}) {
        write_file(psk, bad, 0600);
        const std::string e = error_of([&] { load_psk(psk); });
        EXPECT_EQ(e.rfind(psk.string(), 0), 0u) << e;
        EXPECT_TRUE(e.find("64 hex digits") != std::string::npos) << e;
    }
    write_file(psk, std::string(63, 'a') + "g\n", 0600);
    EXPECT_NE(error_of([&] { load_psk(psk); }).find("non-hex character at offset 63"), std::string::npos);
}

TEST_F(PskFile, LoadOfAMissingFileNamesIt)
{
    const std::string e = error_of([&] { load_psk(psk); });
    EXPECT_NE(e.find("opening cluster key " + psk.string()), std::string::npos) << e;
    EXPECT_NE(e.find("No such file"), std::string::npos) << e;
}

TEST_F(PskFile, KeyIdIsAStableFingerprint)
{
    const std::vector<unsigned char> a(32, 1), b(32, 2);
    EXPECT_EQ(psk_key_id(a), psk_key_id(a));
    EXPECT_NE(psk_key_id(a), psk_key_id(b));
    EXPECT_EQ(psk_key_id(a).size(), 16u);
    EXPECT_TRUE(is_lower_hex(psk_key_id(a)));
}

TEST_F(PskFile, SecurityOptionsFromConfig)
{
    config::HostConfig c;
    c.security = config::SecurityMode::psk;
    c.psk_file = psk;
    const std::string missing = error_of([&] { SecurityOptions::from_config(c); });
    EXPECT_NE(missing.find("[security] mode = psk: opening cluster key " + psk.string()), std::string::npos) << missing;
    generate_psk_file(psk);
    const SecurityOptions o = SecurityOptions::from_config(c);
    EXPECT_EQ(o.mode, config::SecurityMode::psk);
    EXPECT_EQ(o.psk, load_psk(psk));

    c.security = config::SecurityMode::x509;
    c.certificate = "/etc/mars/cert.pem";
    EXPECT_EQ(error_of([&] { SecurityOptions::from_config(c); }),
              "[security] mode = x509 needs certificate, private-key and ca to be set");
    c.security = config::SecurityMode::none;
    EXPECT_TRUE(SecurityOptions::from_config(c).psk.empty());
}
