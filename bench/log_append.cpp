// bench/log-append: how close the transaction log writer comes to the raw
// write rate of the filesystem under it, and how well group commit turns
// concurrent writers into throughput.
//
// All measurements run in the same invocation and the same directory, so the
// ratios compare like with like:
//
//   raw seq 1 MiB        O_DIRECT sequential 1 MiB writes, one fdatasync at
//                        the end (included in the time): the reference rate
//   raw 4 KiB sync QD1   O_DIRECT 4 KiB appends, fdatasync after each: what
//                        one durable small write costs without any log
//   raw 1 MiB sync QD1   the same with 1 MiB: the bound for a log that must
//                        make every 1 MiB write durable before the next
//   log 4 KiB rand QD1/QD32, log 1 MiB seq QD1/QD8/QD32
//                        mars::log::LogWriter in its default durable mode,
//                        each on a fresh logfile in its own subdirectory
//
// Targets: 1 MiB log writes reach >= 0.8 of the raw sequential rate, and
// 4 KiB at QD32 is >= 8x the QD1 rate. They are reported, never enforced:
// the exit status is 0 whenever the benchmark ran.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "bench_support.hpp"
#include "format/compression.hpp"
#include "log/log_writer.hpp"
#include "util/aligned_buffer.hpp"
#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace fs = std::filesystem;
using mars::bench::Args;
using mars::bench::Clock;
using mars::bench::deadline_after;
using mars::bench::json_string;
using mars::bench::seconds_since;
using mars::bench::UsageError;
using mars::format::Compression;
using mars::log::LogWriter;
using mars::log::WriteRequest;
using mars::log::WriteResult;
using mars::log::WriterStats;
using mars::util::AlignedBuffer;
using mars::util::UniqueFd;

namespace {

constexpr std::size_t k4KiB = 4096;
constexpr std::size_t k1MiB = 1u << 20;
// Size of the imaginary device the log records writes for; random offsets
// spread over it. The writer does not care, but the records look realistic.
constexpr std::uint64_t kDeviceBytes = 64ull << 30;

constexpr double kTargetMiBRatio = 0.8;
constexpr double kTargetQdSpeedup = 8.0;

// ---- command line ----------------------------------------------------------

struct Options {
    fs::path dir = "/var/tmp";
    double seconds = 3;
    Compression compression = Compression::none;
    bool json = false;
};

constexpr const char* kUsage = R"(Usage: log-append [--dir DIR] [--seconds N] [--compression none|zstd|lz4] [--json]

Measures the mars transaction log writer against the raw write rate of the
same filesystem, in the same run.

  --dir DIR          where to write (default /var/tmp); a fresh scratch
                     directory is created in it and removed at the end.
                     Must be a real filesystem, not tmpfs.
  --seconds N        duration of each measurement (default 3)
  --compression C    log record compression: none (default), zstd or lz4
  --json             print one JSON object instead of the table
  --help             show this help

Always exits 0 once the benchmark ran, whether the targets were met or not;
1 if it could not run, 2 for bad arguments.
)";

