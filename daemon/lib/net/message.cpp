#include "net/message.hpp"

#include <utility>

#include "net/fields.hpp"

namespace mars::net {
namespace {

// Field tags, per message. Never reuse or renumber a tag: an older peer
// reads it with the old meaning. Add new fields with new tags; make them
// optional, since older peers do not send them.
namespace greeting_tag {
constexpr std::uint16_t cluster_uuid = 1;
constexpr std::uint16_t host = 2;
constexpr std::uint16_t protocol_version = 3;
constexpr std::uint16_t features = 4;
constexpr std::uint16_t stamp = 5;
constexpr std::uint16_t min_protocol_version = 6; // optional
} // namespace greeting_tag

namespace refuse_tag {
constexpr std::uint16_t reason = 1;
constexpr std::uint16_t host = 2; // optional
} // namespace refuse_tag

namespace get_entries_tag {
constexpr std::uint16_t since = 1;
constexpr std::uint16_t prefix = 2; // repeated
constexpr std::uint16_t epoch = 3;  // optional
} // namespace get_entries_tag

namespace entries_tag {
constexpr std::uint16_t stamp = 1;
constexpr std::uint16_t entry = 2;    // repeated, a record of entry_tag fields
constexpr std::uint16_t epoch = 3;    // optional, entries only
constexpr std::uint16_t cursor = 4;   // optional, entries only
constexpr std::uint16_t complete = 5; // optional u32 0/1, entries only
} // namespace entries_tag

namespace entry_tag {
constexpr std::uint16_t key = 1;
constexpr std::uint16_t value = 2;
constexpr std::uint16_t stamp = 3;
} // namespace entry_tag

namespace ping_tag {
constexpr std::uint16_t nonce = 1; // optional, in ping and pong
} // namespace ping_tag

namespace error_tag {
constexpr std::uint16_t text = 1;
} // namespace error_tag

// Remembers which known fields appeared: a required one missing, or a
// single-valued one repeated, makes the payload malformed. (Taking the first
// or last of two values would let two peers read one message differently.)
class Seen {
  public:
    void mark(const Field& f)
    {
        const std::uint64_t bit = std::uint64_t(1) << f.tag; // known tags are < 64
        if (tags_ & bit)
            throw ProtocolError("field " + std::to_string(f.tag) + " at offset " + std::to_string(f.offset) +
                                " appears twice");
        tags_ |= bit;
    }
    bool has(std::uint16_t tag) const { return tags_ & (std::uint64_t(1) << tag); }
    void require(std::uint16_t tag, std::string_view name) const
    {
        if (!has(tag))
            throw ProtocolError("required field " + std::to_string(tag) + " (" + std::string(name) + ") is missing");
    }

