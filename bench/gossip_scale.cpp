// bench/gossip-scale: shows that the pull gossip of the state tree stays
// cheap at 100 hosts x 300 resources: incremental (only what changed since a
// peer's change cursor travels), and with a per-pull cost that does not grow
// with the size of the tree (no scan of the whole tree per request).
//
// The cluster state is built the way the original MARS would hold it: the
// uuid, ips/ip-<host> and actual-<host>/{alive,time,tree} for every host, and
// per resource size, primary, maxnr plus, for each of its 2 or 3 member hosts
// (spread round-robin), data-, device-, replay-, version-<N>-, syncstatus-,
// todo-<host>/{attach,connect,sync,allow-replay} and
// actual-<host>/{is-attached,is-primary,is-replaying,is-copying,is-flying}.
//
// Three measurements, all in one run:
//
//   1a full simulation   --sim-hosts real StateTrees (each on disk in its
//                        own directory), gossip rounds in memory: every host
//                        pulls from every peer with exactly the steps of the
//                        real exchange (GetEntries with the peer's cursor and
//                        epoch -> answer_get_entries -> Entries::encode ->
//                        Entries::decode -> merge_entries, repeated while the
//                        answer is incomplete); only the socket is missing.
//                        Seeding (each host writes its own entries), rounds
//                        until a round applies nothing, then steady-state
//                        rounds: every host heartbeats (ClusterState::
//                        heartbeat) and 1% of the resources change a replay
//                        link. Every tree converges to the full tree, so this
//                        writes hosts x (tree size) symlinks: it runs with
//                        fewer hosts and resources to stay tractable.
//   1b observer          The 100 x 300 tree (and trees 10x smaller and 10x
//                        larger) in ONE server tree that answers the pulls of
//                        H-1 simulated peers (just their cursors) each round.
//                        The same tree also does what a host's puller side
//                        does: it applies the round's changes once (the first
//                        copy to arrive) and merges the H-1 copies its peers
//                        send, which are then not newer. In steady state every
//                        host applies each change once and serves it once to
//                        each of its H-1 pullers, so the cluster-wide cost of
//                        a round is H times one host's (1a checks this model
//                        against a run where every tree is real).
//   2  real network      N GossipServer + GossipClient pairs in this process
//                        on 127.0.0.1..127.0.0.N (one port), TLS with a fresh
//                        pre-shared key, notify wired to trigger(host) as in
//                        marsd: one host holds the whole tree, the others
//                        pull it; then a steady-state window and the latency
//                        of one change to every host.
//
// Phases 1a and 1b create the trees' directories up front with plain mkdir:
// StateTree fsyncs the parent of every directory it creates, which costs a
// millisecond or more per directory on a VM disk and would drown the
// exchange. Phase 2 writes its trees exactly as marsd does.
//
// Bytes are entries-answer payloads as Entries::encode() produces them (each
// frame adds a 12-byte header, TLS its record overhead). Results are
// reported, never enforced: the exit status is 0 whenever the benchmark ran.

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cluster/cluster_state.hpp"
#include "gossip/exchange.hpp"
#include "gossip/gossip_client.hpp"
#include "gossip/gossip_server.hpp"
#include "net/message.hpp"
#include "net/psk.hpp"
#include "net/security.hpp"
#include "tree/lamport_clock.hpp"
#include "tree/state_tree.hpp"
#include "util/logger.hpp"
#include "util/system_error.hpp"

namespace fs = std::filesystem;
using mars::bench::Args;
using mars::bench::Clock;
using mars::bench::json_string;
using mars::bench::parse_count;
using mars::bench::parse_seconds;
using mars::bench::seconds_since;
using mars::bench::UsageError;
using mars::cluster::ClusterState;
using mars::gossip::PullCursor;
using mars::tree::Entry;
using mars::tree::LamportClock;
using mars::tree::MergeResult;
using mars::tree::StateTree;

namespace {

// Share of the resources that change one replay link per round.
constexpr double kReplayChangeShare = 0.01;
// The propagate interval of marsd (and its heartbeat tick): what one round
// stands for when CPU time is put in relation to wall time.
constexpr double kIntervalSeconds = 5.0;

// ---- command line ----------------------------------------------------------

struct Options {
    std::size_t hosts = 100;
    std::size_t resources = 300;
    std::size_t sim_hosts = 20;
    std::size_t sim_resources = 0; // 0: resources / 10
    std::size_t rounds = 20;       // observer steady-state rounds
    std::size_t sim_rounds = 5;    // full-simulation steady-state rounds
    std::size_t net_hosts = 8;     // 0: skip the network phase
    std::size_t net_resources = 60;
    double net_seconds = 3;
    fs::path dir = "/var/tmp";
    bool json = false;
};

constexpr const char* kUsage = R"(Usage: gossip-scale [--hosts N] [--resources R] [--rounds N] [--sim-hosts N]
                    [--sim-resources R] [--sim-rounds N] [--net-hosts N] [--net-resources R]
                    [--net-seconds S] [--dir DIR] [--json]

Measures the cost of the state tree's pull gossip with many hosts and
resources: bytes and entries per round against a full-tree transfer, the
per-pull cost as the tree grows, convergence, and a real TLS exchange.

  --hosts N          cluster size of the main (observer) measurement
                     (default 100)
  --resources R      resources of the main measurement (default 300); the
                     per-pull scaling table also runs R/10 and 10R
  --rounds N         steady-state rounds per tree size, observer (default 20)
  --sim-hosts N      hosts of the full simulation, where every host holds a
                     complete tree on disk (default 20)
  --sim-resources R  its resources (default R/10, at least 1)
  --sim-rounds N     its steady-state rounds (default 5; the first is a
                     warm-up and not averaged)
  --net-hosts N      hosts of the real-network phase on 127.0.0.1..N
                     (default 8; 0 skips it)
  --net-resources R  its resources (default 60: 2,300 entries, so the first
                     pull takes two requests; a join writes and fsyncs every
                     directory of the tree on each joining host, which on a
                     slow disk takes far longer than the exchange)
  --net-seconds S    length of its steady-state window (default 3)
  --dir DIR          where the trees live (default /var/tmp); a fresh scratch
                     directory is created in it and removed at the end
  --json             print one JSON object instead of the table
  --help             show this help

Always exits 0 once the benchmark ran; 1 if it could not run, 2 for bad
arguments.
)";

Options parse_options(int argc, char** argv)
{
    Options opt;
    Args args(argc, argv);
    while (args.next()) {
        std::string_view name = args.name();
        if (args.is_flag("--help") || args.is_flag("-h")) {
            std::fputs(kUsage, stdout);
            std::exit(0);
        } else if (name == "--hosts") {
            opt.hosts = parse_count(name, args.value(), 2, 1000);
        } else if (name == "--resources") {
            opt.resources = parse_count(name, args.value(), 1, 100000);
        } else if (name == "--sim-hosts") {
            opt.sim_hosts = parse_count(name, args.value(), 2, 1000);
        } else if (name == "--net-resources") {
            opt.net_resources = parse_count(name, args.value(), 1, 100000);
        } else if (name == "--sim-resources") {
            opt.sim_resources = parse_count(name, args.value(), 1, 100000);
        } else if (name == "--rounds") {
            opt.rounds = parse_count(name, args.value(), 1, 10000);
        } else if (name == "--sim-rounds") {
            opt.sim_rounds = parse_count(name, args.value(), 1, 1000);
        } else if (name == "--net-hosts") {
            opt.net_hosts = parse_count(name, args.value(), 0, 254);
            if (opt.net_hosts == 1)
                throw UsageError("--net-hosts wants 0 (skip) or at least 2");
        } else if (name == "--net-seconds") {
            opt.net_seconds = parse_seconds(name, args.value());
        } else if (name == "--dir") {
            opt.dir = std::string(args.value());
            if (opt.dir.empty())
                throw UsageError("--dir needs a directory");
        } else if (args.is_flag("--json")) {
            opt.json = true;
        } else {
            args.unknown();
        }
    }
    if (opt.sim_resources == 0)
        opt.sim_resources = std::max<std::size_t>(1, opt.resources / 10);
    return opt;
}

// ---- small helpers -----------------------------------------------------------

// CPU time of the whole process (all threads), user + system.
double process_cpu_seconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// On stderr, with the time since the start: the tree's disk writes, not the
// exchange, decide how long a phase takes.
void progress(const std::string& what)
{
    static const auto start = Clock::now();
    std::fprintf(stderr, "gossip-scale [%6.1f s]: %s ...\n", seconds_since(start), what.c_str());
}

