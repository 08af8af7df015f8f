// Log fetch over real TLS (PSK) on loopback: list, whole files, resume,
// growing files, a local copy that is too long, zstd, bandwidth limits.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "log/logfile_name.hpp"
#include "transfer/fetch_client.hpp"
#include "transfer_test_support.hpp"

namespace mars::transfer::test {
namespace {

log::LogfileName logname(std::uint32_t n, const std::string& host = kServerHost)
{
    return log::LogfileName{n, host};
}

struct FetchTest : ::testing::Test {
    Fixture f{Service::fetch};

    std::filesystem::path remote(const log::LogfileName& n) const { return f.log_dir / n.str(); }
    std::filesystem::path local(const log::LogfileName& n) const { return f.local_dir / n.str(); }
    FetchClient client(bool compress = false)
    {
        return FetchClient(f.client_clock, f.client_options(compress), kServerHost, "127.0.0.1");
    }
};

TEST_F(FetchTest, ListsLogfilesInOrderWithSizes)
{
    write_file(remote(logname(2)), random_bytes(100, 1));
    write_file(remote(logname(1)), random_bytes(4096, 2));
    write_file(remote(logname(3, "beta")), {});
    write_file(f.log_dir / "not-a-logfile", random_bytes(10, 3));
    std::filesystem::create_symlink("/etc/passwd", remote(logname(9)));

    auto c = client();
    const auto list = c.list("r0");
    ASSERT_EQ(list.size(), 3u);
    EXPECT_EQ(list[0].name, logname(1));
    EXPECT_EQ(list[0].size, 4096u);
    EXPECT_EQ(list[1].name, logname(2));
    EXPECT_EQ(list[1].size, 100u);
    EXPECT_EQ(list[2].name, logname(3, "beta"));
    EXPECT_EQ(list[2].size, 0u);
    // The handshake advanced our clock to at least the server's.
    EXPECT_GE(f.client_clock.highest(), f.server_clock.highest() - 1);
}

TEST_F(FetchTest, FetchesWholeFileInChunks)
{
    const auto data = random_bytes(3 * 1024 * 1024 + 123, 4); // several 1 MiB chunks
    write_file(remote(logname(1)), data);
    auto c = client();
    std::vector<std::uint64_t> progress;
    EXPECT_EQ(c.fetch("r0", logname(1), local(logname(1)), {}, [&](std::uint64_t p) { progress.push_back(p); }),
              data.size());
    EXPECT_EQ(read_file(local(logname(1))), data);
    ASSERT_EQ(progress.size(), 4u);
    EXPECT_TRUE(std::is_sorted(progress.begin(), progress.end()));
    EXPECT_EQ(progress.back(), data.size());
    struct stat st {};
    ASSERT_EQ(::stat(local(logname(1)).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // Nothing new: nothing appended, no error.
    EXPECT_EQ(c.fetch("r0", logname(1), local(logname(1))), 0u);
}

TEST_F(FetchTest, ResumeAppendsOnlyTheRest)
{
    const auto data = random_bytes(2 * 1024 * 1024, 5);
    write_file(remote(logname(1)), data);
    // A local prefix, marked so we can see it is not rewritten.
    std::vector<std::byte> prefix(data.begin(), data.begin() + 777777);
    write_file(local(logname(1)), prefix);
    auto c = client();
    EXPECT_EQ(c.fetch("r0", logname(1), local(logname(1))), data.size() - prefix.size());
    EXPECT_EQ(read_file(local(logname(1))), data);
    EXPECT_EQ(c.wire_bytes(), data.size() - prefix.size());
}

TEST_F(FetchTest, GrowingFileFetchedAgainGetsTheNewBytes)
{
    auto data = random_bytes(5000, 6);
    write_file(remote(logname(1)), data);
    auto c = client();
    EXPECT_EQ(c.fetch("r0", logname(1), local(logname(1))), 5000u);
    const auto more = random_bytes(3000, 7);
    append_file(remote(logname(1)), more);
    data.insert(data.end(), more.begin(), more.end());
    EXPECT_EQ(c.list("r0").at(0).size, 8000u);
    EXPECT_EQ(c.fetch("r0", logname(1), local(logname(1))), 3000u);
    EXPECT_EQ(read_file(local(logname(1))), data);
}

TEST_F(FetchTest, LocalCopyLongerThanRemoteIsAnError)
{
    write_file(remote(logname(1)), random_bytes(100, 8));
    write_file(local(logname(1)), random_bytes(200, 8));
    auto c = client();
    EXPECT_THROW(c.fetch("r0", logname(1), local(logname(1))), LocalCopyLongerError);
    EXPECT_EQ(read_file(local(logname(1))).size(), 200u); // untouched
    // The connection is still good.
    EXPECT_EQ(c.list("r0").size(), 1u);
}

TEST_F(FetchTest, ZstdOnAndOffGiveTheSameBytes)
{
    auto data = compressible_bytes(2 * 1024 * 1024);
    const auto noise = random_bytes(1024 * 1024, 9); // a chunk zstd cannot shrink
    data.insert(data.end(), noise.begin(), noise.end());
    write_file(remote(logname(1)), data);

    auto plain = client(false);
    auto packed = client(true);
    const auto a = f.local_dir / "plain";
    const auto b = f.local_dir / "packed";
    EXPECT_EQ(plain.fetch("r0", logname(1), a), data.size());
    EXPECT_EQ(packed.fetch("r0", logname(1), b), data.size());
    EXPECT_EQ(read_file(a), data);
    EXPECT_EQ(read_file(b), data);
    EXPECT_EQ(plain.wire_bytes(), data.size());
    // The text compresses, the noise travels as it is.
    EXPECT_LT(packed.wire_bytes(), noise.size() + data.size() / 10);
    EXPECT_GE(packed.wire_bytes(), noise.size());
}

TEST_F(FetchTest, KeepGoingFalseStopsEarlyAndResumes)
{
    const auto data = random_bytes(4 * 1024 * 1024, 10);
    write_file(remote(logname(1)), data);
    auto c = client();
    int chunks = 0;
    const auto got = c.fetch("r0", logname(1), local(logname(1)), [&] { return ++chunks < 2; });
    EXPECT_EQ(got, 2u * kMaxChunkSize);
    EXPECT_EQ(read_file(local(logname(1))), std::vector<std::byte>(data.begin(), data.begin() + got));
    // The cut stream is gone; the next fetch reconnects and resumes.
    EXPECT_EQ(c.fetch("r0", logname(1), local(logname(1))), data.size() - got);
    EXPECT_EQ(read_file(local(logname(1))), data);
}

TEST_F(FetchTest, UnknownResourceAndMissingLogfileAreClearErrors)
{
    auto c = client();
    try {
        c.list("r9");
        ADD_FAILURE() << "no error";
    } catch (const RemoteError& e) {
        EXPECT_NE(std::string(e.what()).find("resource r9 is not served here"), std::string::npos) << e.what();
    }
    try {
        c.fetch("r0", logname(5), local(logname(5)));
        ADD_FAILURE() << "no error";
    } catch (const RemoteError& e) {
        EXPECT_NE(std::string(e.what()).find("log-000000005-alpha"), std::string::npos) << e.what();
    }
    write_file(remote(logname(1)), random_bytes(10, 11));
    EXPECT_EQ(c.list("r0").size(), 1u); // the same connection still serves
}

TEST_F(FetchTest, AbortWakesAndSticks)
{
    auto c = client();
    c.abort();
    EXPECT_THROW(c.list("r0"), net::NetError);
}

TEST(FetchBandwidth, LimitedServerStillDeliversExactBytes)
{
    // Only correctness under a limit here; the timing logic is tested on
    // TokenBucket with made-up clocks.
    Fixture f(Service::fetch, 64 * 1024 * 1024);
    const auto data = random_bytes(3 * 1024 * 1024, 12);
    write_file(f.log_dir / logname(1).str(), data);
    auto o = f.client_options();
    o.bandwidth_limit = 64 * 1024 * 1024;
    FetchClient c(f.client_clock, o, kServerHost, "127.0.0.1");
    EXPECT_EQ(c.fetch("r0", logname(1), f.local_dir / "x"), data.size());
    EXPECT_EQ(read_file(f.local_dir / "x"), data);
}

TEST(FetchBandwidth, SlowClientAsksForSmallChunks)
{
    // A receive limit of 256 KiB/s asks for 256 KiB chunks (counted through
    // progress calls, not the clock), so no chunk outlasts a timeout.
    Fixture f(Service::fetch);
    const auto data = random_bytes(300 * 1024, 13);
    write_file(f.log_dir / logname(1).str(), data);
    auto o = f.client_options();
    o.bandwidth_limit = 256 * 1024;
    FetchClient c(f.client_clock, o, kServerHost, "127.0.0.1");
    std::vector<std::uint64_t> progress;
    EXPECT_EQ(c.fetch("r0", logname(1), f.local_dir / "x", {}, [&](std::uint64_t p) { progress.push_back(p); }),
              data.size());
    EXPECT_EQ(progress, (std::vector<std::uint64_t>{256 * 1024, data.size()}));
    EXPECT_EQ(read_file(f.local_dir / "x"), data);
}

TEST(FetchSecurity, WrongPskIsRefused)
{
    Fixture f(Service::fetch);
    auto o = f.client_options();
    o.security = psk_options(random_key());
    EXPECT_THROW(FetchClient(f.client_clock, o, kServerHost, "127.0.0.1"), net::NetError);
    // A right one still gets in.
    FetchClient good(f.client_clock, f.client_options(), kServerHost, "127.0.0.1");
    EXPECT_TRUE(good.list("r0").empty());
}

TEST(FetchSecurity, WrongPeerOrClusterIsRefused)
{
    Fixture f(Service::fetch);
    EXPECT_THROW(FetchClient(f.client_clock, f.client_options(), "gamma", "127.0.0.1"), net::NetError);
    auto o = f.client_options();
    o.cluster_uuid = "other_1";
    EXPECT_THROW(FetchClient(f.client_clock, o, kServerHost, "127.0.0.1"), net::NetError);
}

} // namespace
} // namespace mars::transfer::test
