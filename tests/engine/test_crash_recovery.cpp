// kill -9 crash test of the primary data path: a child process writes
// through PrimaryDataPath with many threads (writeback running, small
// memory limits, rotations) and reports to the parent every request before
// it submits it, every acknowledgement, and every writeback position it
// would publish as replay-<host>. The parent kill -9s it at a random
// moment, runs recover() from the last published position (sometimes from
// an older one: replay is idempotent) and checks the disk: every
// acknowledged write is there, newest version per byte.
//
// Each writer thread owns a region of the device and has one request in
// flight at a time, so its acknowledgements order its writes. The one
// request that was submitted but not acknowledged when the child died may
// or may not (or partly) be on the disk; every byte must show either the
// state after the acknowledged writes or that request's data. A round
// crashes and recovers several times in a row on the same disk and log,
// so later generations cross torn tails and rotated logfiles.
//
// Environment: MARS_ENGINE_CRASH_ROUNDS (default 8, about 30 s on 2 cores), MARS_ENGINE_CRASH_SEED,
// MARS_ENGINE_CRASH_VERBOSE.
#include <gtest/gtest.h>

#include <limits.h>

#include <array>
#include <chrono>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "engine/primary_data_path.hpp"
#include "engine/recovery.hpp"
#include "engine_fixture.hpp"
#include "support/crash_rounds.hpp"
#include "support/killed_child.hpp"
#include "support/log_fixture.hpp"

using namespace mars;