std::string with_commas(std::uint64_t n)
{
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string human_bytes(double bytes)
{
    static constexpr const char* kUnits[] = {"B", "KB", "MB", "GB", "TB"};
    std::size_t unit = 0;
    while (bytes >= 1000 && unit + 1 < std::size(kUnits)) {
        bytes /= 1000;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
    return buf;
}

// Library log lines (the gossip threads report peers they cannot reach) are
// collected instead of interleaving with the table.
class LogCollector {
  public:
    void install()
    {
        mars::util::set_log_sink(
            [this](mars::util::Priority p, const std::string& message, const std::vector<mars::util::LogField>&) {
                std::lock_guard lock(mutex_);
                if (p <= mars::util::Priority::warning) {
                    ++warnings_;
                    if (first_.size() < 5)
                        first_.push_back(message);
                }
            });
    }
    std::size_t warnings() const
    {
        std::lock_guard lock(mutex_);
        return warnings_;
    }
    std::vector<std::string> first() const
    {
        std::lock_guard lock(mutex_);
        return first_;
    }

  private:
    mutable std::mutex mutex_;
    std::size_t warnings_ = 0;
    std::vector<std::string> first_;
};

// ---- the cluster model -------------------------------------------------------

struct KeyValue {
    std::string key;
    std::string value;
};

// A cluster as the original MARS would hold it in /mars. `own[h]` are the
// entries host h writes (its ips/ link, its actual-<h>/ and, for each
// resource it is a member of, its -<h> links; the primary also writes the
// resource's size, primary and maxnr; the first host writes the uuid).
struct Model {
    std::vector<std::string> hosts;
    std::vector<std::string> resources;
    std::vector<std::vector<std::size_t>> members; // per resource, the primary first
    std::vector<std::vector<KeyValue>> own;
    std::size_t entries = 0;
    std::size_t global_entries = 0; // uuid, ips/, actual-<host>/

    const KeyValue* find_own(std::size_t host, std::string_view key) const
    {
        for (const auto& kv : own[host])
            if (kv.key == key)
                return &kv;
        return nullptr;
    }
};

// "host-007", "r0042": zero-padded to the width of the largest number.
std::string numbered(std::string_view prefix, std::size_t i, std::size_t count)
{
    std::size_t width = std::max<std::size_t>(3, std::to_string(count > 0 ? count - 1 : 0).size());
    std::string n = std::to_string(i);
    return std::string(prefix) + std::string(width > n.size() ? width - n.size() : 0, '0') + n;
}

std::string log_name(std::uint64_t seq, const std::string& host)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%09" PRIu64, seq);
    return std::string("log-") + buf + "-" + host;
}

// MARS replay link: "<logfile>,<position>,<length>".
std::string replay_value(std::uint64_t seq, const std::string& primary, std::uint64_t position)
{
    return log_name(seq, primary) + "," + std::to_string(position) + ",0";
}

// A stand-in for a hex digest of the given length.
std::string fake_digest(std::uint64_t seed, std::size_t length)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(length, '0');
    std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (auto& c : out) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        c = kHex[(x >> 60) & 15];
    }
    return out;
}

// `name_count` widens the resource numbers (r0042 rather than r042) so that
// models of different sizes nest: the first R resources of a bigger model
// are exactly the model with R resources.
Model make_model(std::size_t hosts, std::size_t resources, const std::function<std::string(std::size_t)>& address,
                 std::size_t name_count = 0)
{
    Model m;
    for (std::size_t h = 0; h < hosts; ++h)
        m.hosts.push_back(numbered("host-", h, hosts));
    m.own.resize(hosts);
    auto add = [&](std::size_t h, std::string key, std::string value) {
        m.own[h].push_back({std::move(key), std::move(value)});
        ++m.entries;
    };
    add(0, "uuid", m.hosts[0] + "_1764000000");
    for (std::size_t h = 0; h < hosts; ++h) {
        const std::string& me = m.hosts[h];
        add(h, "ips/ip-" + me, address(h));
        add(h, "actual-" + me + "/alive", "1");
        add(h, "actual-" + me + "/time", "1");
        add(h, "actual-" + me + "/tree", "1");
    }
    m.global_entries = m.entries;

    std::size_t next = 0; // round-robin over the hosts
    for (std::size_t i = 0; i < resources; ++i) {
        const std::string name = numbered("r", i, std::max(resources, name_count));
        const std::string dir = "resource-" + name + "/";
        const std::size_t k = std::min<std::size_t>(hosts, 2 + i % 2);
        std::vector<std::size_t> members;
        for (std::size_t j = 0; j < k; ++j)
            members.push_back((next + j) % hosts);
        next += k;
        const std::size_t primary = members[0];
        const std::string& primary_name = m.hosts[primary];
        const std::uint64_t seq = 100 + (i * 37) % 900;
        add(primary, dir + "size", "1099511627776");
        add(primary, dir + "primary", primary_name);
        add(primary, dir + "maxnr", std::to_string(seq));
        for (std::size_t mh : members) {
            const std::string& me = m.hosts[mh];
            const bool is_primary = mh == primary;
            char version[16];
            std::snprintf(version, sizeof version, "%09" PRIu64, seq);
            add(mh, dir + "data-" + me, "/dev/vg-mars/" + name);
            add(mh, dir + "device-" + me, name);
            add(mh, dir + "replay-" + me, replay_value(seq, primary_name, 104857600 + i * 4096));
            add(mh, dir + "version-" + version + "-" + me,
                fake_digest(i * 131 + mh, 32) + "," + log_name(seq, primary_name) +
                    ",104857600:" + fake_digest(i * 131 + mh + 7, 32));
            add(mh, dir + "syncstatus-" + me, "1099511627776");
            for (const char* todo : {"attach", "connect", "sync", "allow-replay"})
                add(mh, dir + "todo-" + me + "/" + todo, "1");
            add(mh, dir + "actual-" + me + "/is-attached", "1");
            add(mh, dir + "actual-" + me + "/is-primary", is_primary ? "1" : "0");
            add(mh, dir + "actual-" + me + "/is-replaying", is_primary ? "0" : "1");
            add(mh, dir + "actual-" + me + "/is-copying", "0");
            add(mh, dir + "actual-" + me + "/is-flying", "0");
        }
        m.resources.push_back(name);
        m.members.push_back(std::move(members));
    }
    return m;
}

std::string phase1_address(std::size_t h)
{
    return "10.0." + std::to_string(h / 250) + "." + std::to_string(1 + h % 250);
}

std::size_t replay_changes_for(std::size_t resources)
{
    return std::max<std::size_t>(1, std::size_t(std::lround(double(resources) * kReplayChangeShare)));
}

// One change of a round: `host` writes `kv` in its own tree.
struct Change {
    std::size_t host;
    KeyValue kv;
};

// The replay-link changes of a round: `count` distinct resources, each at a
// random member that advances its replay position.
std::vector<Change> replay_changes(const Model& m, std::size_t count, std::mt19937_64& rng, std::uint64_t round)
{
    std::vector<std::size_t> pick(m.resources.size());
    std::iota(pick.begin(), pick.end(), 0);
    count = std::min(count, pick.size());
    for (std::size_t i = 0; i < count; ++i)
        std::swap(pick[i], pick[i + rng() % (pick.size() - i)]);
    std::vector<Change> out;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t r = pick[i];
        const auto& members = m.members[r];
        const std::size_t host = members[rng() % members.size()];
        const std::string& primary = m.hosts[members[0]];
        out.push_back({host,
                       {"resource-" + m.resources[r] + "/replay-" + m.hosts[host],
                        replay_value(100 + (r * 37) % 900, primary, 104857600 + r * 4096 + (round + 1) * 1048576)}});
    }
    return out;
}

// Heartbeats as ClusterState::heartbeat() writes them: alive and time.
std::vector<Change> heartbeat_changes(const Model& m)
{
    std::vector<Change> out;
    for (std::size_t h = 0; h < m.hosts.size(); ++h) {
        out.push_back({h, {"actual-" + m.hosts[h] + "/alive", "1"}});
        out.push_back({h, {"actual-" + m.hosts[h] + "/time", "1"}});
    }
    return out;
}

// ---- one state tree with its clock -----------------------------------------------

struct TreeHost {
    std::string name;
    fs::path dir;
    std::unique_ptr<LamportClock> clock; // outlives the tree
    std::unique_ptr<StateTree> tree;
};

