#include <gtest/gtest.h>

#include <cstring>

#include "net/error.hpp"
#include "net/fields.hpp"
#include "net/message.hpp"

using namespace mars;
using namespace mars::net;

namespace {

template <typename M> M round_trip(const M& m)
{
    const std::vector<std::byte> payload = m.encode();
    return M::decode(payload);
}

template <typename M> std::string decode_error(std::span<const std::byte> payload)
{
    try {
        M::decode(payload);
    } catch (const ProtocolError& e) {
        return e.what();
    }
    return "(no error)";
}

Hello sample_hello()
{
    Hello h;
    h.cluster_uuid = "alpha_1764000000";
    h.host = "alpha";
    h.protocol_version = 3;
    h.min_protocol_version = 1;
    h.features = 0x8000000000000001ull;
    h.stamp = 1'764'000'000'123'456'789ull;
    return h;
}

std::vector<tree::Entry> sample_entries()
{
    return {
        {"uuid", "alpha_1764000000", 1},
        {"ips/ip-alpha", "10.0.0.1", 2},
        {"resource-r0/primary", std::string(tree::kTombstone), 3},
        {"resource-r0/replay-beta", "log-000000001-alpha,4096,0", 0xffffffffffffffffull},
        {"userspace/long", std::string(4095, 'v'), 5},
    };
}

std::vector<std::byte> bytes_of(std::string_view s)
{
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

} // namespace

TEST(Message, HelloAndWelcomeRoundTrip)
{
    const Hello h = sample_hello();
    EXPECT_EQ(round_trip(h), h);
    Welcome w;
    static_cast<Greeting&>(w) = sample_hello();
    w.host = "beta";
    EXPECT_EQ(round_trip(w), w);
}

TEST(Message, MinimumVersionDefaultsToTheVersionWhenAnOlderPeerOmitsIt)
{
    FieldWriter f;
    f.add_string(1, "(any)");
    f.add_string(2, "beta");
    f.add_u32(3, 2);
    f.add_u64(4, 0);
    f.add_u64(5, 99);
    const Hello h = Hello::decode(f.bytes());
    EXPECT_EQ(h.protocol_version, 2u);
    EXPECT_EQ(h.min_protocol_version, 2u);
    EXPECT_EQ(h.cluster_uuid, "(any)");
    EXPECT_EQ(h.stamp, 99u);
}

TEST(Message, EveryOtherMessageRoundTrips)
{
    EXPECT_EQ(round_trip(Refuse{"cluster uuid a_1 differs from ours b_2", "beta"}),
              (Refuse{"cluster uuid a_1 differs from ours b_2", "beta"}));
    EXPECT_EQ(round_trip(Refuse{"no host", ""}), (Refuse{"no host", ""}));
    EXPECT_EQ(round_trip(GetEntries{42, {}}), (GetEntries{42, {}}));
    EXPECT_EQ(round_trip(GetEntries{7, {"ips/", "resource-r0/", "actual-beta/"}}),
              (GetEntries{7, {"ips/", "resource-r0/", "actual-beta/"}}));
    EXPECT_EQ(round_trip(Entries{123, sample_entries()}), (Entries{123, sample_entries()}));
    EXPECT_EQ(round_trip(Entries{0, {}}), (Entries{0, {}}));
    EXPECT_EQ(round_trip(PushEntries{9, sample_entries()}), (PushEntries{9, sample_entries()}));
    EXPECT_EQ(round_trip(Ack{}), Ack{});
    EXPECT_EQ(round_trip(Notify{}), Notify{});
    EXPECT_EQ(round_trip(Ping{0x1234}), Ping{0x1234});
    EXPECT_EQ(round_trip(Pong{0x1234}), Pong{0x1234});
    EXPECT_EQ(round_trip(ErrorMessage{"unknown message type 77"}), ErrorMessage{"unknown message type 77"});
}

TEST(Message, GossipCursorFieldsRoundTripAndDefaultForOlderPeers)
{
    GetEntries g{17, {"ips/"}, 0xabcdef};
    EXPECT_EQ(round_trip(g), g);
    Entries e{5, sample_entries()};
    e.epoch = 0xabcdef;
    e.cursor = 9000;
    e.complete = false;
    EXPECT_EQ(round_trip(e), e);

    // What a peer without the cursor fields sends.
    FieldWriter old_get;
    old_get.add_u64(1, 17);
    EXPECT_EQ(GetEntries::decode(old_get.bytes()).epoch, 0u);
    FieldWriter old_entries;
    old_entries.add_u64(1, 5);
    const Entries decoded = Entries::decode(old_entries.bytes());
    EXPECT_EQ(decoded.epoch, 0u);
    EXPECT_EQ(decoded.cursor, 0u);
    EXPECT_TRUE(decoded.complete);

    // push_entries has no cursor; one sent anyway is ignored.
    const PushEntries p = PushEntries::decode(e.encode());
    EXPECT_EQ(p.stamp, 5u);
    EXPECT_EQ(p.entries, sample_entries());
}

TEST(Message, AsChecksTheType)
{
    Message m{MessageType::ping, Ping{5}.encode()};
    EXPECT_EQ(m.as<Ping>().nonce, 5u);
    try {
        m.as<Pong>();
        FAIL() << "decoded a ping as pong";
    } catch (const ProtocolError& e) {
        EXPECT_STREQ(e.what(), "expected pong, got ping");
    }
    EXPECT_EQ(message_type_name(static_cast<MessageType>(4242)), "unknown message type 4242");
}

TEST(Message, UnknownFieldsAreSkippedAtEveryLevel)
{
    // What a newer peer might send: extra fields before, between and after
    // the known ones, and inside an entry record.
    FieldWriter entry;
    entry.add_u64(63, 1);
    entry.add_string(1, "uuid");
    entry.add_bytes(1000, bytes_of("future"));
    entry.add_string(2, "alpha_1");
    entry.add_u64(3, 77);
    FieldWriter f;
    f.add_bytes(0, {});
    f.add_u64(1, 5);
    f.add_record(0xffff, entry);
    f.add_record(2, entry);
    f.add_string(40, "ignored");
    const Entries e = Entries::decode(f.bytes());
    EXPECT_EQ(e.stamp, 5u);
    ASSERT_EQ(e.entries.size(), 1u);
    EXPECT_EQ(e.entries[0], (tree::Entry{"uuid", "alpha_1", 77}));

    std::vector<std::byte> hello = sample_hello().encode();
    FieldWriter extra;
    extra.add_u32(17, 1);
    extra.add_string(4711, "a field of protocol version 9");
    hello.insert(hello.begin(), extra.bytes().begin(), extra.bytes().end());
    EXPECT_EQ(Hello::decode(hello), sample_hello());

    FieldWriter ack;
    ack.add_u64(9, 1);
    EXPECT_EQ(Ack::decode(ack.bytes()), Ack{});
}

TEST(Message, MissingRequiredFieldsAreNamed)
{
    FieldWriter f;
    f.add_string(1, "alpha_1");
    f.add_u32(3, 1);
    f.add_u64(4, 0);
    f.add_u64(5, 1);
    EXPECT_EQ(decode_error<Hello>(f.bytes()), "hello: required field 2 (host) is missing");
    EXPECT_EQ(decode_error<Refuse>({}), "refuse: required field 1 (reason) is missing");
    EXPECT_EQ(decode_error<GetEntries>({}), "get_entries: required field 1 (since) is missing");
    EXPECT_EQ(decode_error<ErrorMessage>({}), "error: required field 1 (text) is missing");

    FieldWriter entry;
    entry.add_string(1, "uuid");
    entry.add_u64(3, 1);
    FieldWriter e;
    e.add_u64(1, 1);
    e.add_record(2, entry);
    EXPECT_EQ(decode_error<Entries>(e.bytes()), "entries: entry 0 at offset 14: required field 2 (value) is missing");
}

TEST(Message, TruncatedPayloadsAreRejectedWithTheOffset)
{
    const std::vector<std::byte> full = sample_hello().encode();
    EXPECT_EQ(decode_error<Hello>(std::span(full).first(3)),
              "hello: field header at offset 0 is cut off (3 of 6 bytes)");
    EXPECT_EQ(decode_error<Hello>(std::span(full).first(10)),
              "hello: field 1 at offset 0 claims 16 bytes, but only 4 follow");
    // Every cut either decodes (only at the end) or is refused.
    for (std::size_t cut = 0; cut < full.size(); ++cut)
        EXPECT_THROW(Hello::decode(std::span(full).first(cut)), ProtocolError) << "cut at " << cut;
}

TEST(Message, LengthsBeyondThePayloadAreRejected)
{
    std::vector<std::byte> p = Ping{1}.encode();
    const std::uint32_t huge = 0xfffffff0u;
    std::memcpy(p.data() + 2, &huge, sizeof huge); // little-endian host assumed by the test only
    EXPECT_EQ(decode_error<Ping>(p), "ping: field 1 at offset 0 claims 4294967280 bytes, but only 8 follow");
}

TEST(Message, StringsWithNulBytesAreRejected)
{
    FieldWriter f;
    f.add_bytes(1, bytes_of(std::string_view("bad\0reason", 10)));
    EXPECT_EQ(decode_error<Refuse>(f.bytes()), "refuse: field 1 at offset 0: string contains a NUL byte");
    EXPECT_THROW((Refuse{std::string("a\0b", 3), ""}.encode()), ProtocolError);

    FieldWriter entry;
    entry.add_bytes(1, bytes_of(std::string_view("ke\0y", 4)));
    entry.add_string(2, "v");
    entry.add_u64(3, 1);
    FieldWriter e;
    e.add_u64(1, 1);
    e.add_record(2, entry);
    EXPECT_NE(decode_error<PushEntries>(e.bytes()).find("NUL"), std::string::npos);
}

TEST(Message, IntegersMustHaveTheirExactWidth)
{
    FieldWriter f;
    f.add_u32(1, 5); // since is a u64
    EXPECT_EQ(decode_error<GetEntries>(f.bytes()),
              "get_entries: field 1 at offset 0 has 4 bytes, expected an integer of 8");
}

TEST(Message, ASingleValuedFieldMayNotRepeat)
{
    FieldWriter f;
    f.add_string(1, "first reason");
    f.add_string(1, "second reason");
    EXPECT_EQ(decode_error<Refuse>(f.bytes()), "refuse: field 1 at offset 18 appears twice");
}

TEST(Message, AMinimumVersionAboveTheMaximumIsMalformed)
{
    Hello h = sample_hello();
    h.min_protocol_version = 4;
    h.protocol_version = 3;
    EXPECT_EQ(decode_error<Hello>(h.encode()), "hello: lowest protocol version 4 is above the highest, 3");
}

TEST(Message, TooManyEntriesOrPrefixesAreRejected)
{
    // Minimal entries: empty key and value, so the payload stays small.
    FieldWriter entry;
    entry.add_string(1, "");
    entry.add_string(2, "");
    entry.add_u64(3, 1);
    FieldWriter f;
    f.add_u64(1, 1);
    for (std::size_t i = 0; i <= kMaxEntriesPerMessage; ++i)
        f.add_record(2, entry);
    EXPECT_EQ(decode_error<Entries>(f.bytes()), "entries: more than 262144 entries");

    Entries too_many{1, std::vector<tree::Entry>(kMaxEntriesPerMessage + 1, tree::Entry{"k", "v", 1})};
    EXPECT_THROW(too_many.encode(), ProtocolError);

    FieldWriter g;
    g.add_u64(1, 1);
    for (std::size_t i = 0; i <= kMaxKeyPrefixes; ++i)
        g.add_string(2, "ips/");
    EXPECT_EQ(decode_error<GetEntries>(g.bytes()), "get_entries: more than 4096 key prefixes");
}

TEST(Message, EntryWireSizeIsWhatAnEntryAdds)
{
    const auto entries = sample_entries();
    std::size_t expected = kEntriesHeaderWireSize;
    for (const auto& e : entries)
        expected += entry_wire_size(e);
    EXPECT_EQ((Entries{1, entries}.encode().size()), expected);
}