Options parse_options(int argc, char** argv)
{
    Options opt;
    Args args(argc, argv);
    while (args.next()) {
        if (args.is_flag("--help") || args.is_flag("-h")) {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (args.is("--dir")) {
            opt.dir = std::string(args.value());
            if (opt.dir.empty())
                throw UsageError("--dir needs a directory");
        } else if (args.is("--seconds")) {
            opt.seconds = mars::bench::parse_seconds(args.name(), args.value());
        } else if (args.is("--compression")) {
            std::string_view v = args.value();
            auto c = mars::format::parse_compression(v);
            if (!c)
                throw UsageError("--compression wants none, zstd or lz4, not '" + std::string(v) + "'");
            opt.compression = *c;
        } else if (args.is_flag("--json")) {
            opt.json = true;
        } else {
            args.unknown();
        }
    }
    return opt;
}

// ---- the filesystem ------------------------------------------------------

// A memory filesystem would measure RAM, not the storage under the log.
std::string check_real_filesystem(const fs::path& dir)
{
    auto kind = mars::bench::filesystem_of(dir);
    if (kind.in_memory)
        throw UsageError(dir.string() + " is on " + kind.name +
                         "; the benchmark needs a disk-backed filesystem (use --dir)");
    return kind.name;
}

// ---- payloads and offsets --------------------------------------------------

// Half of every 4 KiB is random, half zeroes: incompressible data would make
// --compression pointless, all-zero data would flatter it.
void fill_payload(std::span<std::byte> out, std::mt19937_64& rng)
{
    for (std::size_t block = 0; block < out.size(); block += k4KiB) {
        std::size_t half = std::min(k4KiB, out.size() - block) / 2;
        for (std::size_t i = 0; i < half; ++i)
            out[block + i] = static_cast<std::byte>(rng());
    }
}

// `slots` payload buffers of `size` bytes each. A slot belongs to one
// request from its submit() until its completion ran (WriteRequest::data
// must stay valid that long).
class Payloads {
public:
    Payloads(unsigned slots, std::size_t size) : size_(size), buffer_(slots * size)
    {
        std::mt19937_64 rng(42);
        fill_payload({buffer_.data(), slots * size}, rng);
    }
    std::span<const std::byte> slot(unsigned i) const { return {buffer_.data() + i * size_, size_}; }

private:
    std::size_t size_;
    AlignedBuffer buffer_;
};

// Device offsets of the writes: random size-aligned ones, or sequential.
class Offsets {
public:
    Offsets(std::size_t size, bool random) : size_(size), random_(random), pick_(0, kDeviceBytes / size - 1) {}
    std::uint64_t next()
    {
        if (random_)
            return pick_(rng_) * size_;
        std::uint64_t offset = next_;
        next_ = (next_ + size_) % kDeviceBytes;
        return offset;
    }

private:
    std::size_t size_;
    bool random_;
    std::mt19937_64 rng_{7};
    std::uniform_int_distribution<std::uint64_t> pick_;
    std::uint64_t next_ = 0;
};

// ---- results ---------------------------------------------------------------

struct Result {
    std::string id;    // stable key for --json
    std::string label; // for the table
    std::size_t size = 0;
    unsigned qd = 1;
    std::uint64_t ops = 0;
    std::uint64_t bytes = 0; // payload bytes
    double seconds = 0;
    bool is_log = false;
    bool direct_io = false;
    WriterStats stats{}; // log measurements only

    double ops_per_s() const { return ops / seconds; }
    double mb_per_s() const { return bytes / seconds / 1e6; }
    double records_per_append() const { return stats.appends ? double(stats.records) / stats.appends : 0; }
    double appends_per_sync() const { return stats.syncs ? double(stats.appends) / stats.syncs : 0; }
};

void progress(const std::string& what)
{
    std::fprintf(stderr, "log-append: measuring %s ...\n", what.c_str());
}

// ---- raw baselines ---------------------------------------------------------

// O_DIRECT where the filesystem allows it, like the log writer does.
UniqueFd open_raw(const fs::path& path, bool& direct)
{
    const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
    UniqueFd fd(::open(path.c_str(), flags | O_DIRECT, 0600));
    direct = static_cast<bool>(fd);
    if (!fd && errno == EINVAL)
        fd.reset(::open(path.c_str(), flags, 0600));
    if (!fd)
        mars::util::throw_errno("creating " + path.string());
    return fd;
}

void pwrite_all(int fd, const std::byte* data, std::size_t size, std::uint64_t offset, const fs::path& path)
{
    while (size > 0) {
        ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            mars::util::throw_errno(n < 0 ? errno : EIO, "writing " + path.string());
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

void datasync(int fd, const fs::path& path)
{
    if (::fdatasync(fd) != 0)
        mars::util::throw_errno("fdatasync of " + path.string());
}

// Appends `size`-byte blocks to a new file for `seconds`; with `sync_each`
// every block is made durable before the next, else once at the end. The
// time always includes the last fdatasync.
Result raw_append(const fs::path& path, std::size_t size, bool sync_each, double seconds)
{
    Result r;
    r.size = size;
    UniqueFd fd = open_raw(path, r.direct_io);
    Payloads payload(1, size);
    const std::byte* data = payload.slot(0).data();

    auto start = Clock::now();
    auto deadline = deadline_after(start, seconds);
    while (Clock::now() < deadline) {
        pwrite_all(fd.get(), data, size, r.bytes, path);
        if (sync_each)
            datasync(fd.get(), path);
        r.bytes += size;
        ++r.ops;
    }
    datasync(fd.get(), path);
    r.seconds = seconds_since(start);
    fd.reset();
    fs::remove(path); // keeps the disk from filling up over the run
    return r;
}

// ---- log measurements ------------------------------------------------------

struct LogCase {
    std::string id;
    std::string label;
    std::size_t size;
    unsigned qd;
    bool random;
};

// Counts what the writer's completions report; failures are kept, not
// thrown, because completions run on the writer thread.
struct Tally {
    std::uint64_t ops = 0;
    std::string error;

    void add(const WriteResult& r)
    {
        ++ops;
        if (!r.ok() && error.empty())
            error = r.message.empty() ? "write failed: " + std::string(std::strerror(-r.error)) : r.message;
    }
};

// QD1: one thread, blocking write(), the simplest possible user.
Tally run_blocking(LogWriter& writer, const LogCase& c, Clock::time_point deadline)
{
    Payloads payloads(1, c.size);
    Offsets offsets(c.size, c.random);
    Tally tally;
    while (Clock::now() < deadline && tally.error.empty())
        tally.add(writer.write(WriteRequest{.offset = offsets.next(), .data = payloads.slot(0)}));
    return tally;
}

// Keeps `qd` writes outstanding through the asynchronous submit(): a free
// slot (payload buffer) is taken before each submit and given back by its
// completion, so the queue depth can never exceed the slot count.
class Slots {
public:
    explicit Slots(unsigned count)
    {
        for (unsigned i = count; i-- > 0;)
            free_.push_back(i);
        count_ = count;
    }
    unsigned acquire()
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !free_.empty(); });
        unsigned slot = free_.back();
        free_.pop_back();
        return slot;
    }
    // Runs on the writer thread: keep it short.
    void release(unsigned slot, const WriteResult& result)
    {
        std::lock_guard lock(mutex_);
        tally_.add(result);
        free_.push_back(slot);
        cv_.notify_one();
    }
    // Waits for every outstanding request, then returns what they reported.
    Tally drain()
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return free_.size() == count_; });
        return tally_;
    }
    bool failed()
    {
        std::lock_guard lock(mutex_);
        return !tally_.error.empty();
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<unsigned> free_;
    std::size_t count_ = 0;
    Tally tally_;
};

