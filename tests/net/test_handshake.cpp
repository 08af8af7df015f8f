// The mars handshake over real channels (plain mode unless the test is
// about TLS): uuid rules, host names, protocol versions, clocks, and
// malformed greetings.
#include <gtest/gtest.h>

#include "net/channel.hpp"
#include "net/fields.hpp"
#include "net/frame.hpp"
#include "net/handshake.hpp"
#include "net/listener.hpp"
#include "net_test_support.hpp"

using namespace mars;
using namespace mars::net;
using namespace mars::net::test;

namespace {

constexpr std::uint64_t kNow = 1'764'000'000'000'000'000ull;

struct Outcome {
    std::optional<PeerInfo> info;
    std::optional<NetError> error;
};

template <typename Fn> Outcome outcome_of(Fn&& fn)
{
    try {
        return Outcome{fn(), std::nullopt};
    } catch (const NetError& e) {
        return Outcome{std::nullopt, e};
    }
}

class HandshakeTest : public ::testing::Test {
  protected:
    // Runs both sides; each ends with PeerInfo or a NetError.
    std::pair<Outcome, Outcome> run(const HandshakeOptions& server_options, const HandshakeOptions& client_options,
                                    const SecurityOptions& security = none_options())
    {
        Listener listener("127.0.0.1", 0, security);
        auto server = in_thread([&] {
            auto ch = listener.accept(kGenerous, kGenerous);
            return outcome_of([&] { return server_handshake(*ch, server_clock, server_options); });
        });
        auto ch = Channel::connect("127.0.0.1", listener.port(), security, kGenerous);
        Outcome client = outcome_of([&] { return client_handshake(*ch, client_clock, client_options); });
        return {server.get(), std::move(client)};
    }

    static HandshakeOptions side(std::string host, std::string uuid)
    {
        HandshakeOptions o;
        o.host = std::move(host);
        o.cluster_uuid = std::move(uuid);
        o.timeout = kGenerous;
        return o;
    }

    std::uint64_t server_time = kNow;
    std::uint64_t client_time = kNow;
    tree::LamportClock server_clock{[this] { return server_time; }};
    tree::LamportClock client_clock{[this] { return client_time; }};
};

} // namespace

TEST_F(HandshakeTest, MatchingUuidsConnect)
{
    auto server_side = side("beta", "alpha_1764");
    server_side.features = 0x5;
    auto client_side = side("alpha", "alpha_1764");
    client_side.features = 0x3;
    client_time = kNow + 1'000'000; // the client's clock is a millisecond ahead
    auto [server, client] = run(server_side, client_side, psk_options(random_key()));
    ASSERT_TRUE(server.info) << server.error->what();
    ASSERT_TRUE(client.info) << client.error->what();
    EXPECT_EQ(server.info->host, "alpha");
    EXPECT_EQ(server.info->cluster_uuid, "alpha_1764");
    EXPECT_EQ(server.info->protocol_version, kProtocolVersion);
    EXPECT_EQ(server.info->features, 0x3u);
    EXPECT_EQ(server.info->stamp, kNow + 1'000'000);
    EXPECT_EQ(client.info->host, "beta");
    EXPECT_EQ(client.info->features, 0x5u);
    EXPECT_EQ(client.info->protocol_version, kProtocolVersion);
    // The client's stamp advanced the server's clock (mars-reference §3.3):
    // the welcome is stamped after the hello although the server's real
    // time lags behind.
    EXPECT_GT(client.info->stamp, server.info->stamp);
}

TEST_F(HandshakeTest, DifferentUuidsAreRefusedWithTheReasonOnBothSides)
{
    auto [server, client] = run(side("beta", "gamma_1765"), side("alpha", "alpha_1764"));
    ASSERT_TRUE(server.error);
    ASSERT_TRUE(client.error);
    EXPECT_EQ(server.error->kind(), NetErrorKind::refused);
    EXPECT_TRUE(
        contains(server.error->what(), ": refused peer alpha: cluster uuid alpha_1764 differs from ours gamma_1765"))
        << server.error->what();
    EXPECT_EQ(client.error->kind(), NetErrorKind::refused);
    EXPECT_EQ(std::string(client.error->what()), client.error->peer() +
                                                     ": peer beta refused: cluster uuid alpha_1764 differs from ours "
                                                     "gamma_1765");
}

TEST_F(HandshakeTest, AnyUuidIsAcceptedOnEitherSide)
{
    auto [s1, c1] = run(side("beta", "gamma_1765"), side("alpha", "(any)"));
    EXPECT_TRUE(s1.info && c1.info);
    EXPECT_EQ(s1.info->cluster_uuid, "(any)");
    auto [s2, c2] = run(side("beta", "(any)"), side("alpha", "gamma_1765"));
    EXPECT_TRUE(s2.info && c2.info);
    EXPECT_EQ(c2.info->cluster_uuid, "(any)");
}

TEST_F(HandshakeTest, BadHostNamesAreRefused)
{
    auto [server, client] = run(side("beta", "u_1"), side("Alpha", "u_1"));
    ASSERT_TRUE(server.error && client.error);
    EXPECT_TRUE(
        contains(server.error->what(), "refused peer: invalid host name 'Alpha' must start with a lower-case letter"))
        << server.error->what();
    EXPECT_TRUE(contains(client.error->what(), "peer beta refused: invalid host name 'Alpha'")) << client.error->what();

    auto [s2, c2] = run(side("beta", "u_1"), side("beta", "u_1"));
    ASSERT_TRUE(s2.error && c2.error);
    EXPECT_TRUE(contains(s2.error->what(), "peer claims our own host name 'beta'")) << s2.error->what();
}