  private:
    std::uint64_t tags_ = 0;
};

// Runs `decode`, putting `what` in front of any ProtocolError it throws.
template <typename Decode> auto in_context(const std::string& what, Decode&& decode)
{
    try {
        return decode();
    } catch (const ProtocolError& e) {
        throw ProtocolError(what + ": " + e.what());
    }
}

template <typename OnField> void for_each_field(std::span<const std::byte> payload, OnField&& on_field)
{
    FieldReader reader(payload);
    while (auto f = reader.next())
        on_field(*f);
}

std::vector<std::byte> encode_greeting(const Greeting& g)
{
    FieldWriter w;
    w.add_string(greeting_tag::cluster_uuid, g.cluster_uuid);
    w.add_string(greeting_tag::host, g.host);
    w.add_u32(greeting_tag::protocol_version, g.protocol_version);
    w.add_u32(greeting_tag::min_protocol_version, g.min_protocol_version ? g.min_protocol_version : g.protocol_version);
    w.add_u64(greeting_tag::features, g.features);
    w.add_u64(greeting_tag::stamp, g.stamp);
    return w.take();
}

Greeting decode_greeting(std::span<const std::byte> payload)
{
    Greeting g;
    Seen seen;
    for_each_field(payload, [&](const Field& f) {
        switch (f.tag) {
        case greeting_tag::cluster_uuid:
            seen.mark(f);
            g.cluster_uuid = f.as_string();
            break;
        case greeting_tag::host:
            seen.mark(f);
            g.host = f.as_string();
            break;
        case greeting_tag::protocol_version:
            seen.mark(f);
            g.protocol_version = f.as_u32();
            break;
        case greeting_tag::min_protocol_version:
            seen.mark(f);
            g.min_protocol_version = f.as_u32();
            break;
        case greeting_tag::features:
            seen.mark(f);
            g.features = f.as_u64();
            break;
        case greeting_tag::stamp:
            seen.mark(f);
            g.stamp = f.as_u64();
            break;
        default: // a field of a newer peer
            break;
        }
    });
    seen.require(greeting_tag::cluster_uuid, "cluster uuid");
    seen.require(greeting_tag::host, "host");
    seen.require(greeting_tag::protocol_version, "protocol version");
    seen.require(greeting_tag::features, "features");
    seen.require(greeting_tag::stamp, "stamp");
    if (!seen.has(greeting_tag::min_protocol_version))
        g.min_protocol_version = g.protocol_version;
    if (g.min_protocol_version > g.protocol_version)
        throw ProtocolError("lowest protocol version " + std::to_string(g.min_protocol_version) +
                            " is above the highest, " + std::to_string(g.protocol_version));
    return g;
}

void add_entry(FieldWriter& w, FieldWriter& record, const tree::Entry& e)
{
    record.clear();
    record.add_string(entry_tag::key, e.key);
    record.add_string(entry_tag::value, e.value);
    record.add_u64(entry_tag::stamp, e.stamp);
    w.add_record(entries_tag::entry, record);
}

tree::Entry decode_entry(const Field& field)
{
    tree::Entry e;
    Seen seen;
    for_each_field(field.value, [&](const Field& f) {
        switch (f.tag) {
        case entry_tag::key:
            seen.mark(f);
            e.key = f.as_string();
            break;
        case entry_tag::value:
            seen.mark(f);
            e.value = f.as_string();
            break;
        case entry_tag::stamp:
            seen.mark(f);
            e.stamp = f.as_u64();
            break;
        default:
            break;
        }
    });
    seen.require(entry_tag::key, "key");
    seen.require(entry_tag::value, "value");
    seen.require(entry_tag::stamp, "stamp");
    return e;
}

FieldWriter encode_entries(std::uint64_t stamp, const std::vector<tree::Entry>& entries)
{
    if (entries.size() > kMaxEntriesPerMessage)
        throw ProtocolError(std::to_string(entries.size()) + " entries are more than the limit of " +
                            std::to_string(kMaxEntriesPerMessage) + " per message");
    FieldWriter w;
    FieldWriter record;
    w.add_u64(entries_tag::stamp, stamp);
    for (const auto& e : entries)
        add_entry(w, record, e);
    return w;
}

// Entries and PushEntries share one layout; push_entries never carries the
// cursor fields (and its reader ignores them).
Entries decode_entries(std::span<const std::byte> payload)
{
    Entries out;
    Seen seen;
    for_each_field(payload, [&](const Field& f) {
        switch (f.tag) {
        case entries_tag::stamp:
            seen.mark(f);
            out.stamp = f.as_u64();
            break;
        case entries_tag::entry:
            if (out.entries.size() == kMaxEntriesPerMessage)
                throw ProtocolError("more than " + std::to_string(kMaxEntriesPerMessage) + " entries");
            out.entries.push_back(
                in_context("entry " + std::to_string(out.entries.size()) + " at offset " + std::to_string(f.offset),
                           [&] { return decode_entry(f); }));
            break;
        case entries_tag::epoch:
            seen.mark(f);
            out.epoch = f.as_u64();
            break;
        case entries_tag::cursor:
            seen.mark(f);
            out.cursor = f.as_u64();
            break;
        case entries_tag::complete:
            seen.mark(f);
            out.complete = f.as_u32() != 0;
            break;
        default:
            break;
        }
    });
    seen.require(entries_tag::stamp, "stamp");
    return out;
}

std::vector<std::byte> encode_nonce(std::uint64_t nonce)
{
    FieldWriter w;
    w.add_u64(ping_tag::nonce, nonce);
    return w.take();
}

std::uint64_t decode_nonce(std::span<const std::byte> payload)
{
    std::uint64_t nonce = 0;
    Seen seen;
    for_each_field(payload, [&](const Field& f) {
        if (f.tag == ping_tag::nonce) {
            seen.mark(f);
            nonce = f.as_u64();
        }
    });
    return nonce;
}

} // namespace

std::string message_type_name(MessageType type)
{
    switch (type) {
    case MessageType::hello:
        return "hello";
    case MessageType::welcome:
        return "welcome";
    case MessageType::refuse:
        return "refuse";
    case MessageType::get_entries:
        return "get_entries";
    case MessageType::entries:
        return "entries";
    case MessageType::push_entries:
        return "push_entries";
    case MessageType::ack:
        return "ack";
    case MessageType::ping:
        return "ping";
    case MessageType::pong:
        return "pong";
    case MessageType::error:
        return "error";
    case MessageType::notify:
        return "notify";
    case MessageType::list_logs:
        return "list_logs";
    case MessageType::log_list:
        return "log_list";
    case MessageType::read_log:
        return "read_log";
    case MessageType::chunk:
        return "chunk";
    case MessageType::read_end:
        return "read_end";
    case MessageType::sync_request:
        return "sync_request";
    case MessageType::sync_end:
        return "sync_end";
    }
    return "unknown message type " + std::to_string(static_cast<unsigned>(type));
}

std::vector<std::byte> Hello::encode() const
{
    return encode_greeting(*this);
}

Hello Hello::decode(std::span<const std::byte> payload)
{
    return in_context("hello", [&] { return Hello{decode_greeting(payload)}; });
}

std::vector<std::byte> Welcome::encode() const
{
    return encode_greeting(*this);
}

Welcome Welcome::decode(std::span<const std::byte> payload)
{
    return in_context("welcome", [&] { return Welcome{decode_greeting(payload)}; });
}

std::vector<std::byte> Refuse::encode() const
{
    FieldWriter w;
    w.add_string(refuse_tag::reason, reason);
    if (!host.empty())
        w.add_string(refuse_tag::host, host);
    return w.take();
}

Refuse Refuse::decode(std::span<const std::byte> payload)
{
    return in_context("refuse", [&] {
        Refuse r;
        Seen seen;
        for_each_field(payload, [&](const Field& f) {
            if (f.tag == refuse_tag::reason) {
                seen.mark(f);
                r.reason = f.as_string();
            } else if (f.tag == refuse_tag::host) {
                seen.mark(f);
                r.host = f.as_string();
            }
        });
        seen.require(refuse_tag::reason, "reason");
        return r;
    });
}

std::vector<std::byte> GetEntries::encode() const
{
    if (prefixes.size() > kMaxKeyPrefixes)
        throw ProtocolError("get_entries: " + std::to_string(prefixes.size()) +
                            " key prefixes are more than the limit of " + std::to_string(kMaxKeyPrefixes));
    FieldWriter w;
    w.add_u64(get_entries_tag::since, since);
    for (const auto& p : prefixes)
        w.add_string(get_entries_tag::prefix, p);
    w.add_u64(get_entries_tag::epoch, epoch);
    return w.take();
}

GetEntries GetEntries::decode(std::span<const std::byte> payload)
{
    return in_context("get_entries", [&] {
        GetEntries g;
        Seen seen;
        for_each_field(payload, [&](const Field& f) {
            if (f.tag == get_entries_tag::since) {
                seen.mark(f);
                g.since = f.as_u64();
            } else if (f.tag == get_entries_tag::prefix) {
                if (g.prefixes.size() == kMaxKeyPrefixes)
                    throw ProtocolError("more than " + std::to_string(kMaxKeyPrefixes) + " key prefixes");
                g.prefixes.push_back(f.as_string());
            } else if (f.tag == get_entries_tag::epoch) {
                seen.mark(f);
                g.epoch = f.as_u64();
            }
        });
        seen.require(get_entries_tag::since, "since");
        return g;
    });
}

std::vector<std::byte> Entries::encode() const
{
    return in_context("entries", [&] {
        FieldWriter w = encode_entries(stamp, entries);
        w.add_u64(entries_tag::epoch, epoch);
        w.add_u64(entries_tag::cursor, cursor);
        w.add_u32(entries_tag::complete, complete ? 1 : 0);
        return w.take();
    });
}

Entries Entries::decode(std::span<const std::byte> payload)
{
    return in_context("entries", [&] { return decode_entries(payload); });
}

std::vector<std::byte> PushEntries::encode() const
{
    return in_context("push_entries", [&] { return encode_entries(stamp, entries).take(); });
}

PushEntries PushEntries::decode(std::span<const std::byte> payload)
{
    return in_context("push_entries", [&] {
        Entries e = decode_entries(payload);
        PushEntries p;
        p.stamp = e.stamp;
        p.entries = std::move(e.entries);
        return p;
    });
}

std::size_t entry_wire_size(const tree::Entry& entry)
{
    return FieldWriter::field_size(FieldWriter::field_size(entry.key.size()) +
                                   FieldWriter::field_size(entry.value.size()) + FieldWriter::field_size(8));
}

std::vector<std::byte> Notify::encode() const
{
    return {};
}

Notify Notify::decode(std::span<const std::byte> payload)
{
    return in_context("notify", [&] {
        for_each_field(payload, [](const Field&) {});
        return Notify{};
    });
}

std::vector<std::byte> Ack::encode() const
{
    return {};
}

Ack Ack::decode(std::span<const std::byte> payload)
{
    // No fields yet; still walk them so a malformed payload is noticed.
    return in_context("ack", [&] {
        for_each_field(payload, [](const Field&) {});
        return Ack{};
    });
}

std::vector<std::byte> Ping::encode() const
{
    return encode_nonce(nonce);
}

Ping Ping::decode(std::span<const std::byte> payload)
{
    return in_context("ping", [&] { return Ping{decode_nonce(payload)}; });
}

std::vector<std::byte> Pong::encode() const
{
    return encode_nonce(nonce);
}

Pong Pong::decode(std::span<const std::byte> payload)
{
    return in_context("pong", [&] { return Pong{decode_nonce(payload)}; });
}

std::vector<std::byte> ErrorMessage::encode() const
{
    FieldWriter w;
    w.add_string(error_tag::text, text);
    return w.take();
}

ErrorMessage ErrorMessage::decode(std::span<const std::byte> payload)
{
    return in_context("error", [&] {
        ErrorMessage m;
        Seen seen;
        for_each_field(payload, [&](const Field& f) {
            if (f.tag == error_tag::text) {
                seen.mark(f);
                m.text = f.as_string();
            }
        });
        seen.require(error_tag::text, "text");
        return m;
    });
}

} // namespace mars::net