TreeHost make_tree_host(const fs::path& dir, std::string name)
{
    fs::create_directories(dir);
    TreeHost t;
    t.name = std::move(name);
    t.dir = dir;
    t.clock = std::make_unique<LamportClock>();
    t.tree = std::make_unique<StateTree>(dir, *t.clock);
    return t;
}

// Every directory the full tree needs, created with plain mkdir. The
// in-memory phases use this so that they measure the exchange, not the one-
// time cost of StateTree creating a directory (mkdir plus an fsync of the
// parent, a millisecond or more on a VM disk, about 1,900 times for a 100 x
// 300 tree). Returns how many directories there are.
std::set<std::string> directories_of(const Model& m)
{
    std::set<std::string> dirs;
    for (const auto& own : m.own)
        for (const auto& kv : own)
            for (auto slash = kv.key.find('/'); slash != std::string::npos; slash = kv.key.find('/', slash + 1))
                dirs.insert(kv.key.substr(0, slash));
    return dirs;
}

std::size_t precreate_directories(const fs::path& root, const Model& m)
{
    const auto dirs = directories_of(m);
    for (const auto& d : dirs)
        fs::create_directories(root / d);
    return dirs.size();
}

void merge_or_throw(StateTree& tree, const Entry& e)
{
    if (tree.merge(e) != MergeResult::applied)
        throw std::runtime_error("seeding: entry " + e.key + " was not applied");
}

// ---- the in-memory exchange ------------------------------------------------------

struct Traffic {
    std::uint64_t pulls = 0;    // pull() equivalents (host asks a peer)
    std::uint64_t requests = 0; // get_entries round trips (several for big answers)
    std::uint64_t entries = 0;  // entries in answers
    std::uint64_t bytes = 0;    // entries payload bytes (Entries::encode().size())
    std::uint64_t request_bytes = 0;
    std::uint64_t applied = 0;
    std::uint64_t refused = 0;
    double serve_s = 0; // answer_get_entries + encode, at the serving peer
    double merge_s = 0; // decode + merge_entries, at the puller

    void add(const Traffic& o)
    {
        pulls += o.pulls;
        requests += o.requests;
        entries += o.entries;
        bytes += o.bytes;
        request_bytes += o.request_bytes;
        applied += o.applied;
        refused += o.refused;
        serve_s += o.serve_s;
        merge_s += o.merge_s;
    }
};

// What exchange.cpp's pull() does over a channel, with the channel replaced
// by encode/decode in memory; the serving side is exactly what
// GossipServer::serve() runs for a get_entries.
void pull_in_memory(TreeHost& from, TreeHost& to, PullCursor& cursor, Traffic& t)
{
    ++t.pulls;
    for (;;) {
        mars::net::GetEntries request;
        request.since = cursor.cursor;
        request.epoch = cursor.epoch;
        t.request_bytes += request.encode().size();
        auto t0 = Clock::now();
        const std::vector<std::byte> wire = mars::gossip::answer_get_entries(*from.tree, *from.clock, request).encode();
        auto t1 = Clock::now();
        auto answer = mars::net::Entries::decode(wire);
        auto count = mars::gossip::merge_entries(*to.tree, answer.entries);
        auto t2 = Clock::now();
        ++t.requests;
        t.entries += answer.entries.size();
        t.bytes += wire.size();
        t.applied += count.applied;
        t.refused += count.refused;
        t.serve_s += std::chrono::duration<double>(t1 - t0).count();
        t.merge_s += std::chrono::duration<double>(t2 - t1).count();
        cursor.epoch = answer.epoch;
        cursor.cursor = answer.cursor;
        if (answer.complete)
            return;
    }
}

// A full-tree answer as a peer with cursor 0 gets it: entries, payload bytes
// (all chunks) and how many chunks.
struct FullAnswer {
    std::uint64_t entries = 0;
    std::uint64_t bytes = 0;
    std::uint64_t chunks = 0;
    double seconds = 0; // answer_get_entries + encode of all chunks
};

FullAnswer full_answer(TreeHost& server)
{
    FullAnswer f;
    PullCursor c;
    auto start = Clock::now();
    for (;;) {
        mars::net::GetEntries request;
        request.since = c.cursor;
        request.epoch = c.epoch;
        auto answer = mars::gossip::answer_get_entries(*server.tree, *server.clock, request);
        f.bytes += answer.encode().size();
        f.entries += answer.entries.size();
        ++f.chunks;
        c.epoch = answer.epoch;
        c.cursor = answer.cursor;
        if (answer.complete)
            break;
    }
    f.seconds = seconds_since(start);
    return f;
}

// ---- phase 1a: the full simulation ---------------------------------------------------

struct RoundResult {
    Traffic traffic;
    double wall_s = 0;
    double cpu_s = 0;
};

struct SimReport {
    std::size_t directories = 0; // per tree, precreated
    std::size_t hosts = 0;
    std::size_t resources = 0;
    std::size_t tree_entries = 0;
    std::size_t changes_per_round = 0;
    double seed_s = 0;
    std::vector<RoundResult> convergence;
    bool converged = false;
    double converge_wall_s = 0;
    double converge_cpu_s = 0;
    std::uint64_t symlinks_written = 0;
    std::vector<RoundResult> steady;
    FullAnswer full;

    // The first steady round is a warm-up: it does not yet carry the relays
    // of a previous round's changes.
    std::size_t first_averaged() const { return steady.size() > 1 ? 1 : 0; }
    RoundResult steady_average() const
    {
        RoundResult avg;
        for (std::size_t i = first_averaged(); i < steady.size(); ++i) {
            const auto& r = steady[i];
            avg.traffic.add(r.traffic);
            avg.wall_s += r.wall_s;
            avg.cpu_s += r.cpu_s;
        }
        const double n = double(std::max<std::size_t>(1, steady.size() - first_averaged()));
        avg.wall_s /= n;
        avg.cpu_s /= n;
        auto div = [&](std::uint64_t& v) { v = std::uint64_t(std::llround(double(v) / n)); };
        div(avg.traffic.pulls);
        div(avg.traffic.requests);
        div(avg.traffic.entries);
        div(avg.traffic.bytes);
        div(avg.traffic.request_bytes);
        div(avg.traffic.applied);
        div(avg.traffic.refused);
        avg.traffic.serve_s /= n;
        avg.traffic.merge_s /= n;
        return avg;
    }
    // Steady state: each change reaches every host once and every host
    // serves it once to each of its H-1 pullers.
    std::uint64_t model_entries_per_round() const { return std::uint64_t(hosts) * (hosts - 1) * changes_per_round; }
};

// Every host pulls from every peer once, peers in a rotating order (host h
// starts with h+1) so that no host always serves first.
RoundResult gossip_round(std::vector<TreeHost>& hosts, std::vector<std::vector<PullCursor>>& cursors)
{
    RoundResult r;
    const double cpu0 = process_cpu_seconds();
    const auto start = Clock::now();
    const std::size_t n = hosts.size();
    for (std::size_t h = 0; h < n; ++h)
        for (std::size_t d = 1; d < n; ++d) {
            const std::size_t p = (h + d) % n;
            pull_in_memory(hosts[p], hosts[h], cursors[h][p], r.traffic);
        }
    r.wall_s = seconds_since(start);
    r.cpu_s = process_cpu_seconds() - cpu0;
    if (r.traffic.refused > 0)
        throw std::runtime_error("gossip round: " + std::to_string(r.traffic.refused) + " entries refused");
    return r;
}

