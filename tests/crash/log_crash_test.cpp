// Crash test of the transaction log: a child process writes with many
// concurrent writers and reports every acknowledged request to the parent
// over a pipe; the parent kill -9s it at a random point. Afterwards the
// reader must find every acknowledged record intact (same device offset,
// length, flags and payload), and nothing beyond the torn tail: the last
// logfile ends clean or with a torn tail, every earlier one ends clean right
// after its rotate marker.
//
// The kill timing is random; the verdict never depends on it. Environment:
//   MARS_CRASH_ROUNDS   rounds to run (default 100, about 25 s on 2 cores)
//   MARS_CRASH_SEED     seed of the run (default: random, printed); repeats
//                       configurations and payloads, not the kill timing
//   MARS_CRASH_VERBOSE  print one line per round
#include <gtest/gtest.h>

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstring>
#include <exception>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <semaphore>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log/log_reader.hpp"
#include "log/log_writer.hpp"
#include "log/logfile_name.hpp"
#include "support/crash_rounds.hpp"
#include "support/killed_child.hpp"
#include "support/log_fixture.hpp"
#include "support/temp_dir.hpp"

using namespace mars;

namespace {

constexpr const char* kHost = "crashhost";
constexpr std::uint32_t kReportMagic = 0x4d435254; // "TRCM"

// ---- what the child tells the parent ----------------------------------------

enum ReportKind : std::uint16_t { kWrite = 1, kRotate = 2 }; // or test::kLastWords

enum ReportFlags : std::uint16_t {
    kZero = 1 << 0,
    kFua = 1 << 1,
    kPreflush = 1 << 2,
    kCompressible = 1 << 3,
};

// One acknowledged request (or the child's last words, from
// test::child_die()). Written with one write(2) of at most PIPE_BUF bytes,
// hence atomically.
struct Report {
    std::uint32_t magic = kReportMagic;
    std::uint16_t kind = 0;
    std::uint16_t flags = 0;
    std::uint32_t logfile_number = 0; // kRotate: the new logfile
    std::uint32_t thread = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::uint64_t offset = 0;     // device offset
    std::uint64_t length = 0;     // data bytes or zero_length
    std::uint64_t seed = 0;       // of test::pattern()
    std::uint64_t end_offset = 0; // logfile offset after the last record
    std::int32_t error = 0; // last words: the error code and message
    char text[188] = {};
};
static_assert(sizeof(Report) <= PIPE_BUF, "reports must be written atomically");
static_assert(sizeof(Report) == 256);

// ---- per-round configuration, chosen by the parent before fork ---------------

struct RoundConfig {
    unsigned round = 0;
    std::uint64_t seed = 0;
    format::Compression compression = format::Compression::none;
    log::CompletionMode completion = log::CompletionMode::durable;
    bool direct_io = true; // off in some rounds: only buffered appends can be torn by kill -9
    unsigned threads = 16;
    unsigned outstanding = 2; // requests in flight per writer thread
    unsigned max_inflight_batches = 2;
    std::size_t max_batch_bytes = 8u << 20;
    std::uint32_t max_record_payload = format::kMaxPayload;
    unsigned rotate_every = 200; // writes between rotations
    unsigned kill_delay_ms = 100;
    std::uint64_t kill_after_reports = 0; // 0: only the delay
    // After the delay, wait (at most 300 ms) until the current logfile is
    // seen growing and kill then: the best chance to cut an append in the
    // middle (only buffered appends grow visibly while being written).
    bool kill_while_growing = false;
};

std::string describe(const RoundConfig& c)
{
    std::ostringstream s;
    s << "round " << c.round << " (seed 0x" << std::hex << c.seed << std::dec
      << ", compression=" << format::compression_name(c.compression)
      << ", completion=" << (c.completion == log::CompletionMode::durable ? "durable" : "early")
      << ", direct_io=" << (c.direct_io ? "yes" : "no")
      << ", threads=" << c.threads << "x" << c.outstanding << ", inflight=" << c.max_inflight_batches
      << ", max_batch=" << c.max_batch_bytes << ", max_record=" << c.max_record_payload
      << ", rotate_every=" << c.rotate_every << ", kill after " << c.kill_delay_ms << " ms";
    if (c.kill_after_reports)
        s << " or " << c.kill_after_reports << " reports";
    if (c.kill_while_growing)
        s << ", then while the logfile grows";
    s << ")";
    return s.str();
}

// ---- the child -------------------------------------------------------------
//
// Runs in the forked process only: no gtest assertions, never returns.

void child_writer_thread(log::LogWriter& writer, const RoundConfig& cfg, unsigned t,
                         std::atomic<std::uint64_t>& submitted)
{
    std::mt19937_64 rng(test::splitmix64(cfg.seed ^ (std::uint64_t(t) << 48)));
    auto uniform = [&](std::uint64_t lo, std::uint64_t hi) { // inclusive
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    auto slots = std::make_shared<std::counting_semaphore<64>>(static_cast<std::ptrdiff_t>(cfg.outstanding));
    for (std::uint32_t counter = 0;; ++counter) {
        slots->acquire();
        Report rep;
        rep.kind = kWrite;
        rep.thread = t;
        rep.seed = test::splitmix64(cfg.seed + (std::uint64_t(t) << 32) + counter);
        rep.offset = uniform(0, (std::uint64_t(64) << 30) / 512 - 1) * 512; // anywhere in 64 GiB

        const std::uint64_t kind = uniform(0, 99);
        if (kind < 5) { // write zeroes / discard
            rep.flags |= kZero;
            rep.length = uniform(1, 8192) * 512; // up to 4 MiB
        } else if (kind < 12) {
            rep.length = 1u << 20;
        } else if (kind < 17) {
            rep.length = uniform(1, 5000); // odd sizes
        } else {
            // 512 B .. 256 KiB, smaller sizes more often
            const std::uint64_t shift = uniform(0, 9);
            rep.length = uniform(1, std::uint64_t(1) << shift) * 512;
        }
        const std::uint64_t f = uniform(0, 99);
        if (f < 10)
            rep.flags |= kFua;
        else if (f < 14)
            rep.flags |= kPreflush;
        if (uniform(0, 1) == 1)
            rep.flags |= kCompressible;

        std::shared_ptr<std::vector<std::byte>> data;
        log::WriteRequest req;
        req.offset = rep.offset;
        req.fua = rep.flags & kFua;
        req.preflush = rep.flags & kPreflush;
        if (rep.flags & kZero) {
            req.zero_length = rep.length;
        } else {
            data = std::make_shared<std::vector<std::byte>>(
                test::pattern(rep.seed, rep.length, rep.flags & kCompressible));
            req.data = *data;
        }
        writer.submit(req, [rep, data, slots](const log::WriteResult& r) mutable {
            if (!r.ok())
                test::child_die<Report>(r.error, "write failed: " + r.message);
            rep.first_seq = r.first_seq;
            rep.last_seq = r.last_seq;
            rep.logfile_number = r.logfile_number;
            rep.end_offset = r.end_offset;
            test::send_report(rep); // strictly after the acknowledgement
            slots->release();
        });

        if (submitted.fetch_add(1) % cfg.rotate_every == cfg.rotate_every - 1) {
            std::promise<void> rotated;
            writer.submit_rotate(0, [&rotated, t](const log::WriteResult& r) {
                if (!r.ok())
                    test::child_die<Report>(r.error, "rotate failed: " + r.message);
                Report rr;
                rr.kind = kRotate;
                rr.thread = t;
                rr.first_seq = r.first_seq;
                rr.last_seq = r.last_seq;
                rr.logfile_number = r.logfile_number;
                rr.end_offset = r.end_offset;
                test::send_report(rr);
                rotated.set_value();
            });
            rotated.get_future().wait();
        }
    }
}

// An exception escaping it becomes the last words "child: <what>".
[[noreturn]] void child_main(const RoundConfig& cfg, const std::filesystem::path& dir)
{
    log::WriterOptions opt = test::writer_options(dir, kHost);
    opt.direct_io = cfg.direct_io;
    opt.compression = cfg.compression;
    opt.completion = cfg.completion;
    opt.max_batch_bytes = cfg.max_batch_bytes;
    opt.max_inflight_batches = cfg.max_inflight_batches;
    opt.max_record_payload = cfg.max_record_payload;
    // Never destroyed: the process ends by SIGKILL.
    auto* writer = new log::LogWriter(opt);
    auto* submitted = new std::atomic<std::uint64_t>(0);
    for (unsigned t = 0; t < cfg.threads; ++t) {
        std::thread([writer, &cfg, t, submitted] {
            try {
                child_writer_thread(*writer, cfg, t, *submitted);
            } catch (const std::exception& e) {
                test::child_die<Report>(-1, std::string("writer thread: ") + e.what());
            }
        }).detach();
    }
    // The parent kills us within a second; this is only a safety net.
    ::sleep(120);
    test::child_die<Report>(-ETIMEDOUT, "child was not killed within 120 s");
}

// ---- the parent: running a round -----------------------------------------------

// Whether the current logfile grew since the last look. Only buffered
// appends grow visibly while being written, so a kill now may cut one short.
class LogfileGrowth {
public:
    explicit LogfileGrowth(const std::filesystem::path& dir) : dir_(dir), last_(size_of(current_)) {}

    bool growing()
    {
        while (size_of(current_ + 1)) { // rotated: watch the new logfile
            ++current_;
            last_ = size_of(current_);
        }
        const std::optional<std::uint64_t> size = size_of(current_);
        const bool grew = size && last_ && *size > *last_;
        last_ = size;
        return grew;
    }

private:
    std::optional<std::uint64_t> size_of(std::uint32_t number) const
    {
        struct stat st{};
        auto path = dir_ / log::LogfileName{number, kHost}.str();
        if (::stat(path.c_str(), &st) != 0)
            return std::nullopt;
        return static_cast<std::uint64_t>(st.st_size);
    }

    std::filesystem::path dir_;
    std::uint32_t current_ = 1;
    std::optional<std::uint64_t> last_;
};

// Its reports are the kWrite and kRotate ones: the acknowledged requests.
test::KilledChild<Report> run_round(const RoundConfig& cfg, const std::filesystem::path& dir)
{
    using std::chrono::milliseconds;
    const milliseconds delay(cfg.kill_delay_ms);
    std::uint64_t acknowledged = 0;
    std::optional<LogfileGrowth> growth; // kill_while_growing: watched after the delay,
    milliseconds give_up{0};             // for at most 300 ms
    return test::run_killed_child<Report>({
        .child = [&] { child_main(cfg, dir); },
        .on_report = [&](const Report&) { ++acknowledged; },
        .when = [&](milliseconds since_fork) {
            if (!growth) {
                const bool due =
                    since_fork >= delay || (cfg.kill_after_reports && acknowledged >= cfg.kill_after_reports);
                if (!due)
                    return test::KillOrWait::wait_for(delay - since_fork);
                if (!cfg.kill_while_growing)
                    return test::KillOrWait::kill_now();
                growth.emplace(dir);
                give_up = since_fork + milliseconds(300);
            }
            if (since_fork >= give_up || growth->growing())
                return test::KillOrWait::kill_now();
            return test::KillOrWait::wait_for(milliseconds(0)); // take the reports, look again
        },
    });
}

// ---- the parent: verification ---------------------------------------------------

struct Totals {
    unsigned rounds = 0;
    std::uint64_t acked_writes = 0;
    std::uint64_t acked_records = 0;   // records of acknowledged writes, verified
    std::uint64_t acked_bytes = 0;     // data and zero-write bytes of them
    std::uint64_t acked_rotates = 0;
    std::uint64_t split_writes = 0;    // acknowledged writes of several records
    std::uint64_t compressed_records = 0;
    std::uint64_t zero_records = 0;
    std::uint64_t fua_records = 0;
    std::uint64_t unacked_records = 0; // present and valid, not acknowledged
    std::uint64_t unacked_markers = 0;
    std::uint64_t padding_records = 0;
    std::uint64_t logfiles = 0;
    std::uint64_t empty_logfiles = 0;
    std::uint64_t torn_tails = 0;
    std::uint64_t clean_ends = 0;
    std::uint64_t buffered_rounds = 0;     // direct_io off
    std::uint64_t buffered_torn_tails = 0; // of them
    std::uint64_t rounds_without_ack = 0;
    std::uint64_t rounds_without_logfile = 0; // killed before the writer created one
    std::uint64_t logfile_bytes = 0;
};

struct Acked {
    Report rep;
    std::uint64_t consumed = 0; // bytes of the request found so far
    std::uint64_t records = 0;
    bool complete = false;
};

class Verifier {
public:
    Verifier(const std::filesystem::path& dir, std::vector<Report> reports, Totals& totals)
        : dir_(dir), totals_(totals)
    {
        std::sort(reports.begin(), reports.end(),
                  [](const Report& a, const Report& b) { return a.first_seq < b.first_seq; });
        for (const Report& r : reports) {
            if (r.first_seq == 0 || r.last_seq < r.first_seq) {
                problem("report with bad sequence numbers " + std::to_string(r.first_seq) + ".." +
                        std::to_string(r.last_seq));
                continue;
            }
            if (!acked_.empty() && acked_.back().rep.last_seq >= r.first_seq)
                problem("acknowledged requests share sequence numbers: " +
                        std::to_string(acked_.back().rep.first_seq) + ".." +
                        std::to_string(acked_.back().rep.last_seq) + " and " + std::to_string(r.first_seq) + ".." +
                        std::to_string(r.last_seq));
            acked_.push_back({r});
            by_first_[r.first_seq] = acked_.size() - 1;
            max_acked_seq_ = std::max(max_acked_seq_, r.last_seq);
        }
    }

    std::vector<std::string> verify()
    {
        auto files = list_logfiles();
        if (files.empty()) {
            ++totals_.rounds_without_logfile;
            if (!acked_.empty())
                problem("no logfile, but " + std::to_string(acked_.size()) + " acknowledged requests");
        }
        std::optional<std::uint64_t> expected_seq = 1;
        for (std::size_t i = 0; i < files.size(); ++i) {
            if (files[i].first != i + 1) {
                problem("logfile numbers are not 1, 2, 3, ...: found number " + std::to_string(files[i].first) +
                        " at position " + std::to_string(i + 1));
                break;
            }
            expected_seq = read_logfile(files[i].second, files[i].first, i + 1 == files.size(), expected_seq);
        }
        for (const Acked& a : acked_) {
            auto is_target = [&](const auto& f) { return f.first == a.rep.logfile_number; };
            if (a.rep.kind == kRotate && std::none_of(files.begin(), files.end(), is_target))
                problem("acknowledged rotation to logfile " + std::to_string(a.rep.logfile_number) +
                        ", which does not exist");
            if (a.complete)
                continue;
            std::ostringstream s;
            s << "acknowledged " << (a.rep.kind == kRotate ? "rotation" : "write") << " seq " << a.rep.first_seq
              << ".." << a.rep.last_seq << " (logfile " << a.rep.logfile_number << ", device offset "
              << a.rep.offset << ", " << a.rep.length << " bytes, thread " << a.rep.thread << ") was not found"
              << (a.records ? " completely" : "") << "; reading stopped at: " << last_diagnosis_;
            problem(s.str());
        }
        if (acked_.empty())
            ++totals_.rounds_without_ack;
        return problems_.take();
    }

private:
    static constexpr std::size_t npos = ~std::size_t{0};

    void problem(std::string what) { problems_.add(std::move(what)); }

    std::vector<std::pair<std::uint32_t, std::filesystem::path>> list_logfiles()
    {
        std::vector<std::pair<std::uint32_t, std::filesystem::path>> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
            auto name = log::LogfileName::parse(entry.path().filename().string());
            if (!name) {
                problem("unexpected file " + entry.path().string());
                continue;
            }
            if (name->host != kHost)
                problem("logfile of unexpected host: " + entry.path().string());
            files.emplace_back(name->number, entry.path());
        }
        std::sort(files.begin(), files.end());
        return files;
    }

    std::size_t find_acked(std::uint64_t seq) const
    {
        auto it = by_first_.upper_bound(seq);
        if (it == by_first_.begin())
            return npos;
        --it;
        const Acked& a = acked_[it->second];
        return seq <= a.rep.last_seq ? it->second : npos;
    }

    // Reads one logfile from `expected_seq` on; returns the sequence number
    // the next logfile must start with.
    std::optional<std::uint64_t> read_logfile(const std::filesystem::path& path, std::uint32_t number, bool last,
                                              std::optional<std::uint64_t> expected_seq)
    {
        ++totals_.logfiles;
        const auto size = std::filesystem::file_size(path);
        totals_.logfile_bytes += size;
        if (size == 0)
            ++totals_.empty_logfiles;

        log::LogReader reader(path, {0, expected_seq});
        log::Record rec;
        std::optional<format::RecordHeader> last_nonpadding;
        bool after_rotate_marker = false;
        std::size_t cached = npos;
        std::vector<std::byte> expected; // payload of acked_[cached]
        const std::string where = path.filename().string();

        while (reader.next(rec)) {
            const format::RecordHeader& h = rec.header;
            if (h.type == format::RecordType::padding) {
                ++totals_.padding_records;
                continue;
            }
            if (after_rotate_marker)
                problem(where + ": record seq " + std::to_string(h.seq) + " follows the rotate marker");
            last_nonpadding = h;
            if (h.type == format::RecordType::marker && h.marker == format::Marker::rotate)
                after_rotate_marker = true;
            else if (h.type != format::RecordType::write)
                problem(where + ": unexpected record type/marker at seq " + std::to_string(h.seq));

            const std::size_t idx = find_acked(h.seq);
            if (idx == npos) {
                // Written, not (yet) acknowledged. Requests complete in
                // submission order, so this must lie past every acked one.
                if (h.type == format::RecordType::marker)
                    ++totals_.unacked_markers;
                else
                    ++totals_.unacked_records;
                if (h.seq < max_acked_seq_ && !reported_out_of_order_++)
                    problem(where + ": record seq " + std::to_string(h.seq) +
                            " was never acknowledged although the later seq " + std::to_string(max_acked_seq_) +
                            " was (completions out of order)");
                continue;
            }
            Acked& a = acked_[idx];
            const std::string what = where + " seq " + std::to_string(h.seq) + " (thread " +
                                     std::to_string(a.rep.thread) + ", device offset " +
                                     std::to_string(a.rep.offset) + "): ";
            const std::uint64_t end = rec.file_offset + format::record_size(h.stored_len);

            if (a.rep.kind == kRotate) {
                if (h.type != format::RecordType::marker || h.marker != format::Marker::rotate)
                    problem(what + "acknowledged rotation, but this is not a rotate marker");
                if (number + 1 != a.rep.logfile_number)
                    problem(what + "rotate marker in logfile " + std::to_string(number) +
                            ", but the rotation went to logfile " + std::to_string(a.rep.logfile_number));
                a.complete = true;
                ++totals_.acked_rotates;
                continue;
            }
            if (h.type != format::RecordType::write) {
                problem(what + "acknowledged write, but the record is not a write");
                continue;
            }
            if (number != a.rep.logfile_number)
                problem(what + "acknowledged in logfile " + std::to_string(a.rep.logfile_number) +
                        ", found in logfile " + std::to_string(number));
            if (h.seq != a.rep.first_seq + a.records)
                problem(what + "records of one request are not consecutive");
            if (h.offset != a.rep.offset + a.consumed)
                problem(what + "device offset " + std::to_string(h.offset) + ", expected " +
                        std::to_string(a.rep.offset + a.consumed));
            const bool zero = a.rep.flags & kZero;
            if (bool(h.flags & MARS_LOG_F_ZEROES) != zero)
                problem(what + "zero-write flag differs");
            if (bool(h.flags & MARS_LOG_F_FUA) != bool(a.rep.flags & kFua))
                problem(what + "FUA flag differs");
            if (bool(h.flags & MARS_LOG_F_PREFLUSH) != bool(a.rep.flags & kPreflush))
                problem(what + "preflush flag differs");
            if (h.payload_len == 0 || a.consumed + h.payload_len > a.rep.length) {
                problem(what + "record of " + std::to_string(h.payload_len) + " bytes does not fit a request of " +
                        std::to_string(a.rep.length) + " bytes at " + std::to_string(a.consumed));
                continue;
            }
            if (zero) {
                if (!rec.payload.empty())
                    problem(what + "zero write carries a payload");
                ++totals_.zero_records;
            } else {
                if (cached != idx) {
                    expected = test::pattern(a.rep.seed, a.rep.length, a.rep.flags & kCompressible);
                    cached = idx;
                }
                if (rec.payload.size() != h.payload_len ||
                    std::memcmp(rec.payload.data(), expected.data() + a.consumed, h.payload_len) != 0)
                    problem(what + "payload differs from what was written (" + std::to_string(h.payload_len) +
                            " bytes at request offset " + std::to_string(a.consumed) + ")");
                if (h.flags & (MARS_LOG_F_ZSTD | MARS_LOG_F_LZ4))
                    ++totals_.compressed_records;
            }
            if (h.flags & MARS_LOG_F_FUA)
                ++totals_.fua_records;
            a.consumed += h.payload_len;
            ++a.records;
            ++totals_.acked_records;
            if (h.seq == a.rep.last_seq) {
                if (a.consumed != a.rep.length)
                    problem(what + "request ends after " + std::to_string(a.consumed) + " of " +
                            std::to_string(a.rep.length) + " bytes");
                if (end != a.rep.end_offset)
                    problem(what + "last record ends at logfile offset " + std::to_string(end) +
                            ", acknowledged end_offset " + std::to_string(a.rep.end_offset));
                a.complete = a.consumed == a.rep.length;
                ++totals_.acked_writes;
                totals_.acked_bytes += a.rep.length;
                if (a.records > 1)
                    ++totals_.split_writes;
            }
        }

        const log::Diagnosis& d = reader.diagnosis();
        last_diagnosis_ = d.message();
        if (last) {
            if (d.is_defect()) {
                problem("last logfile: " + d.message());
            } else if (d.kind == log::LogEnd::torn_tail) {
                ++totals_.torn_tails;
                if (buffered_)
                    ++totals_.buffered_torn_tails;
            } else {
                ++totals_.clean_ends;
            }
            if (verbose_end_)
                std::cout << "    end: " << d.message() << "\n";
        } else {
            if (d.kind != log::LogEnd::clean)
                problem("logfile " + std::to_string(number) + " is followed by another but does not end clean: " +
                        d.message());
            if (!last_nonpadding || last_nonpadding->type != format::RecordType::marker ||
                last_nonpadding->marker != format::Marker::rotate)
                problem("logfile " + std::to_string(number) +
                        " is followed by another but its last record is not a rotate marker");
        }
        return reader.expected_seq() ? reader.expected_seq() : expected_seq;
    }

public:
    bool verbose_end_ = false;
    bool buffered_ = false;

private:
    std::filesystem::path dir_;
    Totals& totals_;
    std::vector<Acked> acked_;
    std::map<std::uint64_t, std::size_t> by_first_;
    std::uint64_t max_acked_seq_ = 0;
    unsigned reported_out_of_order_ = 0;
    test::ProblemList problems_;
    std::string last_diagnosis_ = "(no logfile)";
};

RoundConfig choose_config(unsigned round, std::mt19937_64& rng)
{
    auto uniform = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    RoundConfig c{.round = round, .seed = rng()};
    c.compression = std::array{format::Compression::none, format::Compression::zstd,
                               format::Compression::lz4}[uniform(0, 2)];
    c.completion = uniform(0, 1) ? log::CompletionMode::durable : log::CompletionMode::early;
    // With O_DIRECT a kill -9 cannot cut an append short (its bios complete
    // anyway), so only buffered rounds can produce torn tails.
    c.direct_io = uniform(0, 1) != 0;
    c.threads = 16;
    c.outstanding = static_cast<unsigned>(uniform(1, 4));
    c.max_inflight_batches = static_cast<unsigned>(uniform(1, 3));
    c.max_batch_bytes = std::array<std::size_t, 3>{8u << 20, 1u << 20, 256u << 10}[uniform(0, 2)];
    c.max_record_payload = std::array<std::uint32_t, 3>{format::kMaxPayload, 96u << 10, 300000}[uniform(0, 2)];
    c.rotate_every = static_cast<unsigned>(uniform(50, 250));
    c.kill_delay_ms = static_cast<unsigned>(uniform(5, 300));
    if (uniform(0, 2) == 0)
        c.kill_after_reports = uniform(1, 2000);
    c.kill_while_growing = uniform(0, 3) < (c.direct_io ? 1u : 3u);
    return c;
}

} // namespace

