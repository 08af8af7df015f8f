// A temporary directory removed (with its contents) when the object dies.
#pragma once

#include <filesystem>
#include <string>

namespace mars::test {

class TempDir {
public:
    // Created under $MARS_TEST_TMPDIR, else under /var/tmp: not tmpfs,
    // so O_DIRECT and fdatasync behave as on a real /mars.
    explicit TempDir(const std::string& prefix = "mars-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace mars::test
