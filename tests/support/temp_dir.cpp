#include "support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace mars::test {

TempDir::TempDir(const std::string& prefix)
{
    const char* base = std::getenv("MARS_TEST_TMPDIR");
    std::string pattern = std::string(base ? base : "/var/tmp") + "/" + prefix + ".XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
        throw std::runtime_error("mkdtemp " + pattern + " failed");
    path_ = buf.data();
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

} // namespace mars::test