Tally run_async(LogWriter& writer, const LogCase& c, Clock::time_point deadline)
{
    Payloads payloads(c.qd, c.size);
    Offsets offsets(c.size, c.random);
    Slots slots(c.qd);
    try {
        while (Clock::now() < deadline && !slots.failed()) {
            unsigned slot = slots.acquire();
            WriteRequest request{.offset = offsets.next(), .data = payloads.slot(slot)};
            writer.submit(request, [&slots, slot](const WriteResult& r) { slots.release(slot, r); });
        }
    } catch (...) {
        slots.drain(); // the completions still to run use `slots` and `payloads`
        throw;
    }
    // The payloads and slots must outlive every completion.
    return slots.drain();
}

Result run_log_case(const LogCase& c, const fs::path& scratch, const Options& opt)
{
    fs::path dir = scratch / c.id;
    fs::create_directory(dir);
    Result r{.id = c.id, .label = c.label, .size = c.size, .qd = c.qd, .is_log = true};
    {
        mars::log::WriterOptions wo;
        wo.directory = dir;
        wo.host = "bench";
        wo.compression = opt.compression;
        // Creating the logfile syncs it and the directory: not part of the rate.
        LogWriter writer(wo);
        r.direct_io = writer.direct_io_active();

        auto start = Clock::now();
        auto deadline = deadline_after(start, opt.seconds);
        Tally tally = c.qd == 1 ? run_blocking(writer, c, deadline) : run_async(writer, c, deadline);
        r.seconds = seconds_since(start);
        if (!tally.error.empty())
            throw std::runtime_error(c.label + ": " + tally.error);
        r.ops = tally.ops;
        r.bytes = tally.ops * c.size;
        r.stats = writer.stats();
    }
    fs::remove_all(dir);
    return r;
}

// ---- the whole run ---------------------------------------------------------

