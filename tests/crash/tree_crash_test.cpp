// Crash test of the state tree: a child process writes entries (set() with
// both durabilities, remove() tombstones, merge() with explicit stamps, new
// nested directories, values of 1..4000 bytes) and reports every write to
// the parent over a pipe: once before the call ("begin") and once after it
// returned ("done"). The parent kill -9s it at a random point, then loads
// the directory into a fresh StateTree and checks:
//   - loading does not throw, and removes every .tmp.* leftover;
//   - every visible entry (list(""), newer_than(0)) is a complete value the
//     child wrote for that key: never half an entry;
//   - per key, the visible entry is the last acknowledged write or the one
//     write that was under way at the kill, never an older one (kill -9
//     keeps the page cache, so even Durability::normal writes survive), with
//     the acknowledged stamp;
//   - tombstones read as absent with get(), keys never written are absent.
//
// The kill timing is random; the verdict never depends on it. Environment:
//   MARS_TREE_CRASH_ROUNDS   rounds to run (default 150, about 15 s on 2 cores)
//   MARS_TREE_CRASH_SEED     seed of the run (default: random, printed);
//                            repeats keys, operations and values, not the
//                            kill timing
//   MARS_TREE_CRASH_VERBOSE  print one line per round
#include <gtest/gtest.h>

#include <limits.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/crash_rounds.hpp"
#include "support/killed_child.hpp"
#include "support/temp_dir.hpp"
#include "tree/lamport_clock.hpp"
#include "tree/state_tree.hpp"

using namespace mars;
using tree::Durability;
using tree::Entry;
using tree::MergeResult;
using tree::StateTree;

