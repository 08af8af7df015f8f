// The messages peers exchange on the meta port, and their payload
// encoding (fields.hpp: tagged fields, unknown tags ignored, so a newer peer
// may add fields without breaking an older one).
//
//   client                         server
//   hello  ─────────────────────►             cluster uuid, host, versions,
//          ◄───────────────────── welcome     features, Lamport stamp
//                               or refuse     (reason; then the server closes)
//   get_entries ────────────────►             since-stamp, key prefixes
//          ◄───────────────────── entries     stamp, [{key, value, stamp}]
//   push_entries ───────────────►             join bootstrap only
//          ◄───────────────────── ack
//   ping   ─────────────────────► pong        keepalive
//          ◄───────────────────── error       the request could not be served
//
// Every decode() accepts any bytes: a malformed payload throws
// ProtocolError saying which message and field is wrong, nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "net/error.hpp"
#include "tree/state_tree.hpp"

namespace mars::net {

enum class MessageType : std::uint16_t {
    hello = 1,
    welcome = 2,
    refuse = 3,
    get_entries = 4,
    entries = 5,
    push_entries = 6,
    ack = 7,
    ping = 8,
    pong = 9,
    error = 10,
    notify = 11,
    // Log fetch (port 7778) and full sync (port 7779); encoded in
    // daemon/lib/transfer/transfer_messages.hpp, see docs/transfer.md.
    list_logs = 12,
    log_list = 13,
    read_log = 14,
    chunk = 15,
    read_end = 16,
    sync_request = 17,
    sync_end = 18,
};

// "hello", ..., or "unknown message type 42".
std::string message_type_name(MessageType type);

// Limits a decoder enforces beyond the frame size, so a peer cannot make us
// build absurd structures from a valid-looking payload.
inline constexpr std::size_t kMaxEntriesPerMessage = 1u << 18;
inline constexpr std::size_t kMaxKeyPrefixes = 4096;

// A received frame: what Channel::receive() returns.
struct Message {
    MessageType type{};
    std::vector<std::byte> payload;

    // Decodes the payload as M; throws ProtocolError if the type is not
    // M's or the payload is malformed.
    template <typename M> M as() const
    {
        if (type != M::kType)
            throw ProtocolError("expected " + message_type_name(M::kType) + ", got " + message_type_name(type));
        return M::decode(payload);
    }
};

// What hello and welcome carry: who the sender is and what it speaks.
struct Greeting {
    std::string cluster_uuid;               // tree key `uuid`; "(any)" while joining
    std::string host;                       // the sender's host name
    std::uint32_t protocol_version = 0;     // highest version the sender speaks (in welcome: the chosen one)
    std::uint32_t min_protocol_version = 0; // lowest; optional on the wire, defaults to protocol_version
    std::uint64_t features = 0;             // feature bits of the sender
    std::uint64_t stamp = 0;                // sender's Lamport clock

    friend bool operator==(const Greeting&, const Greeting&) = default;
};

struct Hello : Greeting {
    static constexpr MessageType kType = MessageType::hello;
    std::vector<std::byte> encode() const;
    static Hello decode(std::span<const std::byte> payload);
};

struct Welcome : Greeting {
    static constexpr MessageType kType = MessageType::welcome;
    std::vector<std::byte> encode() const;
    static Welcome decode(std::span<const std::byte> payload);
};

struct Refuse {
    static constexpr MessageType kType = MessageType::refuse;
    std::string reason;
    std::string host; // the refusing side, if it got that far; optional

    std::vector<std::byte> encode() const;
    static Refuse decode(std::span<const std::byte> payload);
    friend bool operator==(const Refuse&, const Refuse&) = default;
};

// Asks for what changed in the peer's tree since `since`, below any of
// `prefixes` (everything if there is none). The answer is `entries`.
//
// `since` is the peer's change cursor (StateTree::changed_since) from its
// last answer, valid only within `epoch`: stamps cannot serve as the cursor,
// since a merged entry keeps its old stamp. A peer that sees another epoch
// (it restarted) answers from zero. Epoch 0 means "none known yet".
struct GetEntries {
    static constexpr MessageType kType = MessageType::get_entries;
    std::uint64_t since = 0;
    std::vector<std::string> prefixes;
    std::uint64_t epoch = 0; // optional on the wire (0 if absent)

