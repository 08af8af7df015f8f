// x509 mode: certificates made at test time by a throwaway CA; mutual
// authentication, certificates from a foreign CA, unusable key files, and
// the handshake's check that a certificate names the host that presents it.
#include <gtest/gtest.h>

#include "net/channel.hpp"
#include "net/handshake.hpp"
#include "net/listener.hpp"
#include "net_test_support.hpp"
#include "support/temp_dir.hpp"
#include "test_certs.hpp"

using namespace mars;
using namespace mars::net;
using namespace mars::net::test;

namespace {

HandshakeOptions as(std::string host, std::string expected_peer = {})
{
    HandshakeOptions o;
    o.host = std::move(host);
    o.cluster_uuid = "u_1";
    o.expected_peer = std::move(expected_peer);
    o.timeout = kGenerous;
    return o;
}

class X509Test : public ::testing::Test {
  protected:
    mars::test::TempDir dir{"mars-net-x509"};
    TestCa ca{dir.path(), "cluster"};
    TestCa other_ca{dir.path(), "other"};
    SecurityOptions alpha = ca.issue("alpha");
    SecurityOptions beta = ca.issue("beta");
};

} // namespace

TEST_F(X509Test, MutualAuthenticationWorks)
{
    Listener listener("127.0.0.1", 0, beta);
    auto server = in_thread([&] {
        auto ch = listener.accept(kGenerous, kGenerous);
        EXPECT_TRUE(ch->peer_certificate_matches("alpha"));
        EXPECT_FALSE(ch->peer_certificate_matches("beta"));
        EXPECT_EQ(ch->peer_certificate_subject(), "CN=alpha");
        ch->send(Pong{ch->receive(kGenerous).as<Ping>().nonce});
    });
    auto ch = Channel::connect("127.0.0.1", listener.port(), alpha, kGenerous);
    EXPECT_EQ(ch->security_mode(), config::SecurityMode::x509);
    EXPECT_TRUE(ch->peer_certificate_matches("beta"));
    EXPECT_EQ(ch->peer_certificate_subject(), "CN=beta");
    ch->send(Ping{5});
    EXPECT_EQ(ch->receive(kGenerous).as<Pong>().nonce, 5u);
    server.get();
}

TEST_F(X509Test, AClientCertificateFromAnotherCaIsRefused)
{
    // Mallory trusts our CA, but her own certificate comes from another one.
    const SecurityOptions mallory = other_ca.issue("mallory", &ca.certificate());
    Listener listener("127.0.0.1", 0, beta);
    auto server = in_thread([&] { return expect_net_error([&] { listener.accept(kGenerous, kGenerous); }); });
    // TLS 1.3 clients finish before the server has checked their
    // certificate; the refusal arrives with the first read.
    const NetError client = expect_net_error([&] {
        auto ch = Channel::connect("127.0.0.1", listener.port(), mallory, kGenerous);
        ch->send(Ping{1});
        ch->receive(kGenerous);
    });
    const NetError srv = server.get();
    EXPECT_EQ(srv.kind(), NetErrorKind::tls) << srv.what();
    EXPECT_TRUE(contains(srv.what(), "peer certificate: unable to get local issuer certificate")) << srv.what();
    EXPECT_TRUE(client.kind() == NetErrorKind::tls || client.kind() == NetErrorKind::closed) << client.what();
    if (client.kind() == NetErrorKind::tls) { // the alert arrived before the close
        EXPECT_TRUE(contains(client.what(), "(the peer refused our certificate)")) << client.what();
    }
}

TEST_F(X509Test, AServerCertificateFromAnotherCaIsRefused)
{
    const SecurityOptions mallory = other_ca.issue("mallory", &ca.certificate());
    Listener listener("127.0.0.1", 0, mallory);
    auto server = in_thread([&] { return expect_net_error([&] { listener.accept(kGenerous, kGenerous); }); });
    const NetError client = expect_net_error([&] { Channel::connect("127.0.0.1", listener.port(), alpha, kGenerous); });
    EXPECT_EQ(client.kind(), NetErrorKind::tls) << client.what();
    EXPECT_TRUE(contains(client.what(), "certificate verify failed")) << client.what();
    EXPECT_TRUE(contains(client.what(), "unable to get local issuer certificate")) << client.what();
    EXPECT_EQ(server.get().kind(), NetErrorKind::tls);
}