namespace {

constexpr std::uint32_t kMagic = 0x454e4743; // "CGNE"
constexpr std::uint64_t kDiskSize = 32u << 20;
constexpr unsigned kThreads = 8;
constexpr std::uint64_t kRegion = kDiskSize / kThreads;

enum Kind : std::uint16_t { kSubmit = 1, kAck = 2, kPosition = 3 };

// A test::ChildReport (kind test::kLastWords: the child's last words, in
// `error` and `text`). Written with one write(2) of at most PIPE_BUF bytes:
// atomic.
struct Report {
    std::uint32_t magic = kMagic;
    std::uint16_t kind = 0;
    std::uint16_t zero = 0;
    std::uint32_t thread = 0;
    std::uint32_t counter = 0;
    std::uint64_t offset = 0; // kSubmit: device offset; kPosition: logfile offset
    std::uint64_t length = 0;
    std::uint64_t seed = 0;
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0; // kPosition: next seq
    std::uint32_t logfile = 0;  // kPosition
    std::int32_t error = 0;
    char text[192] = {};
};
static_assert(sizeof(Report) == 256 && sizeof(Report) <= PIPE_BUF);

struct Generation {
    std::uint64_t seed = 0;
    std::uint32_t logfile = 1;
    std::uint64_t first_seq = 1;
    log::CompletionMode completion = log::CompletionMode::durable;
    bool log_direct_io = true;
    std::size_t memory_limit = 8u << 20;
    std::size_t start_bytes = 1u << 20;
    unsigned max_delay_ms = 20;
    unsigned rotate_every_ms = 50;
    unsigned kill_after_ms = 100;
};

std::string describe(const Generation& g)
{
    std::ostringstream s;
    s << "seed 0x" << std::hex << g.seed << std::dec << ", logfile " << g.logfile << ", first seq " << g.first_seq
      << ", completion " << (g.completion == log::CompletionMode::durable ? "durable" : "early") << ", log "
      << (g.log_direct_io ? "O_DIRECT" : "buffered") << ", memory " << g.memory_limit << ", writeback at "
      << g.start_bytes << " bytes or " << g.max_delay_ms << " ms, rotate every " << g.rotate_every_ms
      << " ms, kill after " << g.kill_after_ms << " ms";
    return s.str();
}

using test::splitmix64;

// ---- the child: never returns, no gtest assertions ----------------------------

void child_writer(engine::PrimaryDataPath& dp, const Generation& g, unsigned t)
{
    std::mt19937_64 rng(splitmix64(g.seed ^ (std::uint64_t(t) << 40)));
    const std::uint64_t base = t * kRegion;
    for (std::uint32_t counter = 0;; ++counter) {
        Report rep;
        rep.kind = kSubmit;
        rep.thread = t;
        rep.counter = counter;
        rep.seed = splitmix64(g.seed + (std::uint64_t(t) << 32) + counter);
        const std::uint64_t shift = rng() % 8;
        rep.length = (1 + rng() % (std::uint64_t(1) << shift)) * 512; // 512 B .. 64 KiB, small ones more often
        rep.offset = base + rng() % ((kRegion - rep.length) / 512 + 1) * 512;
        rep.zero = rng() % 12 == 0;
        engine::WriteFlags flags{rng() % 10 == 0, rng() % 20 == 0};
        test::send_report(rep); // before submitting: the parent knows what may be on the disk
        engine::IoResult r;
        if (rep.zero) {
            r = dp.zeroes(rep.offset, rep.length, flags);
        } else {
            auto data = test::pattern(rep.seed, rep.length);
            r = dp.write(rep.offset, data, flags);
        }
        if (!r.ok())
            test::child_die<Report>(r.error, "write failed: " + r.message);
        rep.kind = kAck;
        rep.first_seq = r.first_seq;
        rep.last_seq = r.last_seq;
        test::send_report(rep); // strictly after the acknowledgement
    }
}

// An exception escaping it becomes the last words "child: <what>".
[[noreturn]] void child_main(const Generation& g, const std::filesystem::path& disk, const std::filesystem::path& logs)
{
    auto opt = test::data_path_options(disk, logs, kDiskSize);
    opt.log.logfile_number = g.logfile;
    opt.log.first_seq = g.first_seq;
    opt.log.completion = g.completion;
    opt.log.direct_io = g.log_direct_io;
    opt.memory_limit = g.memory_limit;
    opt.writeback.start_bytes = g.start_bytes;
    opt.writeback.max_delay = std::chrono::milliseconds(g.max_delay_ms);
    // What marsd would publish as replay-<host>.
    opt.writeback.on_position = [](const engine::ReplayPosition& pos) {
        Report r;
        r.kind = kPosition;
        r.logfile = pos.logfile_number;
        r.offset = pos.offset;
        r.last_seq = pos.next_seq;
        test::send_report(r);
    };
    // Never destroyed: the process ends by SIGKILL.
    auto* dp = new engine::PrimaryDataPath(opt);
    for (unsigned t = 0; t < kThreads; ++t)
        std::thread([dp, &g, t] {
            try {
                child_writer(*dp, g, t);
            } catch (const std::exception& e) {
                test::child_die<Report>(-1, std::string("writer: ") + e.what());
            }
        }).detach();
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(g.rotate_every_ms));
        auto r = dp->rotate();
        if (!r.ok())
            test::child_die<Report>(r.error, "rotate failed: " + r.message);
    }
}

// ---- the parent -----------------------------------------------------------------

// Kills the child kill_after_ms after the fork; its reports are all kinds.
test::KilledChild<Report> run_child(const Generation& g, const std::filesystem::path& disk,
                                    const std::filesystem::path& logs)
{
    const std::chrono::milliseconds kill_after(g.kill_after_ms);
    return test::run_killed_child<Report>({
        .child = [&] { child_main(g, disk, logs); },
        .on_report = {},
        .when =
            [&](std::chrono::milliseconds since_fork) {
                if (since_fork >= kill_after)
                    return test::KillOrWait::kill_now();
                return test::KillOrWait::wait_for(kill_after - since_fork);
            },
    });
}

Generation choose(std::mt19937_64& rng)
{
    auto pick = [&](auto... values) {
        std::array<std::common_type_t<decltype(values)...>, sizeof...(values)> a{values...};
        return a[rng() % a.size()];
    };
    Generation g;
    g.seed = rng();
    g.completion = rng() % 3 == 0 ? log::CompletionMode::early : log::CompletionMode::durable;
    g.log_direct_io = rng() % 3 != 0;
    g.memory_limit = pick(std::size_t(512u << 10), std::size_t(4u << 20), std::size_t(64u << 20));
    g.start_bytes = pick(std::size_t(128u << 10), std::size_t(2u << 20), std::size_t(32u << 20));
    g.max_delay_ms = pick(1u, 10u, 100u, 1000u);
    g.rotate_every_ms = pick(15u, 60u, 250u);
    g.kill_after_ms = 20 + static_cast<unsigned>(rng() % 400);
    return g;
}

