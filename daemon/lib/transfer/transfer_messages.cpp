#include "transfer/transfer_messages.hpp"

#include <string_view>
#include <utility>

#include "net/fields.hpp"

namespace mars::transfer {

using net::Field;
using net::FieldReader;
using net::FieldWriter;
using net::ProtocolError;

namespace {

// Field tags per message. Never reuse or renumber one: an older peer would
// read it with the old meaning. New fields get new tags and are optional.
namespace tag {
constexpr std::uint16_t resource = 1; // list_logs, read_log, sync_request
constexpr std::uint16_t logfile = 2;  // read_log; log_list entries: name
constexpr std::uint16_t offset = 3;   // read_log, chunk
constexpr std::uint16_t compress = 4; // read_log, sync_request, chunk (u32 0/1)
constexpr std::uint16_t size = 5;     // read_end, sync_request; log_list entries
constexpr std::uint16_t entry = 6;    // log_list, repeated record
constexpr std::uint16_t length = 7;   // chunk
constexpr std::uint16_t data = 8;     // chunk
constexpr std::uint16_t from = 9;     // sync_request
constexpr std::uint16_t end = 10;     // sync_end
constexpr std::uint16_t position = 11; // sync_end
constexpr std::uint16_t chunk_size = 12; // read_log, sync_request; optional
} // namespace tag

// Which known fields appeared: a missing required one or a repeated
// single-valued one makes the payload malformed (two readers must never
// disagree on what a message said).
class Seen {
  public:
    explicit Seen(std::string_view message) : message_(message) {}
    void mark(const Field& f)
    {
        const std::uint64_t bit = std::uint64_t(1) << f.tag; // known tags are < 64
        if (tags_ & bit)
            throw ProtocolError(message_ + ": field " + std::to_string(f.tag) + " at offset " +
                                std::to_string(f.offset) + " appears twice");
        tags_ |= bit;
    }
    void require(std::uint16_t t, std::string_view name) const
    {
        if (!(tags_ & (std::uint64_t(1) << t)))
            throw ProtocolError(message_ + ": required field " + std::to_string(t) + " (" + std::string(name) +
                                ") is missing");
    }
    [[noreturn]] void fail(const std::string& why) const { throw ProtocolError(message_ + ": " + why); }