struct Report {
    std::string fs_type;
    fs::path dir;
    Result raw_seq{};
    Result raw_sync4k{};
    Result raw_sync1m{};
    std::vector<Result> logs{}; // in the order of kLogCases

    const Result& log(std::string_view id) const
    {
        for (const auto& r : logs)
            if (r.id == id)
                return r;
        throw std::logic_error("no measurement " + std::string(id));
    }
    double ratio(const Result& r) const { return r.mb_per_s() / raw_seq.mb_per_s(); }
    double qd_speedup() const { return log("log-4k-rand-qd32").ops_per_s() / log("log-4k-rand-qd1").ops_per_s(); }
    bool log_direct_io() const
    {
        return std::all_of(logs.begin(), logs.end(), [](const Result& r) { return r.direct_io; });
    }
};

const std::vector<LogCase> kLogCases = {
    {"log-4k-rand-qd1", "log 4 KiB rand QD1", k4KiB, 1, true},
    {"log-4k-rand-qd32", "log 4 KiB rand QD32", k4KiB, 32, true},
    {"log-1m-seq-qd1", "log 1 MiB seq QD1", k1MiB, 1, false},
    {"log-1m-seq-qd8", "log 1 MiB seq QD8", k1MiB, 8, false},
    {"log-1m-seq-qd32", "log 1 MiB seq QD32", k1MiB, 32, false},
};

Report run_all(const Options& opt, const fs::path& scratch, const std::string& fs_type)
{
    Report rep{.fs_type = fs_type, .dir = scratch};

    progress("raw sequential 1 MiB O_DIRECT writes");
    rep.raw_seq = raw_append(scratch / "raw-seq", k1MiB, false, opt.seconds);
    rep.raw_seq.id = "raw-seq-1m";
    rep.raw_seq.label = "raw seq 1 MiB";

    progress("raw 4 KiB O_DIRECT appends with fdatasync each");
    rep.raw_sync4k = raw_append(scratch / "raw-sync-4k", k4KiB, true, opt.seconds);
    rep.raw_sync4k.id = "raw-4k-sync-qd1";
    rep.raw_sync4k.label = "raw 4 KiB sync QD1";

    // What durability per write costs at 1 MiB without any log: the bound
    // for the log's 1 MiB QD1 case, which must fdatasync every write.
    progress("raw 1 MiB O_DIRECT appends with fdatasync each");
    rep.raw_sync1m = raw_append(scratch / "raw-sync-1m", k1MiB, true, opt.seconds);
    rep.raw_sync1m.id = "raw-1m-sync-qd1";
    rep.raw_sync1m.label = "raw 1 MiB sync QD1";

    for (const auto& c : kLogCases) {
        progress(c.label);
        rep.logs.push_back(run_log_case(c, scratch, opt));
    }
    return rep;
}

// ---- output ----------------------------------------------------------------

const char* yes_no(bool b)
{
    return b ? "yes" : "no";
}
const char* verdict(bool met)
{
    return met ? "met" : "NOT met";
}

void print_row(const Result& r, const Report& rep)
{
    std::printf("%-22s %10.0f %9.1f %8.2f", r.label.c_str(), r.ops_per_s(), r.mb_per_s(), rep.ratio(r));
    if (r.is_log)
        std::printf(" %12.2f %13.2f", r.records_per_append(), r.appends_per_sync());
    std::printf("\n");
}

void print_table(const Report& rep, const Options& opt)
{
    std::printf("log-append: %s (%s), %g s per measurement, compression %s\n", rep.dir.c_str(), rep.fs_type.c_str(),
                opt.seconds, std::string(mars::format::compression_name(opt.compression)).c_str());
    bool raw_direct = rep.raw_seq.direct_io && rep.raw_sync4k.direct_io && rep.raw_sync1m.direct_io;
    std::printf("O_DIRECT active: raw writer %s, log writer %s; log completion mode durable\n\n", yes_no(raw_direct),
                yes_no(rep.log_direct_io()));
    std::printf("%-22s %10s %9s %8s %12s %13s\n", "measurement", "ops/s", "MB/s", "vs raw", "records/app",
                "appends/sync");
    print_row(rep.raw_seq, rep);
    print_row(rep.raw_sync4k, rep);
    print_row(rep.raw_sync1m, rep);
    for (const auto& r : rep.logs)
        print_row(r, rep);

    // MB/s is payload bytes (10^6) per second; "vs raw" divides by raw seq 1 MiB.
    double speedup = rep.qd_speedup();
    std::printf("\n4 KiB QD32 / QD1: %.2fx\n", speedup);
    std::printf("targets (reported, not enforced):\n");
    for (const auto& r : rep.logs)
        if (r.size == k1MiB)
            std::printf("  %-20s >= %.1f x raw seq: %.2f %s\n", r.label.c_str(), kTargetMiBRatio, rep.ratio(r),
                        verdict(rep.ratio(r) >= kTargetMiBRatio));
    std::printf("  4 KiB QD32 >= %.0f x QD1:          %.2fx %s\n", kTargetQdSpeedup, speedup,
                verdict(speedup >= kTargetQdSpeedup));
}