struct Totals {
    std::uint64_t generations = 0, acked = 0, unacked_seen = 0, positions = 0, from_older = 0, records = 0,
                  logfiles = 0, torn_tails = 0;
};

// Checks one generation's disk after recovery; updates `image`.
std::vector<std::string> verify(const std::vector<Report>& reports, std::vector<std::byte>& image,
                                const std::vector<std::byte>& disk, std::uint64_t recovered_next_seq, Totals& totals)
{
    std::vector<std::string> problems;
    // Per thread: submitted requests in order, and which were acknowledged.
    std::array<std::vector<Report>, kThreads> submitted;
    std::array<std::uint32_t, kThreads> acked{};
    std::array<bool, kThreads> any_acked{};
    for (const Report& r : reports) {
        if (r.kind == kSubmit) {
            submitted[r.thread].push_back(r);
        } else if (r.kind == kAck) {
            acked[r.thread] = r.counter;
            any_acked[r.thread] = true;
            ++totals.acked;
            if (r.last_seq >= recovered_next_seq)
                problems.push_back("acknowledged write seq " + std::to_string(r.first_seq) + ".." +
                                   std::to_string(r.last_seq) + " lies beyond the recovered log end (next seq " +
                                   std::to_string(recovered_next_seq) + ")");
        }
    }
    std::vector<std::byte> with_pending;
    for (unsigned t = 0; t < kThreads; ++t) {
        const std::size_t n_acked = any_acked[t] ? acked[t] + 1 : 0;
        if (submitted[t].size() < n_acked || submitted[t].size() > n_acked + 1) {
            problems.push_back("thread " + std::to_string(t) + ": " + std::to_string(submitted[t].size()) +
                               " submitted, " + std::to_string(n_acked) + " acknowledged");
            continue;
        }
        for (std::size_t i = 0; i < n_acked; ++i) {
            const Report& r = submitted[t][i];
            if (r.zero)
                std::memset(image.data() + r.offset, 0, r.length);
            else {
                auto data = test::pattern(r.seed, r.length);
                std::memcpy(image.data() + r.offset, data.data(), r.length);
            }
        }
        // The request in flight at the kill: its data may be there, per byte.
        const std::uint64_t base = t * kRegion;
        with_pending.assign(image.begin() + static_cast<std::ptrdiff_t>(base),
                            image.begin() + static_cast<std::ptrdiff_t>(base + kRegion));
        if (submitted[t].size() > n_acked) {
            const Report& r = submitted[t].back();
            if (r.zero)
                std::memset(with_pending.data() + (r.offset - base), 0, r.length);
            else {
                auto data = test::pattern(r.seed, r.length);
                std::memcpy(with_pending.data() + (r.offset - base), data.data(), r.length);
            }
        }
        bool pending_seen = false;
        const bool exact = std::memcmp(disk.data() + base, image.data() + base, kRegion) == 0;
        for (std::uint64_t i = 0; i < kRegion && !exact; ++i) {
            const std::byte d = disk[base + i];
            if (d == image[base + i])
                continue;
            if (d == with_pending[i]) {
                pending_seen = true;
                continue;
            }
            problems.push_back("thread " + std::to_string(t) + ": byte at device offset " + std::to_string(base + i) +
                               " is neither the acknowledged nor the pending data");
            break;
        }
        totals.unacked_seen += pending_seen;
        // From now on the disk is the truth for this region.
        std::memcpy(image.data() + base, disk.data() + base, kRegion);
    }
    return problems;
}

} // namespace

