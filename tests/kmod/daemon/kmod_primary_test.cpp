// The daemon's primary on mars.ko, run inside the qemu guest of
// tests/kmod/run (the host cannot load modules): the real PrimaryRole with
// frontend = kmod on a real state tree, writing through /dev/mars/<name>,
// rotating, refusing to stop while in use, stopping, restarting, leaving
// the device in use behind and adopting it with a new PrimaryRole; then the
// userspace reader and crash recovery read every logfile the kernel wrote
// and must rebuild exactly the bytes the device holds (cross format,
// kernel -> userspace).
//
//   kmod_primary_test WORKDIR
//
// Prints "KMODTEST: ..." lines like the guest's C tests; exit 1 on failure.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "engine/backing_disk.hpp"
#include "engine/recovery.hpp"
#include "history/version_link.hpp"
#include "log/log_reader.hpp"
#include "log/logfile_name.hpp"
#include "replication/primary_role.hpp"
#include "resource/log_directory.hpp"
#include "resource/resource_state.hpp"
#include "tree/lamport_clock.hpp"
#include "tree/state_tree.hpp"

namespace fs = std::filesystem;
using namespace mars;

namespace {

unsigned failures = 0;

void say(const std::string& s)
{
    std::printf("KMODTEST: %s\n", s.c_str());
    std::fflush(stdout);
}

bool check(bool ok, const std::string& what)
{
    if (!ok) {
        ++failures;
        say("FAIL: " + what);
    }
    return ok;
}

constexpr std::uint64_t kSize = 16u << 20;
constexpr std::size_t kBlock = 4096;
const std::string kHost = "alpha";
const std::string kRes = "r0";

struct Device {
    int fd = -1;
    explicit Device(const fs::path& path) : fd(::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC))
    {
        if (fd < 0)
            throw std::system_error(errno, std::generic_category(), "open " + path.string());
    }
    ~Device()
    {
        if (fd >= 0)
            ::close(fd);
    }
};

void* aligned(std::size_t n)
{
    void* p = nullptr;
    if (posix_memalign(&p, 4096, n) != 0)
        throw std::bad_alloc();
    return p;
}

// Random writes of 1..16 blocks through the device; `shadow` follows.
void write_random(const fs::path& device, std::vector<std::byte>& shadow, unsigned count, std::mt19937_64& rng)
{
    Device dev(device);
    auto* buf = static_cast<std::byte*>(aligned(16 * kBlock));
    for (unsigned i = 0; i < count; ++i) {
        std::size_t blocks = 1 + rng() % 16;
        std::uint64_t off = (rng() % (kSize / kBlock - blocks)) * kBlock;
        for (std::size_t b = 0; b < blocks * kBlock; b += 8) {
            std::uint64_t v = rng();
            std::memcpy(buf + b, &v, 8);
        }
        if (!check(::pwrite(dev.fd, buf, blocks * kBlock, static_cast<off_t>(off)) ==
                       static_cast<ssize_t>(blocks * kBlock),
                   "pwrite at " + std::to_string(off) + ": " + std::strerror(errno)))
            break;
        std::memcpy(shadow.data() + off, buf, blocks * kBlock);
    }
    check(::fsync(dev.fd) == 0, "fsync of the device");
    std::free(buf);
}

bool same_as(const fs::path& file, const std::vector<std::byte>& want, const std::string& what)
{
    std::vector<std::byte> got(want.size());
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && ::pread(fd, got.data(), got.size(), 0) == static_cast<ssize_t>(got.size());
    if (fd >= 0)
        ::close(fd);
    if (!check(ok, what + ": cannot read " + file.string()))
        return false;
    for (std::size_t i = 0; i < want.size(); i += kBlock)
        if (std::memcmp(got.data() + i, want.data() + i, kBlock) != 0)
            return check(false, what + ": first difference in the block at " + std::to_string(i));
    return true;
}