SimReport run_simulation(const Options& opt, const fs::path& scratch)
{
    SimReport rep;
    const std::size_t H = opt.sim_hosts;
    const Model m = make_model(H, opt.sim_resources, phase1_address);
    rep.hosts = H;
    rep.resources = opt.sim_resources;
    rep.tree_entries = m.entries;
    const std::size_t replay = replay_changes_for(opt.sim_resources);
    rep.changes_per_round = 2 * H + replay;

    progress("1a: full simulation, " + std::to_string(H) + " trees x " + with_commas(m.entries) + " entries: seeding");
    const fs::path base = scratch / "sim";
    std::vector<TreeHost> hosts;
    std::vector<std::unique_ptr<ClusterState>> clusters;
    for (std::size_t h = 0; h < H; ++h) {
        hosts.push_back(make_tree_host(base / m.hosts[h], m.hosts[h]));
        rep.directories = precreate_directories(hosts.back().dir, m);
        clusters.push_back(std::make_unique<ClusterState>(*hosts.back().tree, m.hosts[h]));
    }
    auto seed_start = Clock::now();
    for (std::size_t h = 0; h < H; ++h)
        for (const auto& kv : m.own[h])
            hosts[h].tree->set(kv.key, kv.value);
    rep.seed_s = seconds_since(seed_start);
    rep.symlinks_written = m.entries;

    std::vector<std::vector<PullCursor>> cursors(H, std::vector<PullCursor>(H));
    const double cpu0 = process_cpu_seconds();
    const auto start = Clock::now();
    for (std::size_t round = 1; round <= 10; ++round) {
        progress("1a: convergence round " + std::to_string(round));
        rep.convergence.push_back(gossip_round(hosts, cursors));
        rep.symlinks_written += rep.convergence.back().traffic.applied;
        if (rep.convergence.back().traffic.applied == 0)
            break;
    }
    rep.converge_wall_s = seconds_since(start);
    rep.converge_cpu_s = process_cpu_seconds() - cpu0;
    rep.converged = rep.convergence.back().traffic.applied == 0;
    for (const auto& h : hosts)
        rep.converged = rep.converged && h.tree->size() == m.entries;
    rep.full = full_answer(hosts[0]);

    std::mt19937_64 rng(42);
    for (std::size_t round = 0; round < opt.sim_rounds; ++round) {
        progress("1a: steady-state round " + std::to_string(round + 1) + "/" + std::to_string(opt.sim_rounds));
        for (auto& c : clusters)
            c->heartbeat();
        for (const auto& c : replay_changes(m, replay, rng, round))
            hosts[c.host].tree->set(c.kv.key, c.kv.value);
        rep.steady.push_back(gossip_round(hosts, cursors));
        rep.symlinks_written += rep.steady.back().traffic.applied + rep.changes_per_round;
    }
    progress("1a: removing " + with_commas(rep.symlinks_written) + " symlinks");
    hosts.clear();
    clusters.clear();
    std::error_code ec;
    fs::remove_all(base, ec);
    return rep;
}

// ---- phase 1b: one server tree, H-1 simulated pullers ----------------------------------

struct ScaleRow {
    std::size_t hosts = 0;
    std::size_t resources = 0;
    std::size_t tree_entries = 0;
    std::size_t directories = 0;
    std::size_t changes_per_round = 0;
    std::size_t rounds = 0;
    double fill_s = 0; // growing the server tree to this size (merging the new entries)
    // Incremental answers, per answer (averages over rounds and pullers).
    double entries_per_answer = 0;
    double bytes_per_answer = 0;
    double us_per_answer = 0;     // answer_get_entries + encode, wall
    double cpu_us_per_answer = 0; // the same, CPU
    // A full-tree answer (cursor 0).
    FullAnswer full;
    double us_per_full_answer = 0; // best of 3
    // One host's work per round.
    double server_ms_per_round = 0;    // answering H-1 pulls
    double apply_ms_per_round = 0;     // applying the round's changes once (symlink writes)
    double duplicate_ms_per_round = 0; // decode + merge of H-1 answers holding changes already applied
    double us_per_duplicate_answer = 0;
    double host_ms_per_round() const { return server_ms_per_round + apply_ms_per_round + duplicate_ms_per_round; }
};

// Adds to `tree` every entry of `m` it does not hold yet, as merges of what
// the owners wrote. Returns how many.
std::size_t grow_tree(StateTree& tree, const Model& m, LamportClock& world)
{
    std::size_t added = 0;
    for (const auto& own : m.own)
        for (const auto& kv : own)
            if (!tree.get_raw(kv.key)) {
                merge_or_throw(tree, Entry{kv.key, kv.value, world.now()});
                ++added;
            }
    return added;
}

// One server tree, grown through the nested models of `sizes` (ascending):
// at each size, full answers are timed and then `opt.rounds` steady-state
// rounds run against it. One tree built once keeps the disk work (and its
// removal, a directory at a time) to what the largest size needs.
std::vector<ScaleRow> run_observer(const Options& opt, const std::vector<std::size_t>& sizes, std::size_t replay,
                                   const fs::path& scratch)
{
    std::vector<ScaleRow> rows;
    const std::size_t peers = opt.hosts - 1;
    const std::size_t name_count = sizes.back();
    const fs::path base = scratch / "observer";
    LamportClock world; // the other hosts' clocks
    const std::string own_name = numbered("host-", 0, opt.hosts);
    TreeHost server = make_tree_host(base / own_name, own_name);
    std::mt19937_64 rng(42);
    std::uint64_t round_number = 0;

    for (std::size_t resources : sizes) {
        ScaleRow row;
        const Model m = make_model(opt.hosts, resources, phase1_address, name_count);
        row.hosts = opt.hosts;
        row.resources = resources;
        row.tree_entries = m.entries;
        row.changes_per_round = 2 * opt.hosts + replay;
        row.rounds = opt.rounds;

        progress("1b: growing the server tree to " + std::to_string(resources) + " resources (" +
                 with_commas(m.entries) + " entries)");
        row.directories = precreate_directories(server.dir, m);
        auto start = Clock::now();
        grow_tree(*server.tree, m, world);
        row.fill_s = seconds_since(start);
        if (server.tree->size() != m.entries)
            throw std::runtime_error("observer: the server tree holds " + std::to_string(server.tree->size()) +
                                     " entries, not " + std::to_string(m.entries));

        row.full = full_answer(server);
        row.us_per_full_answer = row.full.seconds * 1e6;
        for (int i = 0; i < 2; ++i)
            row.us_per_full_answer = std::min(row.us_per_full_answer, full_answer(server).seconds * 1e6);

        // The simulated peers start converged: at the server's current cursor.
        PullCursor converged;
        for (;;) {
            mars::net::GetEntries request;
            request.since = converged.cursor;
            request.epoch = converged.epoch;
            auto answer = mars::gossip::answer_get_entries(*server.tree, *server.clock, request);
            converged.epoch = answer.epoch;
            converged.cursor = answer.cursor;
            if (answer.complete)
                break;
        }
        std::vector<PullCursor> cursors(peers, converged);

        const auto heartbeats = heartbeat_changes(m);
        double serve_wall = 0, serve_cpu = 0, apply_wall = 0, duplicate_wall = 0;
        std::uint64_t answers = 0, entries = 0, bytes = 0, duplicate_answers = 0;
        progress("1b: " + std::to_string(resources) + " resources: " + std::to_string(opt.rounds) +
                 " steady-state rounds");
        for (std::size_t round = 0; round < opt.rounds; ++round, ++round_number) {
            // The round's changes reach the host: its own by set(), the
            // others' as the merge of the first copy a peer sends.
            auto changes = heartbeats;
            for (auto& c : replay_changes(m, replay, rng, round_number))
                changes.push_back(std::move(c));
            const auto t_apply = Clock::now();
            for (const auto& c : changes) {
                if (c.host == 0)
                    server.tree->set(c.kv.key, c.kv.value);
                else
                    merge_or_throw(*server.tree, Entry{c.kv.key, c.kv.value, world.now()});
            }
            apply_wall += seconds_since(t_apply);

            // Serving: every peer pulls what changed since its cursor.
            std::vector<std::vector<std::byte>> wires_of_first; // what peer 0 got
            const double cpu0 = process_cpu_seconds();
            const auto t_serve = Clock::now();
            for (std::size_t p = 0; p < peers; ++p) {
                for (;;) {
                    mars::net::GetEntries request;
                    request.since = cursors[p].cursor;
                    request.epoch = cursors[p].epoch;
                    auto answer = mars::gossip::answer_get_entries(*server.tree, *server.clock, request);
                    std::vector<std::byte> wire = answer.encode();
                    ++answers;
                    entries += answer.entries.size();
                    bytes += wire.size();
                    cursors[p].epoch = answer.epoch;
                    cursors[p].cursor = answer.cursor;
                    if (p == 0)
                        wires_of_first.push_back(std::move(wire));
                    if (answer.complete)
                        break;
                }
            }
            serve_wall += seconds_since(t_serve);
            serve_cpu += process_cpu_seconds() - cpu0;

            // Pulling: every one of the host's H-1 peers has applied the
            // round's changes too and sends them; beyond the first copy
            // (timed above as the apply) they are not newer. Peer 0's answer
            // stands for them all.
            const auto t_dup = Clock::now();
            for (std::size_t p = 0; p < peers; ++p) {
                for (const auto& wire : wires_of_first) {
                    auto answer = mars::net::Entries::decode(wire);
                    auto count = mars::gossip::merge_entries(*server.tree, answer.entries);
                    if (count.refused > 0 || count.applied > 0)
                        throw std::runtime_error("observer: a copy of applied changes was applied or refused");
                }
                ++duplicate_answers;
            }
            duplicate_wall += seconds_since(t_dup);
        }
        const double rounds = double(opt.rounds);
        row.entries_per_answer = double(entries) / double(answers);
        row.bytes_per_answer = double(bytes) / double(answers);
        row.us_per_answer = serve_wall * 1e6 / double(answers);
        row.cpu_us_per_answer = serve_cpu * 1e6 / double(answers);
        row.server_ms_per_round = serve_wall * 1e3 / rounds;
        row.apply_ms_per_round = apply_wall * 1e3 / rounds;
        row.duplicate_ms_per_round = duplicate_wall * 1e3 / rounds;
        row.us_per_duplicate_answer = duplicate_wall * 1e6 / double(duplicate_answers);
        rows.push_back(row);
    }

    progress("1b: removing the server tree (" + with_commas(server.tree->size()) + " entries, " +
             with_commas(rows.back().directories) + " directories)");
    server.tree.reset();
    std::error_code ec;
    fs::remove_all(base, ec);
    return rows;
}