TEST(EngineCrash, AcknowledgedWritesSurviveKill9AndRecovery)
{
    constexpr unsigned kGenerations = 3;
    Totals totals;

    // A round crashes and recovers kGenerations times on the same disk and
    // log; it stops at the first crash that shows problems.
    const auto one_round = [&](const test::Round& round) {
        const auto disk = round.dir / "disk";
        const auto logs = round.dir / "log";
        std::filesystem::create_directory(logs);
        test::make_disk_file(disk, kDiskSize);
        std::vector<std::byte> image(kDiskSize);
        const engine::ReplayPosition very_start{1, test::kEngineHost, 0, 1};
        engine::ReplayPosition gen_start = very_start;
        const std::uint64_t acked_before = totals.acked;
        auto result = [&](std::string description, std::vector<std::string> problems) {
            return test::RoundResult{std::move(description),
                                     std::to_string(totals.acked - acked_before) + " acknowledged writes",
                                     std::move(problems)};
        };

        for (unsigned gen = 0; gen < kGenerations; ++gen) {
            Generation g = choose(round.config_rng);
            g.logfile = gen_start.logfile_number;
            g.first_seq = gen_start.next_seq;
            std::string what =
                "round " + std::to_string(round.number) + " crash " + std::to_string(gen) + " (" + describe(g) + ")";
            const auto t0 = std::chrono::steady_clock::now();
            test::KilledChild<Report> run = run_child(g, disk, logs);
            const auto t1 = std::chrono::steady_clock::now();
            if (auto problems = run.problems(); !problems.empty())
                return result(what, std::move(problems));

            // Where recovery starts: what marsd would have published last,
            // sometimes an older position (marsd may lag).
            engine::ReplayPosition start = gen_start;
            for (const Report& r : run.reports)
                if (r.kind == kPosition) {
                    start = {r.logfile, test::kEngineHost, r.offset, r.last_seq};
                    ++totals.positions;
                }
            const auto choice = round.config_rng() % 8;
            if (choice == 0)
                start = very_start;
            else if (choice == 1)
                start = gen_start;
            totals.from_older += choice <= 1;
            what += ", recovery from " + start.str();

            engine::RecoveryResult rec;
            {
                engine::BackingDisk bd(disk, kDiskSize);
                engine::RecoveryOptions ro;
                ro.log_directory = logs;
                ro.start = start;
                ro.host = test::kEngineHost;
                rec = engine::recover(bd, ro);
            }
            if (!rec.ok())
                return result(what, {"recovery: " + rec.error});
            totals.records += rec.records;
            totals.logfiles += rec.logfiles;
            totals.torn_tails += rec.last_end && rec.last_end->kind == log::LogEnd::torn_tail;

            const auto t2 = std::chrono::steady_clock::now();
            auto on_disk = test::read_file_range(disk, 0, kDiskSize);
            test::ProblemList problems;
            for (auto& p : verify(run.reports, image, on_disk, rec.next_seq, totals))
                problems.add(std::move(p));
            const auto t3 = std::chrono::steady_clock::now();
            if (round.verbose) {
                auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
                std::cout << what << ": " << run.reports.size() << " reports, recovered " << rec.records
                          << " records to " << rec.end.str() << "; child " << ms(t1 - t0) << " ms, recovery "
                          << ms(t2 - t1) << " ms, check " << ms(t3 - t2) << " ms\n";
            }
            if (auto found = problems.take(); !found.empty())
                return result(what, std::move(found));
            ++totals.generations;
            gen_start = {rec.next_logfile, test::kEngineHost, 0, rec.next_seq};
        }
        return result("round " + std::to_string(round.number), {});
    };
    const test::CrashRun crash =
        test::run_crash_rounds({.name = "engine crash test (" + std::to_string(kGenerations) + " crashes a round)",
                                .env_prefix = "MARS_ENGINE_CRASH",
                                .default_rounds = 8,
                                .dir_prefix = "mars-engine-crash",
                                .files = "disk and logfiles"},
                               one_round);

    std::cout << totals.generations << " crashes in " << crash.seconds << " s: " << totals.acked
              << " acknowledged writes verified, pending write seen on disk in " << totals.unacked_seen
              << " thread regions, " << totals.positions << " positions published, " << totals.from_older
              << " recoveries from an older position, " << totals.records << " records replayed from "
              << totals.logfiles << " logfiles, " << totals.torn_tails << " torn tails\n";
    EXPECT_GT(totals.acked, 0u);
}
