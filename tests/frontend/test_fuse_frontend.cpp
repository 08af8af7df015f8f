// The FUSE frontend end to end: ext4 on /dev/mars/<name> (a loop device
// over the single-file FUSE mount), random block I/O through it, refusing
// to stop while in use, and a teardown that leaves no loop device and no
// mount. The backing file alone must hold the file system afterwards -
// after writeback, or after crash recovery from the log.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "engine/primary_data_path.hpp"
#include "engine/recovery.hpp"
#include "frontend/block_device_users.hpp"
#include "frontend/fuse_frontend.hpp"
#include "frontend/loop_device.hpp"
#include "frontend_fixture.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"
#include "util/aligned_buffer.hpp"
#include "util/unique_fd.hpp"

using namespace mars;

namespace {

constexpr const char* kHost = "alpha";

struct Resource {
    test::TempDir dir{"mars-frontend"};
    std::filesystem::path disk = dir.path() / "disk";
    std::filesystem::path logs = dir.path() / "log";
    std::filesystem::path dev = dir.path() / "dev-mars";
    std::filesystem::path fuse_file = dir.path() / "fuse" / "r0";
    std::filesystem::path mnt = dir.path() / "mnt";
    std::uint64_t size;

    explicit Resource(std::uint64_t size_) : size(size_)
    {
        std::filesystem::create_directories(logs);
        std::filesystem::create_directories(mnt);
        util::UniqueFd fd(::open(disk.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        EXPECT_EQ(::ftruncate(fd.get(), static_cast<off_t>(size)), 0);
    }

    engine::DataPathOptions data_path_options(bool hold) const
    {
        engine::DataPathOptions o;
        o.disk = disk;
        o.size = size;
        o.log.directory = logs;
        o.log.host = kHost;
        o.writeback.max_delay = std::chrono::milliseconds(50);
        o.writeback.start_held = hold;
        o.memory_limit = hold ? std::size_t(1) << 30 : 32u << 20;
        return o;
    }

    frontend::FuseFrontendOptions frontend_options() const
    {
        frontend::FuseFrontendOptions o;
        o.name = "r0";
        o.device_directory = dev;
        o.mount_file = fuse_file;
        return o;
    }
};

// What a stopped frontend must leave: no loop device on the FUSE file, no
// FUSE mount, no /dev/mars link.
void expect_torn_down(const Resource& r, int loop)
{
    EXPECT_NE(frontend::LoopDevice::backing_file(loop), r.fuse_file)
        << "/dev/loop" << loop << " is still attached to the FUSE file";
    EXPECT_FALSE(frontend::is_mount_point(r.fuse_file)) << r.fuse_file << " is still mounted";
    std::error_code ec;
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(r.dev / "r0", ec)))
        << "the device link is still there";
}

// A small tree of files with known contents.
std::map<std::string, std::vector<std::byte>> make_files()
{
    std::map<std::string, std::vector<std::byte>> files;
    std::mt19937_64 rng(17);
    for (int i = 0; i < 24; ++i) {
        const std::size_t len = 1 + rng() % (768 * 1024);
        files[(i % 3 ? "dir" + std::to_string(i % 3) + "/" : std::string()) + "file" + std::to_string(i)] =
            test::pattern(1000 + static_cast<std::uint64_t>(i), len);
    }
    return files;
}

void write_files(const std::filesystem::path& root, const std::map<std::string, std::vector<std::byte>>& files)
{
    for (const auto& [name, data] : files) {
        std::filesystem::create_directories((root / name).parent_path());
        std::ofstream out(root / name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        ASSERT_TRUE(out.good()) << name;
    }
}

void expect_files(const std::filesystem::path& root, const std::map<std::string, std::vector<std::byte>>& files)
{
    for (const auto& [name, data] : files) {
        ASSERT_TRUE(std::filesystem::exists(root / name)) << name;
        EXPECT_EQ(test::file_bytes(root / name), data) << name;
    }
}

class FuseFrontendTest : public ::testing::Test {
  protected:
    void SetUp() override
    {
        if (auto why = test::frontend_unavailable(); !why.empty())
            GTEST_SKIP() << why;
    }
    void require(const std::string& program)
    {
        if (!test::have_program(program))
            GTEST_SKIP() << program << " is not installed (e2fsprogs)";
    }
};

// mkfs, mount, write files, fsck; then the backing file on its own must
// hold the same file system: written back by the data path (`hold` off),
// or only in the log until recover() replays it (`hold` on).
void ext4_round_trip(bool hold)
{
    Resource r(256u << 20);
    const auto files = make_files();
    int loop = -1;
    engine::ReplayPosition start;
    {
        engine::PrimaryDataPath dp(r.data_path_options(hold));
        start = dp.writeback_position();
        frontend::FuseFrontend fe(dp, r.frontend_options());
        fe.start();
        ASSERT_TRUE(fe.running());
        EXPECT_EQ(fe.kind(), frontend::FrontendKind::fuse);
        EXPECT_EQ(fe.device_path(), r.dev / "r0");
        EXPECT_EQ(std::filesystem::read_symlink(fe.device_path()), fe.loop_device());
        EXPECT_TRUE(fe.loop_direct_io()) << "the loop device should use direct I/O on the FUSE file";
        loop = test::loop_number(fe.loop_device());

        const std::string dev = fe.device_path().string();
        auto mkfs = test::run({"mkfs.ext4", "-q", "-F", dev});
        ASSERT_EQ(mkfs.status, 0) << mkfs.output;
        auto mount = test::run({"mount", "-t", "ext4", dev, r.mnt.string()});
        ASSERT_EQ(mount.status, 0) << mount.output;
        write_files(r.mnt, files);
        ASSERT_EQ(test::run({"sync", "-f", r.mnt.string()}).status, 0);
        expect_files(r.mnt, files);
        auto umount = test::run({"umount", r.mnt.string()});
        ASSERT_EQ(umount.status, 0) << umount.output;
        auto fsck = test::run({"e2fsck", "-fn", dev});
        EXPECT_EQ(fsck.status, 0) << fsck.output;

        fe.stop();
        EXPECT_FALSE(fe.running());
        expect_torn_down(r, loop);
        auto stats = dp.stats();
        std::cout << "log: " << stats.log.records << " records in " << stats.log.appends << " appends, "
                  << stats.log.syncs << " syncs; writeback: " << stats.writeback.rounds << " rounds, "
                  << stats.writeback.disk_writes << " writes, " << stats.writeback.disk_zeroes
                  << " zero ranges; dirty now " << stats.dirty_bytes << " bytes\n";
    }
    if (hold) {
        // Nothing was written back: no superblock on the disk yet.
        auto sb = test::file_bytes(r.disk);
        EXPECT_TRUE(std::all_of(sb.begin() + 1024, sb.begin() + 2048, [](std::byte b) { return b == std::byte{0}; }));
    }
    {
        engine::BackingDisk disk(r.disk, r.size);
        engine::RecoveryOptions ro;
        ro.log_directory = r.logs;
        ro.start = start;
        ro.host = kHost;
        auto rec = engine::recover(disk, ro);
        ASSERT_TRUE(rec.ok()) << rec.error;
        std::cout << "recovery replayed " << rec.records << " records (" << rec.bytes << " bytes)\n";
    }
    // The backing file alone, on a loop device of its own.
    auto direct = frontend::LoopDevice::attach(r.disk);
    auto fsck = test::run({"e2fsck", "-fn", direct.path().string()});
    EXPECT_EQ(fsck.status, 0) << fsck.output;
    auto mount = test::run({"mount", "-o", "ro", "-t", "ext4", direct.path().string(), r.mnt.string()});
    ASSERT_EQ(mount.status, 0) << mount.output;
    expect_files(r.mnt, files);
    EXPECT_EQ(test::run({"umount", r.mnt.string()}).status, 0);
    direct.detach();
}

} // namespace

TEST_F(FuseFrontendTest, Ext4OnTheDeviceIsOnTheDiskAfterWriteback)
{
    require("mkfs.ext4");
    ext4_round_trip(false);
}

TEST_F(FuseFrontendTest, Ext4OnTheDeviceIsOnTheDiskAfterRecovery)
{
    require("mkfs.ext4");
    ext4_round_trip(true);
}

TEST_F(FuseFrontendTest, RandomDirectBlockWritesReadBackCorrectly)
{
    Resource r(64u << 20);
    std::vector<std::byte> model(r.size);
    int loop = -1;
    {
        engine::PrimaryDataPath dp(r.data_path_options(false));
        frontend::FuseFrontend fe(dp, r.frontend_options());
        fe.start();
        loop = test::loop_number(fe.loop_device());
        const std::string dev = fe.device_path().string();

        // Threads write disjoint areas with O_DIRECT and read each write back.
        constexpr unsigned kThreads = 4;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                util::UniqueFd fd(::open(dev.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
                ASSERT_TRUE(fd) << dev << ": " << std::strerror(errno);
                std::mt19937_64 rng(t + 1);
                const std::uint64_t area = r.size / kThreads;
                auto buf = util::AlignedBuffer::uninitialised(128 * 1024),
                     back = util::AlignedBuffer::uninitialised(128 * 1024);
                for (int i = 0; i < 200; ++i) {
                    const std::size_t len = (1 + rng() % 256) * 512;
                    const std::uint64_t off = t * area + rng() % ((area - len) / 512) * 512;
                    auto data = test::pattern((std::uint64_t(t) << 32) | std::uint64_t(i), len);
                    std::memcpy(buf.data(), data.data(), len);
                    ASSERT_EQ(::pwrite(fd.get(), buf.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
                    ASSERT_EQ(::pread(fd.get(), back.data(), len, static_cast<off_t>(off)), static_cast<ssize_t>(len));
                    ASSERT_EQ(std::memcmp(back.data(), data.data(), len), 0) << "thread " << t << " write " << i;
                    std::memcpy(model.data() + off, data.data(), len);
                }
            });
        }
        for (auto& th : threads)
            th.join();

        // dd, as an admin would.
        auto src = r.dir.path() / "dd-source";
        test::write_file_bytes(src, test::pattern(4242, 3u << 20));
        auto dd = test::run({"dd", "if=" + src.string(), "of=" + dev, "bs=1M", "seek=7", "oflag=direct",
                             "conv=fsync,notrunc", "status=none"});
        ASSERT_EQ(dd.status, 0) << dd.output;
        auto src_bytes = test::file_bytes(src);
        std::memcpy(model.data() + (7u << 20), src_bytes.data(), src_bytes.size());

        // A discard through the block layer: reads back as zeroes.
        auto discard = test::run({"blkdiscard", "-o", std::to_string(20u << 20), "-l", std::to_string(1u << 20), dev});
        if (discard.status == 0)
            std::memset(model.data() + (20u << 20), 0, 1u << 20);
        else
            std::cout << "blkdiscard: " << discard.output;

        util::UniqueFd fd(::open(dev.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
        auto all = util::AlignedBuffer::uninitialised(r.size);
        ASSERT_EQ(::pread(fd.get(), all.data(), r.size, 0), static_cast<ssize_t>(r.size));
        EXPECT_EQ(std::memcmp(all.data(), model.data(), r.size), 0) << "reading the whole device";
        fd.reset();
        fe.stop();
        expect_torn_down(r, loop);
    }
    // The data path wrote everything back when it stopped.
    EXPECT_TRUE(test::file_bytes(r.disk) == model) << "the backing file after writeback";
}

TEST_F(FuseFrontendTest, StopIsRefusedWhileTheDeviceIsMountedOrOpen)
{
    require("mkfs.ext4");
    Resource r(64u << 20);
    engine::PrimaryDataPath dp(r.data_path_options(false));
    frontend::FuseFrontend fe(dp, r.frontend_options());
    fe.start();
    const int loop = test::loop_number(fe.loop_device());
    const std::string dev = fe.device_path().string();
    ASSERT_EQ(test::run({"mkfs.ext4", "-q", "-F", dev}).status, 0);
    ASSERT_EQ(test::run({"mount", dev, r.mnt.string()}).status, 0);

    try {
        fe.stop();
        ADD_FAILURE() << "stop() succeeded while the device is mounted";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EBUSY);
        EXPECT_NE(std::string(e.what()).find(r.mnt.string()), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fe.running());
    EXPECT_TRUE(std::filesystem::is_symlink(fe.device_path())) << "a refused stop keeps the device name";
    ASSERT_EQ(test::run({"umount", r.mnt.string()}).status, 0);

    {
        util::UniqueFd open_fd(::open(dev.c_str(), O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(open_fd);
        try {
            fe.stop();
            ADD_FAILURE() << "stop() succeeded while the device is open";
        } catch (const std::system_error& e) {
            EXPECT_EQ(e.code().value(), EBUSY);
            EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(::getpid())), std::string::npos) << e.what();
        }
        EXPECT_TRUE(fe.running());
    }
    fe.stop();
    expect_torn_down(r, loop);
    // And it can come back.
    fe.start();
    EXPECT_EQ(test::run({"e2fsck", "-fn", fe.device_path().string()}).status, 0);
    fe.stop();
}

TEST_F(FuseFrontendTest, TheFuseFileBehavesLikeTheDevice)
{
    Resource r(8u << 20);
    engine::PrimaryDataPath dp(r.data_path_options(true));
    frontend::FuseFrontend fe(dp, r.frontend_options());
    fe.start();
    auto data = test::pattern(9, 8192);
    ASSERT_TRUE(dp.write(4096, data).ok());

    util::UniqueFd fd(::open(r.fuse_file.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd) << std::strerror(errno);
    struct stat st {};
    ASSERT_EQ(::fstat(fd.get(), &st), 0);
    EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), r.size);
    // Unaligned reads are fine (rounded to sectors inside).
    std::vector<std::byte> part(1000);
    ASSERT_EQ(::pread(fd.get(), part.data(), part.size(), 4096 + 100), 1000);
    EXPECT_TRUE(std::equal(part.begin(), part.end(), data.begin() + 100));
    // Reading at the end gives end of file.
    EXPECT_EQ(::pread(fd.get(), part.data(), part.size(), static_cast<off_t>(r.size)), 0);
    // Unaligned writes are refused, aligned ones go through.
    EXPECT_EQ(::pwrite(fd.get(), part.data(), 100, 0), -1);
    EXPECT_EQ(errno, EINVAL);
    auto more = test::pattern(10, 4096);
    ASSERT_EQ(::pwrite(fd.get(), more.data(), more.size(), 65536), 4096);
    std::vector<std::byte> back(4096);
    ASSERT_TRUE(dp.read(65536, back).ok());
    EXPECT_EQ(back, more);
    // Punching a hole zeroes; fsync works; resizing does not.
    ASSERT_EQ(::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096), 0) << std::strerror(errno);
    ASSERT_TRUE(dp.read(4096, back).ok());
    EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](std::byte b) { return b == std::byte{0}; }));
    EXPECT_EQ(::fsync(fd.get()), 0);
    EXPECT_NE(::ftruncate(fd.get(), 4096), 0);
    // While the file is open the frontend refuses to go away, and keeps
    // everything in place.
    try {
        fe.stop();
        ADD_FAILURE() << "stop() succeeded while the FUSE file is open";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), EBUSY);
        EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(::getpid())), std::string::npos) << e.what();
    }
    EXPECT_TRUE(fe.running());
    EXPECT_FALSE(fe.loop_device().empty());
    EXPECT_TRUE(std::filesystem::is_symlink(fe.device_path()));
    fd.reset();
    fe.stop();
}