// ---- phase 2: real servers and clients over TLS ---------------------------------------

struct NetReport {
    bool ran = false;
    std::size_t hosts = 0;
    std::size_t resources = 0;
    std::size_t tree_entries = 0;
    double seed_s = 0; // host 0's tree, as StateTree writes it (directories fsynced)
    std::string security = "psk";
    std::uint16_t port = 0;
    int interval_ms = 0;
    bool converged = false;
    bool identical = false;
    double converge_s = 0;
    double converge_cpu_s = 0;
    std::uint64_t converge_pulls = 0;
    double settle_s = 0; // until every puller pulled twice more (relayed copies served)
    // Steady-state window.
    double window_s = 0;
    std::size_t ticks = 0;
    std::size_t changes_per_tick = 0;
    std::uint64_t window_pulls = 0;
    double window_cpu_s = 0;
    std::uint64_t lo_bytes = 0; // loopback counter, system-wide
    bool window_converged = false;
    // Latency of one change to every host, pullers triggered.
    std::vector<double> latency_ms;
    std::size_t warnings = 0;
    std::vector<std::string> first_warnings;
};

struct NetHost {
    std::string name;
    std::string address;
    std::unique_ptr<LamportClock> clock;
    std::unique_ptr<StateTree> tree;
    std::unique_ptr<ClusterState> cluster;
    std::unique_ptr<mars::gossip::GossipServer> server;
    std::unique_ptr<mars::gossip::GossipClient> client;
    // What the server's peer_notified reaches (as marsd's trigger(host)):
    // set once the client exists, cleared before it goes.
    std::atomic<mars::gossip::GossipClient*> notify_target{nullptr};
};

// Received bytes of the loopback interface (includes TCP/IP and TLS
// overhead, and any other traffic on lo): 0 if unreadable.
std::uint64_t loopback_bytes()
{
    std::ifstream in("/proc/net/dev");
    std::string line;
    while (std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        std::string name = line.substr(0, colon);
        name.erase(0, name.find_first_not_of(' '));
        if (name != "lo")
            continue;
        std::istringstream fields(line.substr(colon + 1));
        std::uint64_t rx = 0;
        fields >> rx;
        return rx;
    }
    return 0;
}

std::uint64_t total_pulls(const std::vector<NetHost>& hosts)
{
    std::uint64_t n = 0;
    for (const auto& h : hosts)
        for (const auto& [peer, st] : h.client->status())
            n += st.pulls;
    return n;
}

std::uint64_t min_pulls(const std::vector<NetHost>& hosts)
{
    std::uint64_t n = UINT64_MAX;
    for (const auto& h : hosts)
        for (const auto& [peer, st] : h.client->status())
            n = std::min(n, st.pulls);
    return n;
}

bool all_identical(const std::vector<NetHost>& hosts)
{
    const auto reference = hosts[0].tree->list("");
    for (std::size_t i = 1; i < hosts.size(); ++i)
        if (hosts[i].tree->list("") != reference)
            return false;
    return true;
}

