#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "resource/disk_probe.hpp"
#include "support/temp_dir.hpp"
#include "util/unique_fd.hpp"

using namespace mars;
using mars::resource::probe_disk;
using mars::resource::ResourceError;

namespace {

std::filesystem::path make_file(const std::filesystem::path& path, std::uint64_t size)
{
    std::ofstream(path).close();
    std::filesystem::resize_file(path, size);
    return path;
}

// The ResourceError message of probe_disk(path, min), or "" if it passed.
std::string refusal(const std::filesystem::path& path, std::uint64_t min_size = 0)
{
    try {
        probe_disk(path, min_size);
        return {};
    } catch (const ResourceError& e) {
        return e.what();
    }
}

std::string run(const std::string& command)
{
    std::string out;
    if (FILE* p = ::popen((command + " 2>/dev/null").c_str(), "r")) {
        char buf[256];
        while (std::fgets(buf, sizeof buf, p))
            out += buf;
        if (::pclose(p) != 0)
            return {};
    }
    while (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

// A loop device attached with losetup(8) for the test's duration.
class Loop {
  public:
    explicit Loop(const std::filesystem::path& file)
    {
        if (::geteuid() == 0)
            device_ = run("losetup --find --show " + file.string());
    }
    ~Loop()
    {
        if (!device_.empty())
            run("losetup --detach " + device_);
    }
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;
    const std::string& device() const { return device_; }

  private:
    std::string device_;
};

class DiskProbeTest : public ::testing::Test {
  protected:
    test::TempDir dir;
};

} // namespace

TEST_F(DiskProbeTest, RegularFileHasItsSize)
{
    auto disk = make_file(dir.path() / "disk", 3 << 20);
    auto probe = probe_disk(disk, 1 << 20);
    EXPECT_EQ(probe.size, 3u << 20);
    EXPECT_FALSE(probe.block_device);
    EXPECT_EQ(probe_disk(disk, 3 << 20).size, 3u << 20);
}

TEST_F(DiskProbeTest, RefusesWithThePathAndTheReason)
{
    auto disk = make_file(dir.path() / "disk", 1 << 20);
    auto why = refusal(disk, (1 << 20) + 1);
    EXPECT_NE(why.find(disk.string()), std::string::npos) << why;
    EXPECT_NE(why.find("too small"), std::string::npos) << why;

    why = refusal(dir.path() / "missing");
    EXPECT_NE(why.find((dir.path() / "missing").string()), std::string::npos) << why;
    EXPECT_NE(why.find("does not exist"), std::string::npos) << why;

    why = refusal(dir.path());
    EXPECT_NE(why.find("is a directory"), std::string::npos) << why;

    why = refusal("/dev/null");
    EXPECT_NE(why.find("not a regular file or block device"), std::string::npos) << why;
}

TEST_F(DiskProbeTest, FollowsSymlinks)
{
    auto disk = make_file(dir.path() / "disk", 1 << 20);
    std::filesystem::create_symlink(disk, dir.path() / "link");
    EXPECT_EQ(probe_disk(dir.path() / "link").size, 1u << 20);
}

TEST_F(DiskProbeTest, ReadOnlyFileCannotBeOpenedReadWrite)
{
    if (::geteuid() == 0)
        GTEST_SKIP() << "root opens read-only files read-write";
    auto disk = make_file(dir.path() / "disk", 1 << 20);
    std::filesystem::permissions(disk, std::filesystem::perms::owner_read);
    EXPECT_NE(refusal(disk).find("cannot be opened read-write"), std::string::npos);
}

TEST_F(DiskProbeTest, FileBehindALoopDeviceIsInUse)
{
    auto disk = make_file(dir.path() / "disk", 4 << 20);
    Loop loop(disk);
    if (loop.device().empty())
        GTEST_SKIP() << "losetup does not work here (needs root and loop devices)";
    auto why = refusal(disk);
    EXPECT_NE(why.find("in use"), std::string::npos) << why;
    EXPECT_NE(why.find(loop.device()), std::string::npos) << why;
}

TEST_F(DiskProbeTest, BlockDeviceHasItsSizeAndIsRefusedWhileClaimed)
{
    auto disk = make_file(dir.path() / "disk", 4 << 20);
    Loop loop(disk);
    if (loop.device().empty())
        GTEST_SKIP() << "losetup does not work here (needs root and loop devices)";
    auto probe = probe_disk(loop.device(), 4 << 20);
    EXPECT_TRUE(probe.block_device);
    EXPECT_EQ(probe.size, 4u << 20);
    EXPECT_NE(refusal(loop.device(), 5 << 20).find("too small"), std::string::npos);

    // An exclusive opener stands for a mount or a device-mapper table.
    util::UniqueFd claim(::open(loop.device().c_str(), O_RDONLY | O_EXCL | O_CLOEXEC));
    ASSERT_TRUE(claim) << loop.device();
    auto why = refusal(loop.device());
    EXPECT_NE(why.find(loop.device()), std::string::npos) << why;
    EXPECT_NE(why.find("in use"), std::string::npos) << why;
    claim.reset();
    EXPECT_EQ(refusal(loop.device()), "");
}
