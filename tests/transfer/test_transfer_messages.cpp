// Codecs of the transfer messages: round trips, and payloads a hostile peer
// might send (caught here, before any file is touched).
#include <gtest/gtest.h>

#include "net/fields.hpp"
#include "transfer/chunk_codec.hpp"
#include "transfer/request_handler.hpp"
#include "transfer/transfer_messages.hpp"
#include "transfer_test_support.hpp"

namespace mars::transfer {
namespace {

TEST(TransferMessages, RoundTrip)
{
    EXPECT_EQ(ListLogs::decode(ListLogs{"r0"}.encode()), ListLogs{"r0"});
    LogList list{{{"log-000000001-alpha", 10}, {"log-000000002-beta", 0}}};
    EXPECT_EQ(LogList::decode(list.encode()), list);
    ReadLog read{"r0", "log-000000001-alpha", 4096, true};
    EXPECT_EQ(ReadLog::decode(read.encode()), read);
    read.chunk_size = 65536;
    EXPECT_EQ(ReadLog::decode(read.encode()), read);
    Chunk chunk{7, 3, false, {std::byte{1}, std::byte{2}, std::byte{3}}};
    EXPECT_EQ(Chunk::decode(chunk.encode()), chunk);
    EXPECT_EQ(ReadEnd::decode(ReadEnd{99}.encode()), ReadEnd{99});
    SyncRequest sync{"r0", 4096, 8192, false, 4096};
    EXPECT_EQ(SyncRequest::decode(sync.encode()), sync);
    SyncEnd end{8192, "log-000000003-alpha,0,0"};
    EXPECT_EQ(SyncEnd::decode(end.encode()), end);
}

TEST(TransferMessages, RefusesMalformedPayloads)
{
    EXPECT_THROW(ReadLog::decode(ListLogs{"r0"}.encode()), net::ProtocolError); // fields missing
    net::FieldWriter twice;
    twice.add_string(1, "r0");
    twice.add_string(1, "r1");
    EXPECT_THROW(ListLogs::decode(twice.bytes()), net::ProtocolError);

    Chunk too_long{0, kMaxChunkSize + 1, true, {std::byte{0}}};
    EXPECT_THROW(Chunk::decode(too_long.encode()), net::ProtocolError);
    Chunk short_data{0, 10, false, {std::byte{0}}};
    EXPECT_THROW(Chunk::decode(short_data.encode()), net::ProtocolError);
    EXPECT_THROW(SyncRequest::decode(SyncRequest{"r0", 10, 5, false}.encode()), net::ProtocolError);
    EXPECT_THROW(ReadLog::decode(ReadLog{"r0", "x", kMaxOffset + 1, false}.encode()), net::ProtocolError);

    const auto junk = test::random_bytes(1000, 7);
    for (std::size_t cut = 0; cut < junk.size(); cut += 37) {
        // Anything may happen except a crash or an exception of another kind.
        try {
            Chunk::decode(std::span(junk.data(), cut));
        } catch (const net::ProtocolError&) {
        }
    }
}

TEST(ChunkCodec, CompressesOnlyWhenItSaves)
{
    ChunkEncoder on(true);
    ChunkDecoder decoder;
    const auto text = test::compressible_bytes(kMaxChunkSize);
    Chunk c = on.encode(4096, text);
    EXPECT_TRUE(c.compressed);
    EXPECT_LT(c.data.size(), text.size() / 10);
    EXPECT_EQ(decoder.decode(c), text);

    const auto noise = test::random_bytes(65536, 1);
    c = on.encode(0, noise);
    EXPECT_FALSE(c.compressed);
    EXPECT_EQ(decoder.decode(c), noise);

    ChunkEncoder off(false);
    EXPECT_FALSE(off.encode(0, text).compressed);
}

TEST(ChunkCodec, RefusesBadFrames)
{
    ChunkDecoder decoder;
    ChunkEncoder encoder(true);
    const auto text = test::compressible_bytes(10000);
    Chunk c = encoder.encode(0, text);
    ASSERT_TRUE(c.compressed);
    Chunk lying = c;
    lying.length = 9999; // the frame says 10000
    EXPECT_THROW(decoder.decode(lying), net::ProtocolError);
    Chunk garbage{0, 100, true, test::random_bytes(50, 3)};
    EXPECT_THROW(decoder.decode(garbage), net::ProtocolError);
    Chunk cut = c;
    cut.data.resize(c.data.size() / 2);
    EXPECT_THROW(decoder.decode(cut), net::ProtocolError);
}

TEST(ChunkSize, FollowsTheClientsWishAndTheServersLimit)
{
    const TokenBucket unlimited(0);
    EXPECT_EQ(chunk_size_for(unlimited, 0), kMaxChunkSize);
    EXPECT_EQ(chunk_size_for(unlimited, 65536), 65536u);
    EXPECT_EQ(chunk_size_for(unlimited, 1), kMinChunkSize);
    EXPECT_EQ(chunk_size_for(unlimited, 1u << 30), kMaxChunkSize);
    const TokenBucket slow(100000); // about a second's worth per chunk
    EXPECT_EQ(chunk_size_for(slow, 0), 100000u);
    EXPECT_EQ(chunk_size_for(slow, 8192), 8192u);
    EXPECT_EQ(chunk_size_for(TokenBucket(10), 0), kMinChunkSize);
}

} // namespace
} // namespace mars::transfer