TEST(LogCrash, AcknowledgedRecordsSurviveKill9)
{
    Totals totals;
    std::uint64_t reports_total = 0;
    const auto one_round = [&](const test::Round& round) {
        const RoundConfig cfg = choose_config(round.number, round.config_rng);
        const std::filesystem::path& dir = round.dir;
        test::KilledChild<Report> run = run_round(cfg, dir);
        reports_total += run.reports.size();
        ++totals.rounds;

        std::vector<std::string> problems = run.problems();
        Verifier verifier(dir, run.reports, totals);
        verifier.verbose_end_ = round.verbose;
        verifier.buffered_ = !cfg.direct_io;
        totals.buffered_rounds += !cfg.direct_io;
        if (round.verbose)
            std::cout << "  " << describe(cfg) << ": " << run.reports.size() << " acknowledged\n";
        for (auto& p : verifier.verify())
            problems.push_back(std::move(p));
        return test::RoundResult{describe(cfg), std::to_string(run.reports.size()) + " acknowledged requests",
                                 std::move(problems)};
    };
    const test::CrashRun crash = test::run_crash_rounds(
        {.name = "log crash test", .env_prefix = "MARS_CRASH", .default_rounds = 100, .dir_prefix = "mars-crash",
         .files = "logfiles"},
        one_round);

    std::cout << "log crash test summary (" << crash.seed_setting << "):\n"
              << "  rounds:                               " << totals.rounds << " (" << totals.rounds_without_ack
              << " killed before any acknowledgement)\n"
              << "  acknowledged requests reported:       " << reports_total << "\n"
              << "  acknowledged writes verified:         " << totals.acked_writes << " ("
              << totals.acked_bytes / (1024 * 1024) << " MiB; " << totals.split_writes
              << " split into several records)\n"
              << "  acknowledged records verified:        " << totals.acked_records << " ("
              << totals.compressed_records << " compressed, " << totals.zero_records << " zero writes, "
              << totals.fua_records << " FUA)\n"
              << "  acknowledged rotations verified:      " << totals.acked_rotates << "\n"
              << "  unacknowledged records present:       " << totals.unacked_records << " writes, "
              << totals.unacked_markers << " rotate markers\n"
              << "  padding records:                      " << totals.padding_records << "\n"
              << "  logfiles read:                        " << totals.logfiles << " (" << totals.empty_logfiles
              << " empty, " << totals.logfile_bytes / (1024 * 1024) << " MiB)\n"
              << "  last logfile ends:                    " << totals.torn_tails << " torn tails, "
              << totals.clean_ends << " clean, " << totals.rounds_without_logfile << " without logfile ("
              << totals.buffered_torn_tails << " of the torn tails in " << totals.buffered_rounds
              << " rounds without O_DIRECT)\n"
              << "  time:                                 " << crash.seconds << " s" << std::endl;
}