  private:
    std::string message_;
    std::uint64_t tags_ = 0;
};

bool as_flag(const Field& f, const Seen& seen)
{
    const std::uint32_t v = f.as_u32();
    if (v > 1)
        seen.fail("flag field " + std::to_string(f.tag) + " is " + std::to_string(v) + ", not 0 or 1");
    return v == 1;
}

std::uint64_t as_offset(const Field& f, const Seen& seen)
{
    const std::uint64_t v = f.as_u64();
    if (v > kMaxOffset)
        seen.fail("field " + std::to_string(f.tag) + " is beyond any disk: " + std::to_string(v));
    return v;
}

// Malformed field framing throws from FieldReader ("field 3 at offset 12
// ..."); the channel puts the peer in front.
template <typename OnField> void for_each_field(std::span<const std::byte> payload, const Seen&, OnField&& on)
{
    FieldReader reader(payload);
    while (auto f = reader.next())
        on(*f);
}

} // namespace

std::vector<std::byte> ListLogs::encode() const
{
    FieldWriter w;
    w.add_string(tag::resource, resource);
    return w.take();
}

ListLogs ListLogs::decode(std::span<const std::byte> payload)
{
    ListLogs m;
    Seen seen("list_logs");
    for_each_field(payload, seen, [&](const Field& f) {
        if (f.tag == tag::resource) {
            seen.mark(f);
            m.resource = f.as_string();
        }
    });
    seen.require(tag::resource, "resource");
    return m;
}

std::vector<std::byte> LogList::encode() const
{
    if (logfiles.size() > kMaxListedLogfiles)
        throw ProtocolError("log_list: " + std::to_string(logfiles.size()) + " logfiles, at most " +
                            std::to_string(kMaxListedLogfiles) + " fit");
    FieldWriter w;
    for (const auto& e : logfiles) {
        FieldWriter r;
        r.add_string(tag::logfile, e.name);
        r.add_u64(tag::size, e.size);
        w.add_record(tag::entry, r);
    }
    return w.take();
}

LogList LogList::decode(std::span<const std::byte> payload)
{
    LogList m;
    Seen seen("log_list");
    for_each_field(payload, seen, [&](const Field& f) {
        if (f.tag != tag::entry)
            return;
        if (m.logfiles.size() >= kMaxListedLogfiles)
            seen.fail("more than " + std::to_string(kMaxListedLogfiles) + " logfiles");
        LogListEntry e;
        Seen entry_seen("log_list entry " + std::to_string(m.logfiles.size()));
        for_each_field(f.value, entry_seen, [&](const Field& g) {
            if (g.tag == tag::logfile) {
                entry_seen.mark(g);
                e.name = g.as_string();
            } else if (g.tag == tag::size) {
                entry_seen.mark(g);
                e.size = as_offset(g, entry_seen);
            }
        });
        entry_seen.require(tag::logfile, "name");
        entry_seen.require(tag::size, "size");
        m.logfiles.push_back(std::move(e));
    });
    return m;
}

std::vector<std::byte> ReadLog::encode() const
{
    FieldWriter w;
    w.add_string(tag::resource, resource);
    w.add_string(tag::logfile, logfile);
    w.add_u64(tag::offset, offset);
    w.add_u32(tag::compress, compress ? 1 : 0);
    if (chunk_size)
        w.add_u32(tag::chunk_size, chunk_size);
    return w.take();
}

ReadLog ReadLog::decode(std::span<const std::byte> payload)
{
    ReadLog m;
    Seen seen("read_log");
    for_each_field(payload, seen, [&](const Field& f) {
        switch (f.tag) {
        case tag::resource:
            seen.mark(f);
            m.resource = f.as_string();
            break;
        case tag::logfile:
            seen.mark(f);
            m.logfile = f.as_string();
            break;
        case tag::offset:
            seen.mark(f);
            m.offset = as_offset(f, seen);
            break;
        case tag::compress:
            seen.mark(f);
            m.compress = as_flag(f, seen);
            break;
        case tag::chunk_size:
            seen.mark(f);
            m.chunk_size = f.as_u32();
            break;
        default:
            break;
        }
    });
    seen.require(tag::resource, "resource");
    seen.require(tag::logfile, "logfile");
    seen.require(tag::offset, "offset");
    return m;
}

std::vector<std::byte> Chunk::encode() const
{
    FieldWriter w;
    w.add_u64(tag::offset, offset);
    w.add_u32(tag::length, length);
    w.add_u32(tag::compress, compressed ? 1 : 0);
    w.add_bytes(tag::data, data);
    return w.take();
}

Chunk Chunk::decode(std::span<const std::byte> payload)
{
    Chunk m;
    Seen seen("chunk");
    for_each_field(payload, seen, [&](const Field& f) {
        switch (f.tag) {
        case tag::offset:
            seen.mark(f);
            m.offset = as_offset(f, seen);
            break;
        case tag::length:
            seen.mark(f);
            m.length = f.as_u32();
            break;
        case tag::compress:
            seen.mark(f);
            m.compressed = as_flag(f, seen);
            break;
        case tag::data:
            seen.mark(f);
            m.data.assign(f.value.begin(), f.value.end());
            break;
        default:
            break;
        }
    });
    seen.require(tag::offset, "offset");
    seen.require(tag::length, "length");
    seen.require(tag::data, "data");
    if (m.length > kMaxChunkSize)
        seen.fail("length " + std::to_string(m.length) + " above the limit of " + std::to_string(kMaxChunkSize));
    if (!m.compressed && m.data.size() != m.length)
        seen.fail("length " + std::to_string(m.length) + " but " + std::to_string(m.data.size()) + " data bytes");
    return m;
}

std::vector<std::byte> ReadEnd::encode() const
{
    FieldWriter w;
    w.add_u64(tag::size, size);
    return w.take();
}

ReadEnd ReadEnd::decode(std::span<const std::byte> payload)
{
    ReadEnd m;
    Seen seen("read_end");
    for_each_field(payload, seen, [&](const Field& f) {
        if (f.tag == tag::size) {
            seen.mark(f);
            m.size = as_offset(f, seen);
        }
    });
    seen.require(tag::size, "size");
    return m;
}

std::vector<std::byte> SyncRequest::encode() const
{
    FieldWriter w;
    w.add_string(tag::resource, resource);
    w.add_u64(tag::from, from);
    w.add_u64(tag::size, size);
    w.add_u32(tag::compress, compress ? 1 : 0);
    if (chunk_size)
        w.add_u32(tag::chunk_size, chunk_size);
    return w.take();
}

SyncRequest SyncRequest::decode(std::span<const std::byte> payload)
{
    SyncRequest m;
    Seen seen("sync_request");
    for_each_field(payload, seen, [&](const Field& f) {
        switch (f.tag) {
        case tag::resource:
            seen.mark(f);
            m.resource = f.as_string();
            break;
        case tag::from:
            seen.mark(f);
            m.from = as_offset(f, seen);
            break;
        case tag::size:
            seen.mark(f);
            m.size = as_offset(f, seen);
            break;
        case tag::compress:
            seen.mark(f);
            m.compress = as_flag(f, seen);
            break;
        case tag::chunk_size:
            seen.mark(f);
            m.chunk_size = f.as_u32();
            break;
        default:
            break;
        }
    });
    seen.require(tag::resource, "resource");
    seen.require(tag::from, "from");
    seen.require(tag::size, "size");
    if (m.from > m.size)
        seen.fail("from " + std::to_string(m.from) + " is beyond size " + std::to_string(m.size));
    return m;
}

std::vector<std::byte> SyncEnd::encode() const
{
    FieldWriter w;
    w.add_u64(tag::end, end);
    w.add_string(tag::position, position);
    return w.take();
}

SyncEnd SyncEnd::decode(std::span<const std::byte> payload)
{
    SyncEnd m;
    Seen seen("sync_end");
    for_each_field(payload, seen, [&](const Field& f) {
        if (f.tag == tag::end) {
            seen.mark(f);
            m.end = as_offset(f, seen);
        } else if (f.tag == tag::position) {
            seen.mark(f);
            m.position = f.as_string();
        }
    });
    seen.require(tag::end, "end");
    seen.require(tag::position, "position");
    return m;
}

} // namespace mars::transfer