    std::vector<std::byte> encode() const;
    static GetEntries decode(std::span<const std::byte> payload);
    friend bool operator==(const GetEntries&, const GetEntries&) = default;
};

// A batch of tree entries, tombstones included, with the sender's clock.
// Keys and values are checked here only for what the wire forbids (NUL,
// size); whether they may enter the tree is StateTree::merge()'s decision.
//
// As the answer to get_entries it also says where the sender's change
// counter stands: ask again with `since = cursor` and `epoch`; `complete`
// false means the answer was cut at a size limit and more follows on the
// next ask. (An older peer sends neither: epoch and cursor 0, complete.)
struct Entries {
    static constexpr MessageType kType = MessageType::entries;
    std::uint64_t stamp = 0;
    std::vector<tree::Entry> entries;
    std::uint64_t epoch = 0;  // optional on the wire
    std::uint64_t cursor = 0; // optional on the wire
    bool complete = true;     // optional on the wire

    // Throws ProtocolError for more than kMaxEntriesPerMessage entries.
    std::vector<std::byte> encode() const;
    static Entries decode(std::span<const std::byte> payload);
    friend bool operator==(const Entries&, const Entries&) = default;
};

// Entries a joining host pushes to its first peer (mars-reference §3.4 item
// 5); answered with `ack`. Same layout as Entries without the cursor.
struct PushEntries {
    static constexpr MessageType kType = MessageType::push_entries;
    std::uint64_t stamp = 0;
    std::vector<tree::Entry> entries;

    std::vector<std::byte> encode() const;
    static PushEntries decode(std::span<const std::byte> payload);
    friend bool operator==(const PushEntries&, const PushEntries&) = default;
};

// Bytes one entry adds to an entries/push_entries payload: lets a sender
// split a large answer into frames below kMaxFrameLength.
std::size_t entry_wire_size(const tree::Entry& entry);
// Bytes of an entries/push_entries payload besides its entries, at most.
inline constexpr std::size_t kEntriesHeaderWireSize = 3 * (6 + 8) + (6 + 4);

// "My tree changed, pull from me soon" (MARS's NOTIFY): lets a change
// spread at once instead of at the next pull interval. Answered with ack.
struct Notify {
    static constexpr MessageType kType = MessageType::notify;
    std::vector<std::byte> encode() const;
    static Notify decode(std::span<const std::byte> payload);
    friend bool operator==(const Notify&, const Notify&) = default;
};

struct Ack {
    static constexpr MessageType kType = MessageType::ack;
    std::vector<std::byte> encode() const;
    static Ack decode(std::span<const std::byte> payload);
    friend bool operator==(const Ack&, const Ack&) = default;
};

// The nonce is echoed in the pong, so a late pong is not mistaken for the
// answer to a newer ping.
struct Ping {
    static constexpr MessageType kType = MessageType::ping;
    std::uint64_t nonce = 0;

    std::vector<std::byte> encode() const;
    static Ping decode(std::span<const std::byte> payload);
    friend bool operator==(const Ping&, const Ping&) = default;
};

struct Pong {
    static constexpr MessageType kType = MessageType::pong;
    std::uint64_t nonce = 0;

    std::vector<std::byte> encode() const;
    static Pong decode(std::span<const std::byte> payload);
    friend bool operator==(const Pong&, const Pong&) = default;
};

// The answer to a request that could not be served (unknown type, bad
// arguments); the connection stays usable.
struct ErrorMessage {
    static constexpr MessageType kType = MessageType::error;
    std::string text;

    std::vector<std::byte> encode() const;
    static ErrorMessage decode(std::span<const std::byte> payload);
    friend bool operator==(const ErrorMessage&, const ErrorMessage&) = default;
};

} // namespace mars::net