namespace {

constexpr std::uint32_t kReportMagic = 0x54435254; // "TRCT"

// ---- what the child tells the parent ----------------------------------------

enum ReportKind : std::uint16_t { kBegin = 1, kDone = 2 }; // or test::kLastWords
enum OpKind : std::uint16_t { kSet = 1, kRemove = 2, kMerge = 3 };

// One write about to start (kBegin) or returned (kDone), or the child's last
// words (from test::child_die()). Written with one write(2) of at most
// PIPE_BUF bytes, hence atomically.
struct Report {
    std::uint32_t magic = kReportMagic;
    std::uint16_t kind = 0;
    std::uint16_t op = 0;
    std::uint8_t proof = 0;     // Durability::proof
    std::uint8_t tombstone = 0; // the value is kTombstone (remove, or a merge of one)
    std::uint8_t future = 0;    // kMerge: the stamp is beyond the clock's horizon
    std::uint8_t result = 0;    // kDone of kMerge: the MergeResult
    std::uint32_t length = 0;   // of the value (not for tombstones)
    std::uint64_t counter = 0;  // the write's number, 0, 1, 2, ...
    std::uint64_t stamp = 0;    // kMerge: the remote stamp; kDone of set/remove: the entry's stamp
    std::int32_t error = 0;
    char text[220] = {}; // the key; last words: the message
};
static_assert(sizeof(Report) <= PIPE_BUF, "reports must be written atomically");
static_assert(sizeof(Report) == 256);

// ---- values ----------------------------------------------------------------
//
// "<key>#<counter>#<length>#<padding>", exactly `length` bytes, so a
// truncated or mixed-up value is detectable from the value alone. Lengths
// too short for that header get a short value of capital letters, checked
// against the writes the child began for the key.

std::string value_head(std::string_view key, std::uint64_t counter, std::size_t length)
{
    return std::string(key) + "#" + std::to_string(counter) + "#" + std::to_string(length) + "#";
}

char pad_char(std::uint64_t counter, std::size_t i)
{
    return static_cast<char>('a' + (counter * 7 + i) % 26);
}

std::string make_value(std::string_view key, std::uint64_t counter, std::size_t length)
{
    std::string v = value_head(key, counter, length);
    if (v.size() > length) {
        v.clear();
        for (std::size_t i = 0; i < length; ++i)
            v.push_back(static_cast<char>('A' + (counter + i) % 26));
        return v;
    }
    for (std::size_t i = v.size(); i < length; ++i)
        v.push_back(pad_char(counter, i));
    return v;
}

// Empty if `v` is well-formed for `key` by itself (or a short value, which
// only the list of begun writes can judge); else what is wrong. Sets
// `counter` for self-describing values.
std::string check_format(std::string_view key, std::string_view v, std::optional<std::uint64_t>& counter)
{
    counter.reset();
    if (v == tree::kTombstone)
        return {};
    if (v.find('#') == std::string_view::npos) {
        for (char c : v)
            if (c < 'A' || c > 'Z')
                return "short value with unexpected characters";
        return {};
    }
    const std::string prefix = std::string(key) + "#";
    if (v.substr(0, prefix.size()) != prefix)
        return "value does not start with its key";
    std::size_t p = prefix.size();
    auto number = [&](std::uint64_t& out) {
        std::size_t start = p;
        out = 0;
        while (p < v.size() && v[p] >= '0' && v[p] <= '9' && p - start < 19)
            out = out * 10 + static_cast<std::uint64_t>(v[p++] - '0');
        if (p == start || p >= v.size() || v[p] != '#')
            return false;
        ++p;
        return true;
    };
    std::uint64_t c = 0, length = 0;
    if (!number(c) || !number(length))
        return "value header is cut off or garbled";
    if (length != v.size())
        return "value of " + std::to_string(v.size()) + " bytes says it has " + std::to_string(length) +
               " (truncated or extended)";
    for (std::size_t i = p; i < v.size(); ++i)
        if (v[i] != pad_char(c, i))
            return "padding differs at byte " + std::to_string(i);
    counter = c;
    return {};
}

// ---- per-round configuration, chosen by the parent before fork ---------------

struct RoundConfig {
    unsigned round = 0;
    std::uint64_t seed = 0;
    unsigned proof_percent = 15;     // of set/remove
    unsigned merge_percent = 25;     // of all writes
    unsigned new_resource_every = 20; // writes between new resource-rN/ directories
    unsigned kill_delay_ms = 100;
    std::uint64_t kill_after_done = 0; // 0: only the delay
};

std::string describe(const RoundConfig& c)
{
    std::ostringstream s;
    s << "round " << c.round << " (seed 0x" << std::hex << c.seed << std::dec << ", proof " << c.proof_percent
      << "%, merges " << c.merge_percent << "%, new resource every " << c.new_resource_every
      << " writes, kill after " << c.kill_delay_ms << " ms";
    if (c.kill_after_done)
        s << " or " << c.kill_after_done << " acknowledged writes";
    s << ")";
    return s.str();
}

// ---- the child -------------------------------------------------------------
//
// Runs in the forked process only: no gtest assertions, never returns.

// Keys as marsd writes them: top level, ips/, and below resource-rN/ up to
// four levels deep. No key is the directory of another.
std::string choose_key(std::mt19937_64& rng, std::uint64_t counter, const RoundConfig& cfg)
{
    auto uniform = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    static constexpr std::array<const char*, 10> kResourceKeys = {
        "primary",
        "syncpos-alpha",
        "syncstatus-alpha",
        "version-000000001-alpha",
        "todo-alpha/attach",
        "todo-alpha/connect",
        "todo-beta/attach",
        "actual-alpha/is-attached",
        "replay/alpha/pos",
        "replay/beta/pos",
    };
    const std::uint64_t r = uniform(0, 99);
    if (r < 8)
        return uniform(0, 3) == 0 ? std::string("uuid") : "note-" + std::to_string(uniform(0, 5));
    if (r < 18)
        return "ips/ip-host" + std::to_string(uniform(0, 7));
    // Resources open up over time: their directories are created while the
    // child runs, often by the last write before the kill.
    const std::uint64_t open = std::min<std::uint64_t>(1 + counter / cfg.new_resource_every, 400);
    const std::uint64_t res = uniform(0, 2) == 0 ? open - 1 : uniform(0, open - 1);
    return "resource-r" + std::to_string(res) + "/" + kResourceKeys[uniform(0, kResourceKeys.size() - 1)];
}

std::size_t choose_length(std::mt19937_64& rng)
{
    auto uniform = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    const std::uint64_t r = uniform(0, 99);
    if (r < 5)
        return uniform(1, 40); // mostly too short for the header
    if (r < 50)
        return uniform(40, 200);
    if (r < 80)
        return uniform(200, 1500);
    return uniform(1500, 4000);
}

// An exception escaping it becomes the last words "child: <what>".
[[noreturn]] void child_main(const RoundConfig& cfg, const std::filesystem::path& dir)
{
    // Never destroyed: the process ends by SIGKILL.
    auto* clock = new tree::LamportClock();
    auto* tree = new StateTree(dir, *clock);
    std::mt19937_64 rng(test::splitmix64(cfg.seed));
    auto uniform = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    for (std::uint64_t counter = 0;; ++counter) {
        Report rep;
        rep.kind = kBegin;
        rep.counter = counter;
        const std::string key = choose_key(rng, counter, cfg);
        std::snprintf(rep.text, sizeof rep.text, "%s", key.c_str());
        std::string value;
        if (uniform(0, 99) < cfg.merge_percent) {
            rep.op = kMerge;
            rep.proof = uniform(0, 4) == 0;
            rep.tombstone = uniform(0, 4) == 0;
            auto current = tree->get_raw(key);
            const std::uint64_t m = uniform(0, 99);
            if (m < 4) {
                rep.future = 1;
                rep.stamp = tree::realtime_ns() + tree::LamportClock::kMaxFutureNs + 3600'000'000'000ull;
            } else if (!current) {
                // A missing key is taken whatever its stamp.
                const std::uint64_t base = std::max(clock->highest(), tree::realtime_ns());
                rep.stamp = m < 50 ? base - uniform(1'000'000'000, 1'000'000'000'000) : base + uniform(1, 1'000'000);
            } else if (m < 55) {
                rep.stamp = current->stamp + uniform(1, 1'000'000); // newer: applied
            } else if (m < 85) {
                rep.stamp = current->stamp - uniform(1, 1'000'000'000); // older: refused
            } else {
                rep.stamp = current->stamp; // a tie: refused
            }
        } else {
            rep.op = uniform(0, 99) < 20 ? kRemove : kSet;
            rep.tombstone = rep.op == kRemove;
            rep.proof = uniform(0, 99) < cfg.proof_percent;
        }
        if (rep.tombstone) {
            value = std::string(tree::kTombstone);
        } else {
            rep.length = static_cast<std::uint32_t>(choose_length(rng));
            value = make_value(key, counter, rep.length);
        }
        const Durability durability = rep.proof ? Durability::proof : Durability::normal;

        test::send_report(rep); // strictly before the write
        Report done = rep;
        done.kind = kDone;
        switch (rep.op) {
        case kSet:
            done.stamp = tree->set(key, value, durability).stamp;
            break;
        case kRemove:
            done.stamp = tree->remove(key, durability).stamp;
            break;
        case kMerge:
            done.result = static_cast<std::uint8_t>(tree->merge(Entry{key, value, rep.stamp}, durability));
            break;
        }
        test::send_report(done); // strictly after the call returned
    }
}

// ---- the parent: running a round -----------------------------------------------

// Its reports are kBegin and kDone, in the child's order.
test::KilledChild<Report> run_round(const RoundConfig& cfg, const std::filesystem::path& dir)
{
    using std::chrono::milliseconds;
    const milliseconds delay(cfg.kill_delay_ms);
    std::uint64_t done = 0;
    return test::run_killed_child<Report>({
        .child = [&] { child_main(cfg, dir); },
        .on_report = [&](const Report& r) { done += r.kind == kDone; },
        .when = [&](milliseconds since_fork) {
            if (since_fork >= delay || (cfg.kill_after_done && done >= cfg.kill_after_done))
                return test::KillOrWait::kill_now();
            return test::KillOrWait::wait_for(delay - since_fork);
        },
    });
}

// ---- the parent: verification ---------------------------------------------------

struct Totals {
    unsigned rounds = 0;
    std::uint64_t begun = 0;             // writes the child started
    std::uint64_t acked = 0;             // writes that returned before the kill
    std::uint64_t acked_sets = 0, acked_removes = 0, acked_proof = 0;
    std::uint64_t merges_applied = 0, merges_not_newer = 0, merges_future = 0;
    std::uint64_t keys_verified = 0;     // keys whose visible state was checked against the model
    std::uint64_t entries_visible = 0;   // entries in the reloaded trees (tombstones included)
    std::uint64_t tombstones_verified = 0;
    std::uint64_t bytes_verified = 0;    // value bytes of visible entries
    std::uint64_t short_values = 0;      // visible values too short for the header
    std::uint64_t inflight = 0;          // rounds killed between begin and done
    std::uint64_t inflight_visible = 0;  // ... whose write is visible after all
    std::uint64_t tmp_leftovers = 0;     // .tmp.* names found before loading
    std::uint64_t directories = 0;       // directories in the reloaded trees
    std::uint64_t rounds_without_ack = 0;
};

// The state of one key after the acknowledged writes, as the child's
// StateTree must have it.
struct KeyModel {
    bool present = false;
    std::string value;
    std::uint64_t stamp = 0;
    std::uint64_t counter = 0;
};

class Verifier {
public:
    Verifier(const std::filesystem::path& dir, const std::vector<Report>& reports, Totals& totals)
        : dir_(dir), totals_(totals)
    {
        replay(reports);
    }

    std::vector<std::string> verify()
    {
        const std::size_t leftovers_before = count_tmp_names();
        totals_.tmp_leftovers += leftovers_before;
        if (leftovers_before > 1)
            problem(std::to_string(leftovers_before) +
                    " .tmp.* leftovers: a single-threaded writer interrupts at most one write");

        tree::LamportClock clock;
        std::optional<StateTree> tree;
        try {
            tree.emplace(dir_, clock);
        } catch (const std::exception& e) {
            problem(std::string("loading the tree after the crash throws: ") + e.what());
            return finish();
        }
        if (std::size_t left = count_tmp_names(); left != 0)
            problem(std::to_string(left) + " .tmp.* names are still on disk after loading");

        const std::vector<Entry> all = tree->newer_than(0);
        const std::vector<Entry> live = tree->list("");
        totals_.entries_visible += all.size();
        if (tree->size() != all.size())
            problem("size() is " + std::to_string(tree->size()) + " but newer_than(0) lists " +
                    std::to_string(all.size()) + " entries");
        std::map<std::string, Entry> visible;
        for (const Entry& e : all) {
            if (!visible.emplace(e.key, e).second)
                problem("newer_than(0) lists '" + e.key + "' twice");
            check_entry(e, "newer_than(0)");
        }
        std::size_t live_expected = 0;
        for (const auto& [key, e] : visible)
            live_expected += !e.is_tombstone();
        if (live.size() != live_expected)
            problem("list(\"\") shows " + std::to_string(live.size()) + " live entries, newer_than(0) " +
                    std::to_string(live_expected));
        for (const Entry& e : live) {
            if (e.is_tombstone())
                problem("list(\"\") shows the tombstone '" + e.key + "'");
            auto it = visible.find(e.key);
            if (it == visible.end() || !(it->second == e))
                problem("list(\"\") and newer_than(0) disagree on '" + e.key + "'");
        }

        // Every key the child touched: acknowledged state or the write under way.
        for (const auto& [key, model] : models_) {
            ++totals_.keys_verified;
            auto it = visible.find(key);
            const std::optional<Entry> raw = tree->get_raw(key);
            const std::optional<Entry> got = tree->get(key);
            if (it == visible.end()) {
                if (raw)
                    problem("'" + key + "': get_raw() finds an entry newer_than(0) does not list");
                if (model.present)
                    problem("'" + key + "': the acknowledged write #" + std::to_string(model.counter) +
                            " is lost: the key is missing");
                continue;
            }
            const Entry& e = it->second;
            if (!raw || !(*raw == e))
                problem("'" + key + "': get_raw() differs from newer_than(0)");
            if (e.is_tombstone()) {
                ++totals_.tombstones_verified;
                if (got)
                    problem("'" + key + "' is a tombstone, but get() returns '" + got->value + "'");
            } else if (!got || !(*got == e)) {
                problem("'" + key + "': get() differs from newer_than(0)");
            }
            if (model.present && e.value == model.value && e.stamp == model.stamp)
                continue; // the last acknowledged write
            if (inflight_ && key == inflight_key_ && inflight_may_apply(model) && e.value == inflight_value_ &&
                inflight_stamp_matches(e.stamp)) {
                ++totals_.inflight_visible;
                continue;
            }
            std::ostringstream s;
            s << "'" << key << "' shows " << summarize(e) << ", expected ";
            if (model.present)
                s << "the acknowledged write #" << model.counter << " (" << summarize({key, model.value, model.stamp})
                  << ")";
            else
                s << "no entry";
            if (inflight_ && key == inflight_key_)
                s << " or the write #" << inflight_counter_ << " under way at the kill";
            std::optional<std::uint64_t> c;
            if (check_format(key, e.value, c).empty() && c && model.present && *c < model.counter)
                s << ": an older write, the acknowledged one is lost";
            problem(s.str());
        }
        for (const auto& [key, e] : visible)
            if (!models_.count(key))
                problem("'" + key + "' is visible but the child never wrote it");

        for (const auto& de : std::filesystem::recursive_directory_iterator(dir_))
            totals_.directories += std::filesystem::is_directory(de.symlink_status()); // lstat: values are no paths
        return finish();
    }

private:
    // Rebuilds what the child's tree held after the acknowledged writes, and
    // checks the reports themselves (order, merge verdicts, stamps).
    void replay(const std::vector<Report>& reports)
    {
        std::uint64_t expected_counter = 0;
        bool open = false; // a begin without its done
        Report begin{};
        std::uint64_t highest = 0; // every stamp issued or observed so far
        for (const Report& r : reports) {
            const std::string key = r.text;
            if (r.kind == kBegin) {
                if (open || r.counter != expected_counter) {
                    problem("report order broken at begin #" + std::to_string(r.counter));
                    return;
                }
                open = true;
                begin = r;
                ++totals_.begun;
                models_[key]; // touched
                continue;
            }
            if (!open || r.counter != begin.counter || key != begin.text || r.op != begin.op) {
                problem("done #" + std::to_string(r.counter) + " does not match the write begun");
                return;
            }
            open = false;
            ++expected_counter;
            ++totals_.acked;
            KeyModel& m = models_[key];
            const std::string value = r.tombstone ? std::string(tree::kTombstone) : make_value(key, r.counter, r.length);
            if (r.op == kMerge) {
                MergeResult expected = MergeResult::applied;
                if (r.future)
                    expected = MergeResult::future_stamp;
                else if (m.present && m.stamp >= r.stamp)
                    expected = MergeResult::not_newer;
                if (static_cast<MergeResult>(r.result) != expected)
                    problem("merge #" + std::to_string(r.counter) + " of '" + key + "' returned " +
                            std::to_string(r.result) + ", last-writer-wins says " +
                            std::to_string(static_cast<int>(expected)));
                if (!r.future)
                    highest = std::max(highest, r.stamp);
                if (static_cast<MergeResult>(r.result) == MergeResult::applied) {
                    ++totals_.merges_applied;
                    m = {true, value, r.stamp, r.counter};
                } else if (r.future) {
                    ++totals_.merges_future;
                } else {
                    ++totals_.merges_not_newer;
                }
            } else {
                if (r.stamp <= highest)
                    problem("local write #" + std::to_string(r.counter) + " got stamp " + std::to_string(r.stamp) +
                            ", not newer than " + std::to_string(highest) + " seen before");
                highest = std::max(highest, r.stamp);
                m = {true, value, r.stamp, r.counter};
                ++(r.op == kSet ? totals_.acked_sets : totals_.acked_removes);
            }
            totals_.acked_proof += r.proof;
        }
        highest_acked_ = highest;
        if (open) {
            ++totals_.inflight;
            inflight_ = true;
            inflight_key_ = begin.text;
            inflight_counter_ = begin.counter;
            inflight_op_ = begin.op;
            inflight_future_ = begin.future;
            inflight_stamp_ = begin.stamp;
            inflight_value_ = begin.tombstone ? std::string(tree::kTombstone)
                                              : make_value(inflight_key_, begin.counter, begin.length);
        }
        if (totals_.acked == 0)
            ++totals_.rounds_without_ack;
        // Every value the child began to write, per key, for judging visible ones.
        for (const Report& r : reports)
            if (r.kind == kBegin && !r.tombstone)
                begun_values_[r.text].push_back(make_value(r.text, r.counter, r.length));
    }

    bool inflight_may_apply(const KeyModel& m) const
    {
        if (inflight_op_ != kMerge)
            return true;
        return !inflight_future_ && (!m.present || inflight_stamp_ > m.stamp);
    }

    bool inflight_stamp_matches(std::uint64_t stamp) const
    {
        if (inflight_op_ == kMerge)
            return stamp == inflight_stamp_;
        return stamp > highest_acked_; // a fresh stamp from the Lamport clock
    }

    // Any visible entry: a key and a complete value the child wrote for it.
    void check_entry(const Entry& e, const std::string& where)
    {
        totals_.bytes_verified += e.value.size();
        if (e.key.find(".tmp.") != std::string::npos)
            problem(where + " lists the temporary name '" + e.key + "'");
        std::optional<std::uint64_t> counter;
        if (auto why = check_format(e.key, e.value, counter); !why.empty()) {
            problem(where + ": '" + e.key + "' holds a malformed value (half an entry?): " + why + ": " +
                    summarize(e));
            return;
        }
        if (e.is_tombstone())
            return;
        if (!counter)
            ++totals_.short_values;
        const auto& begun = begun_values_[e.key];
        if (std::find(begun.begin(), begun.end(), e.value) == begun.end())
            problem(where + ": '" + e.key + "' holds a value the child never wrote for it: " + summarize(e));
    }

    static std::string summarize(const Entry& e)
    {
        std::string v = e.value.size() > 60 ? e.value.substr(0, 60) + "..." : e.value;
        return "'" + v + "' (" + std::to_string(e.value.size()) + " bytes, stamp " + std::to_string(e.stamp) + ")";
    }

    std::size_t count_tmp_names() const
    {
        std::size_t n = 0;
        for (const auto& de : std::filesystem::recursive_directory_iterator(dir_))
            n += de.path().filename().string().rfind(".tmp.", 0) == 0;
        return n;
    }

    void problem(std::string what) { problems_.add(std::move(what)); }

    std::vector<std::string> finish() { return problems_.take(); }

    std::filesystem::path dir_;
    Totals& totals_;
    std::map<std::string, KeyModel> models_;
    std::map<std::string, std::vector<std::string>> begun_values_;
    std::uint64_t highest_acked_ = 0;
    bool inflight_ = false;
    std::string inflight_key_;
    std::uint64_t inflight_counter_ = 0;
    std::uint16_t inflight_op_ = 0;
    bool inflight_future_ = false;
    std::uint64_t inflight_stamp_ = 0;
    std::string inflight_value_;
    test::ProblemList problems_;
};

RoundConfig choose_config(unsigned round, std::mt19937_64& rng)
{
    auto uniform = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    RoundConfig c{.round = round, .seed = rng()};
    c.proof_percent = std::array<unsigned, 4>{0, 10, 30, 100}[uniform(0, 3)];
    c.merge_percent = std::array<unsigned, 3>{0, 25, 60}[uniform(0, 2)];
    c.new_resource_every = static_cast<unsigned>(uniform(3, 60));
    // Some rounds end early: while the tree is created and the first
    // directories appear.
    c.kill_delay_ms = static_cast<unsigned>(uniform(0, 4) == 0 ? uniform(0, 5) : uniform(5, 200));
    if (uniform(0, 2) == 0)
        c.kill_after_done = uniform(1, 500);
    return c;
}

} // namespace

TEST(TreeCrash, Kill9NeverLeavesAHalfEntryVisible)
{
    Totals totals;
    const test::CrashRun crash = test::run_crash_rounds(
        {.name = "tree crash test", .env_prefix = "MARS_TREE_CRASH", .default_rounds = 150,
         .dir_prefix = "mars-tree-crash", .files = "tree"},
        [&](const test::Round& round) {
            const RoundConfig cfg = choose_config(round.number, round.config_rng);
            test::KilledChild<Report> run = run_round(cfg, round.dir);
            ++totals.rounds;

            std::vector<std::string> problems = run.problems();
            const std::uint64_t acked_before = totals.acked;
            Verifier verifier(round.dir, run.reports, totals);
            for (auto& p : verifier.verify())
                problems.push_back(std::move(p));
            const std::uint64_t acked = totals.acked - acked_before;
            if (round.verbose)
                std::cout << "  " << describe(cfg) << ": " << acked << " acknowledged writes\n";
            return test::RoundResult{describe(cfg), std::to_string(acked) + " acknowledged writes",
                                     std::move(problems)};
        });

    std::cout << "tree crash test summary (" << crash.seed_setting << "):\n"
              << "  rounds:                          " << totals.rounds << " (" << totals.rounds_without_ack
              << " killed before any acknowledgement)\n"
              << "  writes begun / acknowledged:     " << totals.begun << " / " << totals.acked << "\n"
              << "  acknowledged:                    " << totals.acked_sets << " set, " << totals.acked_removes
              << " remove, " << totals.merges_applied << " merges applied, " << totals.merges_not_newer
              << " not newer, " << totals.merges_future << " future refused; " << totals.acked_proof
              << " with Durability::proof\n"
              << "  keys verified:                   " << totals.keys_verified << " (" << totals.tombstones_verified
              << " tombstones)\n"
              << "  entries visible after reload:    " << totals.entries_visible << " ("
              << totals.bytes_verified / 1024 << " KiB of values, " << totals.short_values
              << " short values), in " << totals.directories << " directories\n"
              << "  killed during a write:           " << totals.inflight << " rounds (" << totals.inflight_visible
              << " of those writes visible after all)\n"
              << "  .tmp. leftovers cleaned by load: " << totals.tmp_leftovers << "\n"
              << "  time:                            " << crash.seconds << " s" << std::endl;
}