// Every logfile reads to a clean end; seq runs on across files; the
// logfiles in `rotated` end with a rotation marker. Returns the records read.
std::uint64_t check_logfiles(const fs::path& dir, const std::set<std::uint32_t>& rotated)
{
    std::uint64_t records = 0, writes = 0, expect = 1;
    for (const auto& file : resource::list_logfiles(dir)) {
        log::LogReader reader(file.path, log::ReaderOptions{0, expect});
        log::Record r;
        bool last_is_rotate = false;
        while (reader.next(r)) {
            ++records;
            writes += r.header.type == format::RecordType::write;
            if (r.header.type != format::RecordType::padding)
                last_is_rotate = r.header.type == format::RecordType::marker &&
                                 r.header.marker == format::Marker::rotate;
        }
        check(reader.diagnosis().kind == log::LogEnd::clean,
              file.name.str() + " does not end cleanly: " + reader.diagnosis().message());
        check(reader.position() == fs::file_size(file.path),
              file.name.str() + ": read " + std::to_string(reader.position()) + " of " +
                  std::to_string(fs::file_size(file.path)) + " bytes");
        if (rotated.count(file.name.number))
            check(last_is_rotate, file.name.str() + " was rotated but does not end with a rotation marker");
        if (reader.expected_seq())
            expect = *reader.expected_seq();
    }
    say("logfiles: " + std::to_string(records) + " records, " + std::to_string(writes) + " writes, next seq " +
        std::to_string(expect));
    return records;
}

replication::PrimaryOptions primary_options(const fs::path& work)
{
    replication::PrimaryOptions o;
    o.resource = kRes;
    o.host = kHost;
    o.home = work / "mars";
    o.disk = work / "disk.img";
    o.size = kSize;
    o.device_name = kRes;
    o.device_directory = work / "dev";
    o.run_directory = work / "run";
    o.config.name = kRes;
    o.config.disk = o.disk;
    o.config.frontend = config::Frontend::kmod;
    o.memory_limit = 8u << 20;
    return o;
}

