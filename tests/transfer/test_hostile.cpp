// Hostile input: invalid names, requests for the other port, malformed
// payloads and raw garbage. Each gets a clear error or a dropped
// connection, nothing outside the served directories is touched, and the
// server keeps serving the next, well-behaved client.
#include <gtest/gtest.h>

#include "net/channel.hpp"
#include "net/fields.hpp"
#include "net/handshake.hpp"
#include "transfer/fetch_client.hpp"
#include "transfer/transfer_messages.hpp"
#include "transfer_test_support.hpp"

namespace mars::transfer::test {
namespace {

struct HostileTest : ::testing::Test {
    Fixture f{Service::fetch};
    Fixture sync{Service::sync};

    // An authenticated channel on which the test sends what it likes.
    std::unique_ptr<net::Channel> connect() { return connect(f); }
    std::unique_ptr<net::Channel> connect(Fixture& to)
    {
        auto o = to.client_options();
        auto ch = net::Channel::connect("127.0.0.1", o.port, o.security, 5s);
        net::HandshakeOptions hs;
        hs.host = kClientHost;
        hs.cluster_uuid = kUuid;
        hs.expected_peer = kServerHost;
        net::client_handshake(*ch, f.client_clock, hs);
        return ch;
    }

    std::string error_text(net::Channel& ch)
    {
        const auto m = ch.receive(5s);
        EXPECT_EQ(m.type, net::MessageType::error) << net::message_type_name(m.type);
        return m.type == net::MessageType::error ? m.as<net::ErrorMessage>().text : "";
    }

    // The connection was dropped: the next receive sees EOF.
    void expect_dropped(net::Channel& ch)
    {
        try {
            ch.receive(5s);
            ADD_FAILURE() << "connection still open";
        } catch (const net::NetError& e) {
            EXPECT_EQ(e.kind(), net::NetErrorKind::closed) << e.what();
        }
    }

    void expect_server_alive()
    {
        write_file(f.log_dir / "log-000000001-alpha", random_bytes(10, 1));
        FetchClient c(f.client_clock, f.client_options(), kServerHost, "127.0.0.1");
        EXPECT_EQ(c.list("r0").size(), 1u);
        EXPECT_EQ(c.fetch("r0", log::LogfileName{1, "alpha"}, f.local_dir / "ok"), 10u);
    }
};

TEST_F(HostileTest, PathsInsteadOfNamesAreRefusedAndDropped)
{
    // A secret next to the served directory must stay out of reach.
    write_file(f.log_dir.parent_path() / "secret", random_bytes(10, 2));
    for (const auto& [res, log] : std::vector<std::pair<std::string, std::string>>{
             {"r0", "../secret"},
             {"r0", "/etc/passwd"},
             {"r0", "log-000000001-alpha/../../secret"},
             {"../r0", "log-000000001-alpha"},
             {"R0", "log-000000001-alpha"},
         }) {
        auto ch = connect();
        ch->send(ReadLog{res, log, 0, false});
        const auto text = error_text(*ch);
        EXPECT_FALSE(text.empty()) << res << " " << log;
        expect_dropped(*ch);
    }
    expect_server_alive();
}

TEST_F(HostileTest, SyncRequestOnTheFetchPortIsDropped)
{
    auto ch = connect();
    ch->send(SyncRequest{"r0", 0, 10, false});
    EXPECT_NE(error_text(*ch).find("unexpected sync_request request on the fetch port"), std::string::npos);
    expect_dropped(*ch);
    expect_server_alive();
}

TEST_F(HostileTest, FetchRequestsOnTheSyncPortAreDropped)
{
    for (int i = 0; i < 2; ++i) {
        auto ch = connect(sync);
        if (i == 0)
            ch->send(ListLogs{"r0"});
        else
            ch->send(ReadLog{"r0", "log-000000001-alpha", 0, false});
        EXPECT_NE(error_text(*ch).find("on the sync port"), std::string::npos);
        expect_dropped(*ch);
    }
}

TEST_F(HostileTest, MalformedPayloadsAreDropped)
{
    {
        auto ch = connect();
        net::FieldWriter w; // read_log without its required fields
        w.add_string(1, "r0");
        ch->send(net::MessageType::read_log, w.bytes());
        expect_dropped(*ch);
    }
    {
        auto ch = connect();
        ch->send(net::MessageType::list_logs, random_bytes(300, 3));
        expect_dropped(*ch);
    }
    {
        auto ch = connect();
        ch->send(static_cast<net::MessageType>(999), random_bytes(10, 4));
        EXPECT_NE(error_text(*ch).find("unexpected"), std::string::npos);
        expect_dropped(*ch);
    }
    expect_server_alive();
}

TEST_F(HostileTest, RawGarbageBeforeTheHandshakeIsDropped)
{
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
        auto fd = raw_connect(f.server->port());
        raw_send(fd.get(), random_bytes(4096, seed));
    }
    {
        // Plain mars framing on a TLS port.
        auto fd = raw_connect(f.server->port());
        raw_send(fd.get(), ListLogs{"r0"}.encode());
    }
    expect_server_alive();
}

TEST_F(HostileTest, ServerStopsPromptlyWithClientsConnected)
{
    auto idle = connect();
    auto fd = raw_connect(f.server->port()); // never says anything
    // A stream in progress, its reader stalled (nobody receives).
    write_file(f.log_dir / "log-000000001-alpha", random_bytes(16 * 1024 * 1024, 9));
    auto streaming = connect();
    streaming->send(ReadLog{"r0", "log-000000001-alpha", 0, false});
    const auto start = std::chrono::steady_clock::now();
    f.server.reset();
    // Generous bound: the point is "not the 10 s handshake or idle timeout".
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

} // namespace
} // namespace mars::transfer::test
