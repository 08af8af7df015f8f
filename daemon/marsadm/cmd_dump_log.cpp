// marsadm dump-log FILE [--from OFFSET] [--json]: offline inspection of a
// logfile, one line per record, then the reader's diagnosis of its end.
#include <ctime>
#include <iostream>
#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "log/log_reader.hpp"

namespace mars::marsadm {
namespace {

std::string flag_names(std::uint16_t flags)
{
    static const std::pair<std::uint16_t, const char*> kNames[] = {
        {MARS_LOG_F_ZSTD, "zstd"}, {MARS_LOG_F_LZ4, "lz4"},         {MARS_LOG_F_FUA, "fua"},
        {MARS_LOG_F_PREFLUSH, "preflush"}, {MARS_LOG_F_ZEROES, "zeroes"},
    };
    std::string out;
    for (auto [bit, name] : kNames)
        if (flags & bit)
            out += (out.empty() ? "" : ",") + std::string(name);
    return out.empty() ? "-" : out;
}

// Lamport stamps are nanoseconds since the epoch; show them as UTC.
std::string stamp_text(std::uint64_t ns)
{
    std::time_t secs = static_cast<std::time_t>(ns / 1000000000ull);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buf + n, sizeof buf - n, ".%09lluZ", static_cast<unsigned long long>(ns % 1000000000ull));
    return buf;
}

void print_text(const log::Record& r)
{
    const auto& h = r.header;
    std::cout << "offset=" << r.file_offset << " seq=" << h.seq << " type=" << format::record_type_name(h.type);
    if (h.type == format::RecordType::marker)
        std::cout << " marker=" << format::marker_name(h.marker);
    if (h.type == format::RecordType::write)
        std::cout << " dev_offset=" << h.offset;
    std::cout << " len=" << h.payload_len << " stored=" << h.stored_len << " flags=" << flag_names(h.flags)
              << " stamp=" << stamp_text(h.stamp_ns) << " durable=" << h.durable << "\n";
}

nlohmann::json record_json(const log::Record& r)
{
    const auto& h = r.header;
    nlohmann::json j = {
        {"offset", r.file_offset},
        {"seq", h.seq},
        {"type", format::record_type_name(h.type)},
        {"len", h.payload_len},
        {"stored", h.stored_len},
        {"flags", flag_names(h.flags)},
        {"stamp_ns", h.stamp_ns},
        {"durable", h.durable},
    };
    if (h.type == format::RecordType::marker)
        j["marker"] = format::marker_name(h.marker);
    if (h.type == format::RecordType::write)
        j["dev_offset"] = h.offset;
    return j;
}

int dump_log(const CommandLine& cl)
{
    if (cl.positional().size() != 1)
        throw UsageError(cl.positional().empty() ? "missing logfile argument" : "expects exactly one logfile");
    const std::string file = cl.positional()[0];
    const bool json = cl.flag("json");
    log::ReaderOptions options;
    options.start_offset = cl.number("from").value_or(0);
    if (options.start_offset % format::kRecordAlign != 0)
        throw UsageError("--from " + std::to_string(options.start_offset) +
                         " is not a record boundary (records start at multiples of 8)");

    std::optional<log::LogReader> reader;
    try {
        reader.emplace(file, options);
    } catch (const std::system_error& e) {
        std::cerr << "marsadm dump-log: " << e.what() << "\n";
        return kExitFailed;
    }
    log::Record rec;
    std::uint64_t count = 0;
    while (reader->next(rec)) {
        ++count;
        if (json)
            std::cout << record_json(rec).dump() << "\n";
        else
            print_text(rec);
    }
    const log::Diagnosis& d = reader->diagnosis();
    if (json) {
        std::cout << nlohmann::json{{"end",
                                     {{"kind", log::log_end_name(d.kind)},
                                      {"offset", d.offset},
                                      {"reason", d.reason},
                                      {"records", count},
                                      {"defect", d.is_defect()}}}}
                         .dump()
                  << "\n";
    } else {
        std::cout << "end: " << log::log_end_name(d.kind) << " at offset " << d.offset << " after " << count
                  << " records: " << d.reason << "\n";
    }
    if (d.is_defect()) {
        std::cerr << "marsadm dump-log: " << d.message() << "\n";
        return kExitFailed;
    }
    return kExitOk;
}

} // namespace

Command dump_log_command()
{
    Command c;
    c.name = "dump-log";
    c.synopsis = "<logfile> [--from OFFSET] [--json]";
    c.summary = "Show the records of a logfile and how it ends (offline)";
    c.details = "Reads a transaction logfile (e.g. /mars/resource-r0/log-000000001-alpha) without marsd.\n"
                "One line per record: file offset, record sequence number, type, device offset,\n"
                "payload and stored length, flags, Lamport stamp and durable mark.\n"
                "The last line is the reader's diagnosis: 'clean end', 'torn tail' (an append a\n"
                "crash cut short; normal), 'corruption', 'sequence gap' or 'I/O error'.\n\n"
                "  --from OFFSET  start at this byte offset (a record boundary)\n"
                "  --json         one JSON object per line; the last one is {\"end\": {...}}\n\n"
                "Exit code 0 for a clean end or a torn tail, 1 for a defect or an unreadable file.\n";
    c.options.flags = {"json"};
    c.options.with_value = {"from"};
    c.run = dump_log;
    return c;
}

} // namespace mars::marsadm
