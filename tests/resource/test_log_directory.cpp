#include <gtest/gtest.h>

#include <fstream>

#include "resource/log_directory.hpp"
#include "support/temp_dir.hpp"

using namespace mars;
using mars::resource::list_logfiles;

namespace {

void write(const std::filesystem::path& path, std::size_t bytes)
{
    std::ofstream(path) << std::string(bytes, 'x');
}

} // namespace

TEST(LogDirectory, SortsByNumberThenOriginAndIgnoresJunk)
{
    test::TempDir dir;
    write(dir.path() / "log-000000010-alpha", 10);
    write(dir.path() / "log-000000002-beta", 2);
    write(dir.path() / "log-000000002-alpha", 3);
    write(dir.path() / "log-000000009-alpha", 0);
    // Junk: wrong names, a tombstone symlink, a directory, an interrupted write.
    write(dir.path() / "log-00000001-alpha", 1);
    write(dir.path() / "log-000000001-Alpha", 1);
    write(dir.path() / "log-000000001-", 1);
    write(dir.path() / ".tmp.log-000000001-alpha", 1);
    write(dir.path() / "replay-alpha", 1);
    std::filesystem::create_symlink(".deleted", dir.path() / "log-000000001-alpha");
    std::filesystem::create_directory(dir.path() / "log-000000003-alpha");

    auto logs = list_logfiles(dir.path());
    std::vector<std::string> names;
    for (const auto& l : logs)
        names.push_back(l.name.str());
    EXPECT_EQ(names, (std::vector<std::string>{"log-000000002-alpha", "log-000000002-beta", "log-000000009-alpha",
                                               "log-000000010-alpha"}));
    ASSERT_EQ(logs.size(), 4u);
    EXPECT_EQ(logs[0].size, 3u);
    EXPECT_EQ(logs[0].path, dir.path() / "log-000000002-alpha");
    EXPECT_EQ(logs[2].size, 0u);
    EXPECT_EQ(logs[3].size, 10u);
}

TEST(LogDirectory, MissingDirectoryIsEmpty)
{
    test::TempDir dir;
    EXPECT_TRUE(list_logfiles(dir.path() / "resource-r0").empty());
}