void print_json_result(const Result& r, const Report& rep, bool last)
{
    std::printf("    {\"id\": %s, \"payload_bytes\": %zu, \"queue_depth\": %u, \"ops\": %llu, \"bytes\": %llu, "
                "\"seconds\": %.6f, \"ops_per_s\": %.1f, \"mb_per_s\": %.3f, \"ratio_vs_raw_seq\": %.4f, "
                "\"direct_io\": %s",
                json_string(r.id).c_str(), r.size, r.qd, static_cast<unsigned long long>(r.ops),
                static_cast<unsigned long long>(r.bytes), r.seconds, r.ops_per_s(), r.mb_per_s(), rep.ratio(r),
                r.direct_io ? "true" : "false");
    if (r.is_log)
        std::printf(", \"records\": %llu, \"appends\": %llu, \"syncs\": %llu, \"log_bytes\": %llu, "
                    "\"records_per_append\": %.3f, \"appends_per_sync\": %.3f",
                    static_cast<unsigned long long>(r.stats.records), static_cast<unsigned long long>(r.stats.appends),
                    static_cast<unsigned long long>(r.stats.syncs), static_cast<unsigned long long>(r.stats.bytes),
                    r.records_per_append(), r.appends_per_sync());
    std::printf("}%s\n", last ? "" : ",");
}

void print_json(const Report& rep, const Options& opt)
{
    double speedup = rep.qd_speedup();
    std::printf("{\n  \"dir\": %s,\n  \"filesystem\": %s,\n  \"seconds\": %g,\n  \"compression\": %s,\n",
                json_string(rep.dir.string()).c_str(), json_string(rep.fs_type).c_str(), opt.seconds,
                json_string(mars::format::compression_name(opt.compression)).c_str());
    std::printf("  \"completion\": \"durable\",\n  \"measurements\": [\n");
    print_json_result(rep.raw_seq, rep, false);
    print_json_result(rep.raw_sync4k, rep, false);
    print_json_result(rep.raw_sync1m, rep, false);
    for (std::size_t i = 0; i < rep.logs.size(); ++i)
        print_json_result(rep.logs[i], rep, i + 1 == rep.logs.size());
    std::printf("  ],\n  \"qd32_over_qd1_4k\": %.3f,\n", speedup);
    std::printf("  \"targets\": {\"min_ratio_1m\": %.2f, \"min_qd32_over_qd1\": %.1f, \"qd32_over_qd1_met\": %s",
                kTargetMiBRatio, kTargetQdSpeedup, speedup >= kTargetQdSpeedup ? "true" : "false");
    for (const auto& r : rep.logs)
        if (r.size == k1MiB)
            std::printf(", \"%s_met\": %s", r.id.c_str(), rep.ratio(r) >= kTargetMiBRatio ? "true" : "false");
    std::printf("}\n}\n");
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    std::string fs_type;
    try {
        opt = parse_options(argc, argv);
        fs_type = check_real_filesystem(opt.dir);
    } catch (const UsageError& e) {
        return mars::bench::report_usage_error("log-append", e);
    }
    try {
        mars::bench::ScratchDir scratch(opt.dir, "log-append");
        Report rep = run_all(opt, scratch.path(), fs_type);
        if (opt.json)
            print_json(rep, opt);
        else
            print_table(rep, opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "log-append: %s\n", e.what());
        return 1;
    }
    return 0;
}