void run(const fs::path& work)
{
    fs::create_directories(work / "mars");
    {
        std::FILE* f = std::fopen((work / "disk.img").c_str(), "w");
        std::fclose(f);
        fs::resize_file(work / "disk.img", kSize);
    }
    tree::LamportClock clock;
    tree::StateTree tree(work / "mars", clock);
    resource::ResourceState state(tree, kHost);
    state.create(kRes, work / "disk.img", kRes, kSize, kSize);
    // as marsd's create-resource does: the start of this host's chain
    state.publish_version(kRes, 0, history::seed_link(0, "test-cluster").str());
    fs::create_directories(state.directory(kRes));
    std::vector<std::byte> shadow(kSize);
    std::mt19937_64 rng(42);
    const fs::path device = work / "dev" / kRes;

    {
        replication::PrimaryRole role(primary_options(work), state, [] {});
        role.start();
        auto st = role.status();
        check(st.frontend == "kmod", "frontend is '" + st.frontend + "', want kmod");
        check(fs::is_symlink(device) && fs::read_symlink(device).string().rfind("/dev/mars", 0) == 0,
              device.string() + " does not link to /dev/marsN");
        say("primary on " + (fs::is_symlink(device) ? fs::read_symlink(device).string() : std::string("?")));

        write_random(device, shadow, 300, rng);
        role.rotate();
        write_random(device, shadow, 300, rng);
        role.rotate();
        write_random(device, shadow, 200, rng);
        role.tick();
        auto info = state.info(kRes);
        check(info && info->hosts.at(kHost).versions.count(1) && info->hosts.at(kHost).versions.count(2),
              "versionlinks of logfiles 1 and 2 after two rotations");
        check(info && info->maxnr == 3, "maxnr is " + std::to_string(info ? info->maxnr : 0) + ", want 3");

        {
            Device open_device(device);
            try {
                role.stop();
                check(false, "stop() succeeded while the device was open");
            } catch (const std::system_error& e) {
                check(e.code().value() == EBUSY, std::string("stop() while open: ") + e.what());
                say(std::string("stop while open refused: ") + e.what());
            }
            check(role.running(), "the device went away after a refused stop()");
        }
        same_as(device, shadow, "device read-back before stop");
        role.stop();
        check(!fs::exists(device), device.string() + " still there after stop()");
        // After stop everything is written back: nothing but padding or
        // markers may follow the published position in log 3.
        info = state.info(kRes);
        auto replay = info->hosts.at(kHost).replay;
        if (check(replay && replay->position.logfile_number == 3,
                  "replay link after stop is " + (replay ? replay->str() : std::string("missing")) + ", want log 3")) {
            log::LogReader rest(state.directory(kRes) / log::LogfileName{3, kHost}.str(),
                                log::ReaderOptions{replay->position.offset, replay->position.next_seq});
            log::Record r;
            unsigned writes = 0;
            while (rest.next(r))
                writes += r.header.type == format::RecordType::write;
            check(writes == 0 && rest.diagnosis().kind == log::LogEnd::clean,
                  std::to_string(writes) + " writes after the final replay link " + replay->str() + " (" +
                      rest.diagnosis().message() + ")");
        }
    }
    same_as(work / "disk.img", shadow, "disk after stop (all written back)");

    // Again: recovery from the published position, a new logfile, writes.
    {
        replication::PrimaryRole role(primary_options(work), state, [] {});
        role.start();
        write_random(device, shadow, 200, rng);
        same_as(device, shadow, "device read-back after restart");
        role.stop();
    }
    same_as(work / "disk.img", shadow, "disk after the second stop");

    // marsd goes away while the device is in use: the device stays with
    // the kernel, which keeps logging; the next PrimaryRole adopts it.
    std::uint32_t adopted_rotation = 0;
    {
        auto first = std::make_unique<replication::PrimaryRole>(primary_options(work), state, [] {});
        first->start();
        const auto node = fs::read_symlink(device);
        write_random(device, shadow, 100, rng);
        Device held(device);
        first.reset(); // busy: stays
        check(fs::exists(node), node.string() + " was removed although it was in use");
        write_random(node, shadow, 100, rng); // marsd is away; the kernel logs on

        replication::PrimaryRole second(primary_options(work), state, [] {});
        second.start();
        check(fs::read_symlink(device) == node,
              "the adopting primary links " + device.string() + " to " + fs::read_symlink(device).string() +
                  ", want " + node.string());
        adopted_rotation = resource::ReplayLink::parse(second.logged_position())->position.logfile_number;
        write_random(device, shadow, 100, rng);
        same_as(device, shadow, "device read-back after adoption");
        second.rotate();
        write_random(device, shadow, 50, rng);
        ::close(held.fd);
        held.fd = -1;
        second.stop();
        auto info = state.info(kRes);
        check(info && info->hosts.at(kHost).versions.count(adopted_rotation),
              "versionlink of log " + std::to_string(adopted_rotation) + " after the adopting primary rotated");
    }
    same_as(work / "disk.img", shadow, "disk after the adopting primary stopped");

    // Kernel -> userspace: the reader and recovery rebuild the device from
    // all logfiles on a zero disk.
    check_logfiles(state.directory(kRes), {1, 2, adopted_rotation});
    {
        std::FILE* f = std::fopen((work / "zero.img").c_str(), "w");
        std::fclose(f);
        fs::resize_file(work / "zero.img", kSize);
        engine::BackingDisk disk(work / "zero.img", kSize);
        engine::RecoveryOptions ro;
        ro.log_directory = state.directory(kRes);
        ro.start = {1, kHost, 0, 1};
        ro.host = "nobody"; // do not reuse anything
        auto result = engine::recover(disk, ro);
        check(result.ok(), "recovery of the kernel's logfiles: " + result.error);
        say("recovery from log 1: " + std::to_string(result.records) + " records, " + std::to_string(result.bytes) +
            " bytes, " + std::to_string(result.logfiles) + " logfiles, end " + result.end.str());
    }
    same_as(work / "zero.img", shadow, "disk rebuilt by userspace recovery from the kernel's logfiles");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s WORKDIR\n", argv[0]);
        return 2;
    }
    try {
        run(argv[1]);
    } catch (const std::exception& e) {
        check(false, std::string("exception: ") + e.what());
    }
    say(std::string("kmod_primary_test: ") + (failures ? "FAIL" : "PASS"));
    return failures ? 1 : 0;
}