TEST_F(X509Test, UnusableFilesAreConfigErrorsNamingTheFile)
{
    SecurityOptions o = alpha;
    o.certificate = dir.path() / "missing.pem";
    NetError e = expect_net_error([&] { Listener("127.0.0.1", 0, o); });
    EXPECT_EQ(e.kind(), NetErrorKind::config);
    EXPECT_TRUE(contains(e.what(), "loading certificate " + o.certificate.string())) << e.what();

    o = alpha;
    o.private_key = beta.private_key;
    e = expect_net_error([&] { Channel::connect("127.0.0.1", 1, o, kShort); });
    EXPECT_EQ(e.kind(), NetErrorKind::config);
    EXPECT_TRUE(contains(e.what(), "private key " + beta.private_key.string() + " does not match certificate"))
        << e.what();

    o = alpha;
    o.ca.clear();
    EXPECT_EQ(expect_net_error([&] { Listener("127.0.0.1", 0, o); }).kind(), NetErrorKind::config);
}

TEST_F(X509Test, TheHandshakeRefusesAHostNameTheCertificateDoesNotCarry)
{
    Listener listener("127.0.0.1", 0, beta);
    tree::LamportClock server_clock, client_clock;
    auto server = in_thread([&] {
        auto ch = listener.accept(kGenerous, kGenerous);
        return expect_net_error([&] { server_handshake(*ch, server_clock, as("beta")); });
    });
    auto ch = Channel::connect("127.0.0.1", listener.port(), alpha, kGenerous);
    // alpha's certificate, but it claims to be gamma.
    const NetError client = expect_net_error([&] { client_handshake(*ch, client_clock, as("gamma")); });
    const NetError srv = server.get();
    EXPECT_EQ(srv.kind(), NetErrorKind::refused);
    EXPECT_TRUE(contains(srv.what(), "refused peer gamma: host 'gamma' presented a certificate for 'CN=alpha'"))
        << srv.what();
    EXPECT_TRUE(contains(client.what(), "peer beta refused: host 'gamma' presented a certificate for 'CN=alpha'"))
        << client.what();

    // With its true name the same certificate passes.
    auto ok_server = in_thread([&] {
        auto c = listener.accept(kGenerous, kGenerous);
        return server_handshake(*c, server_clock, as("beta"));
    });
    auto ch2 = Channel::connect("127.0.0.1", listener.port(), alpha, kGenerous);
    EXPECT_EQ(client_handshake(*ch2, client_clock, as("alpha", "beta")).host, "beta");
    EXPECT_EQ(ok_server.get().host, "alpha");
}

TEST_F(X509Test, MixedPskAndX509ModesFailWithAClearMessage)
{
    const SecurityOptions psk = psk_options(random_key());
    {
        Listener listener("127.0.0.1", 0, beta);
        auto server = in_thread([&] { return expect_net_error([&] { listener.accept(kGenerous, kGenerous); }); });
        const NetError client =
            expect_net_error([&] { Channel::connect("127.0.0.1", listener.port(), psk, kGenerous); });
        EXPECT_TRUE(contains(client.what(), "the peer authenticated with a certificate instead of the cluster key"))
            << client.what();
        EXPECT_EQ(server.get().kind(), NetErrorKind::tls);
    }
    {
        Listener listener("127.0.0.1", 0, psk);
        auto server = in_thread([&] { return expect_net_error([&] { listener.accept(kGenerous, kGenerous); }); });
        EXPECT_EQ(expect_net_error([&] { Channel::connect("127.0.0.1", listener.port(), alpha, kGenerous); }).kind(),
                  NetErrorKind::tls);
        const NetError srv = server.get();
        EXPECT_TRUE(contains(srv.what(), "the peer offered no cluster key (is it in security mode x509?)"))
            << srv.what();
    }
}