TEST_F(HandshakeTest, TheClientRefusesAnUnexpectedPeer)
{
    auto client_side = side("alpha", "u_1");
    client_side.expected_peer = "gamma";
    auto [server, client] = run(side("beta", "u_1"), client_side);
    ASSERT_TRUE(client.error);
    EXPECT_EQ(client.error->kind(), NetErrorKind::refused);
    EXPECT_TRUE(contains(client.error->what(), "refused peer beta: expected host 'gamma', but 'beta' answered"))
        << client.error->what();
    // The server had already welcomed; it learns of the refusal by the next message.
    EXPECT_TRUE(server.info);
}

TEST_F(HandshakeTest, ProtocolVersionsAreNegotiatedOrRefused)
{
    auto newer_client = side("alpha", "u_1");
    newer_client.min_protocol_version = 1;
    newer_client.max_protocol_version = 3;
    auto older_server = side("beta", "u_1");
    older_server.max_protocol_version = 2;
    auto [s1, c1] = run(older_server, newer_client);
    ASSERT_TRUE(s1.info && c1.info);
    EXPECT_EQ(s1.info->protocol_version, 2u);
    EXPECT_EQ(c1.info->protocol_version, 2u);

    auto future_client = side("alpha", "u_1");
    future_client.min_protocol_version = 5;
    future_client.max_protocol_version = 6;
    auto [s2, c2] = run(side("beta", "u_1"), future_client);
    ASSERT_TRUE(s2.error && c2.error);
    EXPECT_TRUE(contains(c2.error->what(), "peer beta refused: protocol versions 5 to 6 not supported (we speak 1)"))
        << c2.error->what();
    EXPECT_EQ(s2.error->kind(), NetErrorKind::refused);
}

TEST_F(HandshakeTest, APeerClockFarInTheFutureIsRefused)
{
    client_time = kNow + tree::LamportClock::kMaxFutureNs + 1'000'000'000;
    auto [server, client] = run(side("beta", "u_1"), side("alpha", "u_1"));
    ASSERT_TRUE(server.error && client.error);
    EXPECT_TRUE(contains(client.error->what(), "clock of host 'alpha' is more than 30 days ahead of ours"))
        << client.error->what();
    EXPECT_EQ(server_clock.highest(), 0u); // a refused peer's stamp was not taken
}

TEST_F(HandshakeTest, AMalformedHelloIsAProtocolErrorAndTheClientIsTold)
{
    Listener listener("127.0.0.1", 0, none_options());
    auto server = in_thread([&] {
        auto ch = listener.accept(kGenerous, kGenerous);
        return outcome_of([&] { return server_handshake(*ch, server_clock, side("beta", "u_1")); });
    });
    auto ch = Channel::connect("127.0.0.1", listener.port(), none_options(), kGenerous);
    FieldWriter hello;
    hello.add_string(1, "u_1"); // no host, no version...
    ch->send(MessageType::hello, hello.bytes());
    const Refuse r = ch->receive(kGenerous).as<Refuse>();
    EXPECT_EQ(r.reason, "malformed handshake: hello: required field 2 (host) is missing");
    EXPECT_EQ(r.host, "beta");
    const Outcome s = server.get();
    ASSERT_TRUE(s.error);
    EXPECT_EQ(s.error->kind(), NetErrorKind::protocol);
    EXPECT_TRUE(contains(s.error->what(), "first message: hello: required field 2 (host) is missing"))
        << s.error->what();
}

TEST_F(HandshakeTest, AnythingButHelloFirstIsAProtocolError)
{
    Listener listener("127.0.0.1", 0, none_options());
    auto server = in_thread([&] {
        auto ch = listener.accept(kGenerous, kGenerous);
        return outcome_of([&] { return server_handshake(*ch, server_clock, side("beta", "u_1")); });
    });
    auto ch = Channel::connect("127.0.0.1", listener.port(), none_options(), kGenerous);
    ch->send(GetEntries{0, {}});
    EXPECT_EQ(ch->receive(kGenerous).as<Refuse>().reason, "malformed handshake: expected hello, got get_entries");
    const Outcome s = server.get();
    ASSERT_TRUE(s.error);
    EXPECT_TRUE(contains(s.error->what(), "first message: expected hello, got get_entries")) << s.error->what();
}

TEST_F(HandshakeTest, AServerThatNeverAnswersTimesOut)
{
    Listener listener("127.0.0.1", 0, none_options());
    auto server = in_thread([&] {
        auto ch = listener.accept(kGenerous, kGenerous);
        // Read the hello, answer nothing, wait for the client to give up.
        ch->receive(kGenerous);
        return expect_net_error([&] { ch->receive(kGenerous); });
    });
    auto ch = Channel::connect("127.0.0.1", listener.port(), none_options(), kGenerous);
    auto client_side = side("alpha", "u_1");
    client_side.timeout = kShort;
    const NetError e = expect_net_error([&] { client_handshake(*ch, client_clock, client_side); });
    EXPECT_EQ(e.kind(), NetErrorKind::timeout);
    EXPECT_TRUE(contains(e.what(), "no message within 200 ms")) << e.what();
    ch.reset();
    EXPECT_EQ(server.get().kind(), NetErrorKind::closed);
}