// Polls `done` every millisecond until it holds or `limit` passes.
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit)
{
    const auto deadline = Clock::now() + limit;
    while (!done()) {
        if (Clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

NetReport run_network(const Options& opt, const fs::path& scratch, LogCollector& logs)
{
    NetReport rep;
    rep.ran = true;
    rep.hosts = opt.net_hosts;
    rep.resources = opt.net_resources;
    const auto interval = std::chrono::milliseconds(200);
    rep.interval_ms = int(interval.count());
    const Model m =
        make_model(opt.net_hosts, opt.net_resources, [](std::size_t h) { return "127.0.0." + std::to_string(h + 1); });
    rep.tree_entries = m.entries;
    const fs::path base = scratch / "net";
    fs::create_directories(base);

    const fs::path psk_file = base / "psk";
    mars::net::generate_psk_file(psk_file);
    mars::net::SecurityOptions security;
    security.mode = mars::config::SecurityMode::psk;
    security.psk = mars::net::load_psk(psk_file);

    progress("2: " + std::to_string(opt.net_hosts) + " hosts on 127.0.0.1.." + std::to_string(opt.net_hosts) +
             ", seeding host 0 with " + with_commas(m.entries) + " entries");
    std::vector<NetHost> hosts(opt.net_hosts);
    LamportClock world;
    // Every host knows the cluster (uuid, every member's ips/ link); host 0
    // holds everything else too, as the only one that has seen it so far.
    std::vector<Entry> membership;
    for (std::size_t h = 0; h < opt.net_hosts; ++h)
        for (const auto& kv : m.own[h])
            if (kv.key == "uuid" || kv.key.rfind("ips/", 0) == 0)
                membership.push_back(Entry{kv.key, kv.value, world.now()});
    for (std::size_t h = 0; h < opt.net_hosts; ++h) {
        NetHost& n = hosts[h];
        n.name = m.hosts[h];
        n.address = "127.0.0." + std::to_string(h + 1);
        fs::create_directories(base / n.name);
        n.clock = std::make_unique<LamportClock>();
        n.tree = std::make_unique<StateTree>(base / n.name, *n.clock);
        n.cluster = std::make_unique<ClusterState>(*n.tree, n.name);
        for (const auto& e : membership)
            merge_or_throw(*n.tree, e);
    }
    const auto seed_start = Clock::now();
    for (std::size_t h = 0; h < opt.net_hosts; ++h)
        for (const auto& kv : m.own[h])
            if (kv.key != "uuid" && kv.key.rfind("ips/", 0) != 0)
                merge_or_throw(*hosts[0].tree, Entry{kv.key, kv.value, world.now()});
    rep.seed_s = seconds_since(seed_start);

    // One port for every host (GossipClient dials each member's address at
    // ClientOptions::port): the ephemeral port host 0 got, on the others'
    // addresses too; another one if that is taken somewhere.
    for (int attempt = 0;; ++attempt) {
        try {
            std::uint16_t port = 0;
            for (auto& n : hosts) {
                mars::gossip::ServerOptions so;
                so.listen_address = n.address;
                so.port = port;
                so.security = security;
                // As marsd: a peer that says it changed is pulled from at once.
                auto notified = [&n](const std::string& peer) {
                    if (auto* c = n.notify_target.load())
                        c->trigger(peer);
                };
                n.server = std::make_unique<mars::gossip::GossipServer>(
                    *n.tree, *n.clock, *n.cluster, so, [] {}, notified);
                port = n.server->port();
            }
            rep.port = port;
            break;
        } catch (const mars::net::NetError&) {
            for (auto& n : hosts)
                n.server.reset();
            if (attempt == 9)
                throw;
        }
    }

    progress("2: starting " + std::to_string(opt.net_hosts) + " gossip clients, waiting for convergence");
    const double cpu0 = process_cpu_seconds();
    const auto start = Clock::now();
    for (auto& n : hosts) {
        mars::gossip::ClientOptions co;
        co.port = rep.port;
        co.security = security;
        co.interval = interval;
        co.retry = interval;
        n.client = std::make_unique<mars::gossip::GossipClient>(*n.tree, *n.clock, *n.cluster, co, [] {});
        n.notify_target = n.client.get();
        n.client->update_members();
    }
    rep.converged = wait_for(
        [&] {
            for (const auto& n : hosts)
                if (n.tree->size() != m.entries)
                    return false;
            return true;
        },
        std::chrono::seconds(120));
    rep.converge_s = seconds_since(start);
    rep.converge_cpu_s = process_cpu_seconds() - cpu0;
    rep.converge_pulls = total_pulls(hosts);
    rep.identical = rep.converged && all_identical(hosts);

    // The relays: every host serves what it merged to its other pullers once.
    const std::uint64_t pulls_then = min_pulls(hosts);
    wait_for([&] { return min_pulls(hosts) >= pulls_then + 2; }, std::chrono::seconds(60));
    rep.settle_s = seconds_since(start);

    progress("2: steady-state window of " + std::to_string(opt.net_seconds) + " s");
    const std::size_t replay = replay_changes_for(opt.net_resources);
    rep.changes_per_tick = 2 * opt.net_hosts + replay;
    std::mt19937_64 rng(7);
    const std::uint64_t pulls0 = total_pulls(hosts);
    const std::uint64_t lo0 = loopback_bytes();
    const double wcpu0 = process_cpu_seconds();
    const auto wstart = Clock::now();
    auto next_tick = wstart;
    while (seconds_since(wstart) < opt.net_seconds) {
        for (auto& n : hosts)
            n.cluster->heartbeat();
        for (const auto& c : replay_changes(m, replay, rng, rep.ticks))
            hosts[c.host].tree->set(c.kv.key, c.kv.value);
        ++rep.ticks;
        next_tick += interval;
        std::this_thread::sleep_until(next_tick);
    }
    rep.window_s = seconds_since(wstart);
    rep.window_cpu_s = process_cpu_seconds() - wcpu0;
    rep.window_pulls = total_pulls(hosts) - pulls0;
    const std::uint64_t lo1 = loopback_bytes();
    rep.lo_bytes = lo1 >= lo0 ? lo1 - lo0 : 0;
    rep.window_converged = wait_for([&] { return all_identical(hosts); }, std::chrono::seconds(10));

    progress("2: latency of one change to every host");
    for (std::size_t trial = 0; trial < 5; ++trial) {
        NetHost& writer = hosts[(trial * 3 + 1) % hosts.size()];
        const std::string value = "trial-" + std::to_string(trial);
        const auto t0 = Clock::now();
        // As marsd's tree_changed_locally(): write, then notify the peers,
        // whose servers trigger their pullers for us.
        writer.tree->set("bench-marker", value);
        writer.client->notify_peers();
        bool ok = wait_for(
            [&] {
                for (const auto& n : hosts) {
                    auto e = n.tree->get("bench-marker");
                    if (!e || e->value != value)
                        return false;
                }
                return true;
            },
            std::chrono::seconds(10));
        rep.latency_ms.push_back(ok ? seconds_since(t0) * 1e3 : -1);
    }

    progress("2: stopping");
    for (auto& n : hosts)
        n.notify_target = nullptr;
    for (auto& n : hosts)
        n.client.reset();
    for (auto& n : hosts)
        n.server.reset();
    hosts.clear();
    rep.warnings = logs.warnings();
    rep.first_warnings = logs.first();
    std::error_code ec;
    fs::remove_all(base, ec);
    return rep;
}

// ---- the whole run -----------------------------------------------------------------

struct Report {
    fs::path dir;
    std::string fs_type;
    std::size_t hosts = 0;
    std::size_t resources = 0;
    Model main_model; // H x R, for the entry count
    std::size_t replay_changes = 0;
    SimReport sim;
    std::vector<ScaleRow> scale;
    std::size_t main_row = 0;
    NetReport net;
    double total_s = 0;

    const ScaleRow& main() const { return scale[main_row]; }
    std::uint64_t pulls_per_round() const { return std::uint64_t(hosts) * (hosts - 1); }
};

Report run_all(const Options& opt, const fs::path& scratch, const std::string& fs_type, LogCollector& logs)
{
    const auto start = Clock::now();
    Report rep;
    rep.dir = scratch;
    rep.fs_type = fs_type;
    rep.hosts = opt.hosts;
    rep.resources = opt.resources;
    rep.main_model = make_model(opt.hosts, opt.resources, phase1_address, opt.resources * 10);
    rep.replay_changes = replay_changes_for(opt.resources);

    rep.sim = run_simulation(opt, scratch);

    // The same change set for every tree size, so that only the tree grows.
    std::vector<std::size_t> sizes = {std::max<std::size_t>(1, opt.resources / 10), opt.resources, opt.resources * 10};
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    rep.main_row = std::size_t(std::find(sizes.begin(), sizes.end(), opt.resources) - sizes.begin());
    rep.scale = run_observer(opt, sizes, rep.replay_changes, scratch);

    if (opt.net_hosts > 0)
        rep.net = run_network(opt, scratch, logs);
    rep.total_s = seconds_since(start);
    return rep;
}

// ---- output ----------------------------------------------------------------------

double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Cluster-wide figures of the main configuration, per round.
struct Totals {
    double pulls = 0;
    double inc_entries = 0;
    double inc_bytes = 0;
    double full_entries = 0;
    double full_bytes = 0;
};

Totals totals(const Report& rep)
{
    const ScaleRow& mr = rep.main();
    Totals t;
    t.pulls = double(rep.pulls_per_round());
    t.inc_entries = mr.entries_per_answer * t.pulls;
    t.inc_bytes = mr.bytes_per_answer * t.pulls;
    t.full_entries = double(mr.tree_entries) * t.pulls;
    t.full_bytes = double(mr.full.bytes) * t.pulls;
    return t;
}

std::uint64_t convergence_entries(const SimReport& s)
{
    std::uint64_t n = 0;
    for (const auto& r : s.convergence)
        n += r.traffic.entries;
    return n;
}

void print_round(const std::string& label, const RoundResult& r)
{
    std::printf("  %-12s %11s %10s %9s %7.3f %7.3f %7.3f %7.3f\n", label.c_str(),
                with_commas(r.traffic.entries).c_str(), human_bytes(double(r.traffic.bytes)).c_str(),
                with_commas(r.traffic.applied).c_str(), r.wall_s, r.cpu_s, r.traffic.serve_s, r.traffic.merge_s);
}

void print_table(const Report& rep, const Options& opt)
{
    const Model& m = rep.main_model;
    const std::size_t H = rep.hosts;
    const std::size_t resource_entries = m.entries - m.global_entries;
    std::printf("gossip-scale: %s (%s)\n", rep.dir.c_str(), rep.fs_type.c_str());
    std::printf("cluster model: %zu hosts x %zu resources (2 or 3 member hosts each, round-robin) = %s entries per "
                "tree\n  %zu global (uuid, ips/ip-*, actual-<host>/{alive,time,tree}) + %s below resource-*/ (%.1f per "
                "resource), in %s directories\n",
                H, rep.resources, with_commas(m.entries).c_str(), m.global_entries,
                with_commas(resource_entries).c_str(), ratio(double(resource_entries), double(m.resources.size())),
                with_commas(directories_of(m).size()).c_str());
    std::printf("a round stands for one propagate interval (%.0f s): every host heartbeats (alive + time, as "
                "ClusterState::heartbeat()),\n  %zu resources (%.0f%% of %zu) advance one replay link: %zu changes; "
                "every host pulls once from each of its %zu peers (%s pulls)\n",
                kIntervalSeconds, rep.replay_changes, kReplayChangeShare * 100, rep.resources,
                2 * H + rep.replay_changes, H - 1, with_commas(rep.pulls_per_round()).c_str());
    std::printf("bytes: entries-answer payloads (Entries::encode().size()); frames add 12 B, TLS its records\n");

    // 1a
    const SimReport& s = rep.sim;
    std::printf("\n[1a] full simulation: %zu hosts, each a real StateTree on disk, %zu resources (%s entries per "
                "converged tree).\n  Exchange in memory: GetEntries(cursor, epoch) -> answer_get_entries -> encode -> "
                "decode -> merge_entries,\n  repeated while incomplete, as pull() does; host h pulls from h+1, h+2, "
                "... Directories created up front (%zu per tree).\n",
                s.hosts, s.resources, with_commas(s.tree_entries).c_str(), s.directories);
    std::printf("  seeding: every host wrote its own entries, %s in all, in %.2f s\n",
                with_commas(s.tree_entries).c_str(), s.seed_s);
    std::printf("  %-12s %11s %10s %9s %7s %7s %7s %7s\n", "round", "entries", "bytes", "applied", "wall s", "cpu s",
                "serve s", "merge s");
    for (std::size_t i = 0; i < s.convergence.size(); ++i)
        print_round("converge " + std::to_string(i + 1), s.convergence[i]);
    for (std::size_t i = 0; i < s.steady.size(); ++i)
        print_round("steady " + std::to_string(i + 1), s.steady[i]);
    std::printf("  (serve: answer_get_entries + encode; merge: decode + merge_entries, including the symlink writes of "
                "applied entries)\n");
    const std::uint64_t conv_entries = convergence_entries(s);
    const RoundResult avg = s.steady_average();
    const double sim_pulls = double(s.hosts) * double(s.hosts - 1);
    std::printf("  converged: %s after %zu rounds (the last applied nothing), %.2f s wall, %.2f s cpu; %s entries sent "
                "= %.2f x H(H-1) x tree\n",
                s.converged ? "yes, every tree holds the full tree" : "NO", s.convergence.size(), s.converge_wall_s,
                s.converge_cpu_s, with_commas(conv_entries).c_str(),
                ratio(double(conv_entries), sim_pulls * double(s.tree_entries)));
    std::printf("  steady round (average of rounds %zu..%zu): %s entries / %s, model H(H-1) x %zu changes = %s "
                "entries;\n  a full tree per pull would be %s entries / %s (ratio %.4f bytes); cpu %.3f s for all %zu "
                "hosts\n",
                s.first_averaged() + 1, s.steady.size(), with_commas(avg.traffic.entries).c_str(),
                human_bytes(double(avg.traffic.bytes)).c_str(), s.changes_per_round,
                with_commas(s.model_entries_per_round()).c_str(),
                with_commas(std::uint64_t(sim_pulls * double(s.tree_entries))).c_str(),
                human_bytes(sim_pulls * double(s.full.bytes)).c_str(),
                ratio(double(avg.traffic.bytes), sim_pulls * double(s.full.bytes)), avg.cpu_s, s.hosts);

    // 1b
    std::printf("\n[1b] observer, %zu hosts: ONE server tree holds the converged tree and answers the pulls of %zu "
                "simulated peers\n  (their cursors) each round; the same %zu changes per round at every tree size, "
                "%zu rounds each. Directories created up front.\n",
                H, H - 1, 2 * H + rep.replay_changes, opt.rounds);
    std::printf("  %9s %9s %7s %8s %9s %9s %8s %9s %7s %8s %8s\n", "resources", "entries", "ent/ans", "B/ans",
                "us/answer", "us/full", "full/inc", "full B", "srv ms", "apply ms", "dup ms");
    for (const auto& r : rep.scale)
        std::printf("  %9zu %9s %7.1f %8.0f %9.1f %9.0f %8.0f %9s %7.2f %8.2f %8.2f\n", r.resources,
                    with_commas(r.tree_entries).c_str(), r.entries_per_answer, r.bytes_per_answer, r.us_per_answer,
                    r.us_per_full_answer, ratio(r.us_per_full_answer, r.us_per_answer),
                    human_bytes(double(r.full.bytes)).c_str(), r.server_ms_per_round, r.apply_ms_per_round,
                    r.duplicate_ms_per_round);
    std::printf("  us/answer: answer_get_entries + encode of one incremental answer (wall); us/full: the same from "
                "cursor 0, all chunks\n  of %zu entries, best of 3. One host per round: srv = answering its %zu "
                "pullers, apply = merging the round's changes\n  once (symlink writes), dup = decode + merge of the "
                "%zu copies every peer sends (not newer, nothing written).\n",
                mars::gossip::kEntriesPerAnswer, H - 1, H - 1);
    std::printf("  the tree grew in place from size to size (nested models); merging the new entries took:\n");
    for (const auto& r : rep.scale)
        std::printf("    %.2f s to reach %s entries in %s directories\n", r.fill_s, with_commas(r.tree_entries).c_str(),
                    with_commas(r.directories).c_str());

    // 2
    const NetReport& n = rep.net;
    if (n.ran) {
        std::printf(
            "\n[2] real network: %zu GossipServer + GossipClient pairs in this process on 127.0.0.1..%zu:%u, "
            "TLS 1.3 with a fresh PSK,\n  pull interval %d ms, notify wired to trigger(host) as in marsd; trees "
            "on disk as marsd writes them\n",
            n.hosts, n.hosts, unsigned(n.port), n.interval_ms);
        std::printf("  host 0 held all %s entries (%zu hosts x %zu resources; written in %.2f s), the others only "
                    "uuid + ips/\n",
                    with_commas(n.tree_entries).c_str(), n.hosts, n.resources, n.seed_s);
        std::printf("  convergence: %s in %.2f s (%.2f s cpu, %s pull rounds); contents identical: %s; the relayed "
                    "copies served by %.2f s\n",
                    n.converged ? "all trees full" : "NOT reached", n.converge_s, n.converge_cpu_s,
                    with_commas(n.converge_pulls).c_str(), n.identical ? "yes" : "NO", n.settle_s);
        std::printf("  steady window: %.2f s, %zu ticks x %zu changes, %s pull rounds, %.3f s cpu = %.0f us cpu per "
                    "pull round (TLS included);\n  loopback %s = %s per pull round (system-wide lo counter, TCP + TLS "
                    "included); all trees equal afterwards: %s\n",
                    n.window_s, n.ticks, n.changes_per_tick, with_commas(n.window_pulls).c_str(), n.window_cpu_s,
                    ratio(n.window_cpu_s * 1e6, double(n.window_pulls)), human_bytes(double(n.lo_bytes)).c_str(),
                    human_bytes(ratio(double(n.lo_bytes), double(n.window_pulls))).c_str(),
                    n.window_converged ? "yes" : "NO");
        std::printf("  one change to all %zu hosts (set + notify_peers, as marsd), ms:", n.hosts);
        for (double l : n.latency_ms)
            std::printf(" %.1f", l);
        std::printf("\n");
        if (n.warnings > 0) {
            std::printf("  library warnings logged: %zu, the first:", n.warnings);
            for (const auto& w : n.first_warnings)
                std::printf("\n    %s", w.c_str());
            std::printf("\n");
        }
    } else {
        std::printf("\n[2] real network: skipped (--net-hosts 0)\n");
    }

    // Summary: one line per claim.
    const ScaleRow& mr = rep.main();
    const Totals t = totals(rep);
    std::printf("\nsummary (%zu hosts x %zu resources, %s entries per tree; cluster-wide per round = %s pulls, from "
                "[1b] x H):\n",
                H, rep.resources, with_commas(mr.tree_entries).c_str(), with_commas(rep.pulls_per_round()).c_str());
    std::printf("steady-state round: %s entries / %s incremental vs %s entries / %s full tree (ratio %.4f entries, "
                "%.4f bytes)\n",
                with_commas(std::uint64_t(t.inc_entries)).c_str(), human_bytes(t.inc_bytes).c_str(),
                with_commas(std::uint64_t(t.full_entries)).c_str(), human_bytes(t.full_bytes).c_str(),
                ratio(t.inc_entries, t.full_entries), ratio(t.inc_bytes, t.full_bytes));
    const ScaleRow& small = rep.scale.front();
    const ScaleRow& large = rep.scale.back();
    std::printf("per-pull cost vs tree size: ");
    for (std::size_t i = 0; i < rep.scale.size(); ++i)
        std::printf("%s%s entries %.1f us", i ? ", " : "", with_commas(rep.scale[i].tree_entries).c_str(),
                    rep.scale[i].us_per_answer);
    std::printf(" per answer of ~%.0f entries: tree x%.1f, cost x%.2f (a full answer: x%.1f)\n", mr.entries_per_answer,
                ratio(double(large.tree_entries), double(small.tree_entries)),
                ratio(large.us_per_answer, small.us_per_answer),
                ratio(large.us_per_full_answer, small.us_per_full_answer));
    std::printf(
        "host cost per round: gossip %.2f ms (serve %zu answers %.2f ms + merge %zu not-newer copies %.2f ms) "
        "+ writing the %zu changes %.2f ms\n  (%.0f us per symlink write on this filesystem) = %.3f%% of a core "
        "at a %.0f s interval; %s in and %s out per host\n",
        mr.server_ms_per_round + mr.duplicate_ms_per_round, H - 1, mr.server_ms_per_round, H - 1,
        mr.duplicate_ms_per_round, mr.changes_per_round, mr.apply_ms_per_round,
        ratio(mr.apply_ms_per_round * 1e3, double(mr.changes_per_round)),
        mr.host_ms_per_round() / (kIntervalSeconds * 10), kIntervalSeconds,
        human_bytes(mr.bytes_per_answer * double(H - 1)).c_str(),
        human_bytes(mr.bytes_per_answer * double(H - 1)).c_str());
    std::printf("model check ([1a], %zu hosts x %zu resources, all trees real): %s entries per steady round measured "
                "vs %s predicted (%.3f)\n",
                s.hosts, s.resources, with_commas(avg.traffic.entries).c_str(),
                with_commas(s.model_entries_per_round()).c_str(),
                ratio(double(avg.traffic.entries), double(s.model_entries_per_round())));
    std::printf("convergence from scratch ([1a]): %s in %zu rounds, %.2f s; it sent %.2f x H(H-1) x tree entries "
                "(each host gets the tree from every peer)\n",
                s.converged ? "converged" : "NOT converged", s.convergence.size(), s.converge_wall_s,
                ratio(double(conv_entries), sim_pulls * double(s.tree_entries)));
    if (n.ran)
        std::printf("real network ([2], %zu hosts x %zu resources, TLS): %s entries everywhere in %.2f s; one change "
                    "reaches all hosts in %.1f ms (median of %zu)\n",
                    n.hosts, n.resources, with_commas(n.tree_entries).c_str(), n.converge_s, median(n.latency_ms),
                    n.latency_ms.size());
    std::printf("total run time %.1f s\n", rep.total_s);
}

void print_json_round(const RoundResult& r, bool last)
{
    std::printf("      {\"entries\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"applied\": %" PRIu64 ", \"pulls\": %" PRIu64
                ", \"requests\": %" PRIu64 ", \"request_bytes\": %" PRIu64
                ", \"wall_s\": %.6f, \"cpu_s\": %.6f, \"serve_s\": %.6f, \"merge_s\": %.6f}%s\n",
                r.traffic.entries, r.traffic.bytes, r.traffic.applied, r.traffic.pulls, r.traffic.requests,
                r.traffic.request_bytes, r.wall_s, r.cpu_s, r.traffic.serve_s, r.traffic.merge_s, last ? "" : ",");
}

void print_json(const Report& rep, const Options& opt)
{
    const Model& m = rep.main_model;
    std::printf("{\n  \"dir\": %s,\n  \"filesystem\": %s,\n  \"hosts\": %zu,\n  \"resources\": %zu,\n",
                json_string(rep.dir.string()).c_str(), json_string(rep.fs_type).c_str(), rep.hosts, rep.resources);
    std::printf("  \"tree_entries\": %zu,\n  \"global_entries\": %zu,\n  \"directories\": %zu,\n"
                "  \"changes_per_round\": %zu,\n  \"interval_s\": %.1f,\n",
                m.entries, m.global_entries, directories_of(m).size(), 2 * rep.hosts + rep.replay_changes,
                kIntervalSeconds);
    const SimReport& s = rep.sim;
    std::printf("  \"simulation\": {\n    \"hosts\": %zu, \"resources\": %zu, \"tree_entries\": %zu, "
                "\"changes_per_round\": %zu, \"seed_s\": %.6f,\n    \"converged\": %s, \"converge_wall_s\": %.6f, "
                "\"converge_cpu_s\": %.6f, \"full_tree_bytes\": %" PRIu64 ",\n",
                s.hosts, s.resources, s.tree_entries, s.changes_per_round, s.seed_s, s.converged ? "true" : "false",
                s.converge_wall_s, s.converge_cpu_s, s.full.bytes);
    std::printf("    \"model_entries_per_round\": %" PRIu64 ", \"steady_average_from_round\": %zu,\n"
                "    \"convergence_rounds\": [\n",
                s.model_entries_per_round(), s.first_averaged() + 1);
    for (std::size_t i = 0; i < s.convergence.size(); ++i)
        print_json_round(s.convergence[i], i + 1 == s.convergence.size());
    std::printf("    ],\n    \"steady_rounds\": [\n");
    for (std::size_t i = 0; i < s.steady.size(); ++i)
        print_json_round(s.steady[i], i + 1 == s.steady.size());
    std::printf("    ]\n  },\n  \"observer\": {\"rounds\": %zu, \"rows\": [\n", opt.rounds);
    for (std::size_t i = 0; i < rep.scale.size(); ++i) {
        const ScaleRow& r = rep.scale[i];
        std::printf("    {\"resources\": %zu, \"tree_entries\": %zu, \"directories\": %zu, \"changes_per_round\": %zu, "
                    "\"fill_s\": %.6f, \"entries_per_answer\": %.2f, \"bytes_per_answer\": %.1f, "
                    "\"us_per_answer\": %.3f, \"cpu_us_per_answer\": %.3f, \"full_answer_entries\": %" PRIu64
                    ", \"full_answer_bytes\": %" PRIu64 ", \"full_answer_chunks\": %" PRIu64
                    ", \"us_per_full_answer\": %.1f, \"server_ms_per_round\": %.3f, \"apply_ms_per_round\": %.3f, "
                    "\"duplicate_ms_per_round\": %.3f, \"us_per_duplicate_answer\": %.3f}%s\n",
                    r.resources, r.tree_entries, r.directories, r.changes_per_round, r.fill_s, r.entries_per_answer,
                    r.bytes_per_answer, r.us_per_answer, r.cpu_us_per_answer, r.full.entries, r.full.bytes,
                    r.full.chunks, r.us_per_full_answer, r.server_ms_per_round, r.apply_ms_per_round,
                    r.duplicate_ms_per_round, r.us_per_duplicate_answer, i + 1 == rep.scale.size() ? "" : ",");
    }
    const Totals t = totals(rep);
    std::printf("  ]},\n  \"steady_state_round\": {\"pulls\": %.0f, \"incremental_entries\": %.0f, "
                "\"incremental_bytes\": %.0f, \"full_entries\": %.0f, \"full_bytes\": %.0f, \"ratio_entries\": %.6f, "
                "\"ratio_bytes\": %.6f, \"host_ms\": %.3f},\n",
                t.pulls, t.inc_entries, t.inc_bytes, t.full_entries, t.full_bytes, ratio(t.inc_entries, t.full_entries),
                ratio(t.inc_bytes, t.full_bytes), rep.main().host_ms_per_round());
    const NetReport& n = rep.net;
    if (n.ran) {
        std::printf(
            "  \"network\": {\"hosts\": %zu, \"resources\": %zu, \"tree_entries\": %zu, \"seed_s\": %.6f, "
            "\"security\": %s, \"interval_ms\": %d, \"converged\": %s, \"identical\": %s, \"converge_s\": %.6f, "
            "\"converge_cpu_s\": %.6f, \"converge_pulls\": %" PRIu64 ", \"settle_s\": %.6f, "
            "\"window_s\": %.6f, \"ticks\": %zu, \"changes_per_tick\": %zu, \"window_pulls\": %" PRIu64
            ", \"window_cpu_s\": %.6f, \"loopback_bytes\": %" PRIu64 ", \"window_converged\": %s, "
            "\"warnings\": %zu, \"latency_ms\": [",
            n.hosts, n.resources, n.tree_entries, n.seed_s, json_string(n.security).c_str(), n.interval_ms,
            n.converged ? "true" : "false", n.identical ? "true" : "false", n.converge_s, n.converge_cpu_s,
            n.converge_pulls, n.settle_s, n.window_s, n.ticks, n.changes_per_tick, n.window_pulls, n.window_cpu_s,
            n.lo_bytes, n.window_converged ? "true" : "false", n.warnings);
        for (std::size_t i = 0; i < n.latency_ms.size(); ++i)
            std::printf("%s%.3f", i ? ", " : "", n.latency_ms[i]);
        std::printf("]},\n");
    } else {
        std::printf("  \"network\": null,\n");
    }
    std::printf("  \"total_s\": %.3f\n}\n", rep.total_s);
}

} // namespace

int main(int argc, char** argv)
{
    Options opt;
    std::string fs_type;
    try {
        opt = parse_options(argc, argv);
        fs_type = mars::bench::filesystem_of(opt.dir).name;
    } catch (const UsageError& e) {
        return mars::bench::report_usage_error("gossip-scale", e);
    }
    LogCollector logs;
    logs.install();
    try {
        mars::bench::ScratchDir scratch(opt.dir, "gossip-scale");
        Report rep = run_all(opt, scratch.path(), fs_type, logs);
        if (opt.json)
            print_json(rep, opt);
        else
            print_table(rep, opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gossip-scale: %s\n", e.what());
        return 1;
    }
    return 0;
}