namespace {

constexpr std::uint64_t kCrashSize = 16u << 20;
constexpr std::uint64_t kSlot = 64 * 1024;

// The child of the crash test only serves the device; the parent writes
// to it. (A process that did I/O on its own FUSE-backed device could not
// even be killed: its writing thread would wait forever in the kernel for
// a reply only the dead process could give, keeping the connection
// alive. marsd never touches its own devices for that reason.)
[[noreturn]] void crash_child(const Resource& r, std::uint32_t logfile, std::uint64_t first_seq, int report_fd)
{
    try {
        auto opt = r.data_path_options(false);
        opt.log.logfile_number = logfile;
        opt.log.first_seq = first_seq;
        auto* dp = new engine::PrimaryDataPath(opt); // never destroyed: we die by SIGKILL
        auto* fe = new frontend::FuseFrontend(*dp, r.frontend_options());
        fe->start();
        const char ready = 1;
        if (::write(report_fd, &ready, 1) != 1)
            _exit(4);
        for (;;)
            ::pause();
    } catch (...) {
    }
    _exit(5);
}

} // namespace

// marsd dies by kill -9 while writes go through the device: the loop
// device is left on a dead FUSE mount. Recovery replays the log onto the
// disk, and a new frontend on the same paths comes up (clearing what the
// dead one left) and shows every acknowledged write.
TEST_F(FuseFrontendTest, Kill9OfTheServingProcessThenRecoveryAndRestart)
{
    Resource r(kCrashSize);
    std::uint32_t logfile = 1;
    std::uint64_t seq = 1;
    for (unsigned round = 1; round <= 3; ++round) {
        int fds[2];
        ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        util::UniqueFd rd(fds[0]), wr(fds[1]);
        std::fflush(stdout);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            rd.reset();
            crash_child(r, logfile, seq, wr.get());
        }
        wr.reset();
        char ready = 0;
        ASSERT_EQ(::read(rd.get(), &ready, 1), 1) << "the child did not start its frontend";

        // Write numbered slots through the child's device; a write counts
        // once pwrite() returned (then it is durable in the log).
        std::atomic<std::uint32_t> acked = 0;
        std::atomic<bool> failed = false;
        std::thread writer([&] {
            util::UniqueFd fd(::open((r.dev / "r0").c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
            if (!fd) {
                failed = true;
                return;
            }
            auto buf = util::AlignedBuffer::uninitialised(kSlot);
            for (std::uint32_t slot = 0; slot < kCrashSize / kSlot; ++slot) {
                auto data = test::pattern((std::uint64_t(round) << 32) | slot, kSlot);
                std::memcpy(buf.data(), data.data(), kSlot);
                if (::pwrite(fd.get(), buf.data(), kSlot, static_cast<off_t>(slot * kSlot)) !=
                    static_cast<ssize_t>(kSlot))
                    return; // the server died under us: expected
                acked = slot + 1;
            }
        });
        const std::uint32_t target = 20 + 30 * round;
        for (int i = 0; i < 30000 && acked < target && !failed; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        writer.join(); // its last write fails once the connection is gone
        ASSERT_FALSE(failed) << "could not open the device";
        ASSERT_GE(acked.load(), target) << "too few writes before the kill";

        engine::RecoveryResult rec;
        {
            engine::BackingDisk disk(r.disk, r.size);
            engine::RecoveryOptions ro;
            ro.log_directory = r.logs;
            ro.start = {logfile, kHost, 0, seq};
            ro.host = kHost;
            rec = engine::recover(disk, ro);
        }
        ASSERT_TRUE(rec.ok()) << rec.error;
        const auto on_disk = test::file_bytes(r.disk);
        for (std::uint32_t s = 0; s < acked.load(); ++s)
            ASSERT_TRUE(std::equal(on_disk.begin() + s * kSlot, on_disk.begin() + (s + 1) * kSlot,
                                   test::pattern((std::uint64_t(round) << 32) | s, kSlot).begin()))
                << "round " << round << ": acknowledged slot " << s << " is not on the disk after recovery";
        logfile = rec.next_logfile;
        seq = rec.next_seq;

        // The device comes back on the same paths.
        engine::PrimaryDataPath dp([&] {
            auto o = r.data_path_options(false);
            o.log.logfile_number = logfile;
            o.log.first_seq = seq;
            return o;
        }());
        frontend::FuseFrontend fe(dp, r.frontend_options());
        fe.start();
        unsigned attached = 0;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator("/sys/block", ec))
            if (e.path().filename().string().rfind("loop", 0) == 0 &&
                frontend::LoopDevice::backing_file(std::atoi(e.path().filename().c_str() + 4)) == r.fuse_file)
                ++attached;
        EXPECT_EQ(attached, 1u) << "the dead daemon's loop device should be gone";
        util::UniqueFd fd(::open(fe.device_path().c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
        ASSERT_TRUE(fd);
        auto buf = util::AlignedBuffer::uninitialised(kSlot);
        for (std::uint32_t s = 0; s < acked.load(); ++s) {
            ASSERT_EQ(::pread(fd.get(), buf.data(), kSlot, static_cast<off_t>(s * kSlot)), static_cast<ssize_t>(kSlot));
            ASSERT_EQ(std::memcmp(buf.data(), test::pattern((std::uint64_t(round) << 32) | s, kSlot).data(), kSlot), 0)
                << "slot " << s << " through the restarted device";
        }
        fd.reset();
        const int loop = test::loop_number(fe.loop_device());
        fe.stop();
        expect_torn_down(r, loop);
        // The next round's writer continues this log: ask recovery where
        // (from the published position there is nothing left to apply).
        auto wb = dp.wait_writeback();
        ASSERT_TRUE(wb.ok()) << wb.message;
        engine::BackingDisk disk(r.disk, r.size);
        engine::RecoveryOptions ro;
        ro.log_directory = r.logs;
        ro.start = dp.writeback_position();
        ro.host = kHost;
        auto again = engine::recover(disk, ro);
        ASSERT_TRUE(again.ok()) << again.error;
        EXPECT_EQ(again.records, 0u);
        logfile = again.next_logfile;
        seq = again.next_seq;
    }
}
