// What the crash tests share around their rounds: settings from the
// environment, a seed that repeats a run, the problem list of a round, and
// the loop over rounds that stops at the first failed one and keeps its
// files for debugging.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace mars::test {

// Spreads neighbouring seeds (seed + thread, seed + counter) over all bits.
std::uint64_t splitmix64(std::uint64_t x);

// The problems a verifier finds in a round. A broken round can show
// thousands; the first 40 tell the story, the rest are only counted.
class ProblemList {
public:
    void add(std::string what);
    // The problems, and "... and N more problems" if there were more.
    std::vector<std::string> take();

private:
    std::vector<std::string> problems_;
    std::uint64_t more_ = 0;
};

struct CrashTest {
    std::string name; // "log crash test": printed first, with the settings
    // Settings from the environment: <env_prefix>_ROUNDS (default
    // `default_rounds`), <env_prefix>_VERBOSE (non-zero: a line per round)
    // and <env_prefix>_SEED (default: random, so that every run tries new
    // cases; printed, so that a failed run can be repeated).
    std::string env_prefix;
    unsigned default_rounds = 0;
    // A round runs in a fresh TempDir "<dir_prefix>.XXXXXX"; the copy kept
    // of a failed round is "<dir_prefix>-failed-round<N>-<pid>", announced
    // as "<files> of the failed round kept in …".
    std::string dir_prefix;
    std::string files;
};

// One round, for the test's round function.
struct Round {
    unsigned number;
    // Seeded with <env_prefix>_SEED, for choosing the round's configuration:
    // the same seed repeats the configurations (not the kill timing).
    std::mt19937_64& config_rng;
    const std::filesystem::path& dir; // empty, removed after the round
    bool verbose;
};

// What one round found.
struct RoundResult {
    std::string description;           // the round's configuration
    std::string acknowledged;          // "N acknowledged writes": how much the round checked
    std::vector<std::string> problems; // none: the round passed
};

struct CrashRun {
    double seconds = 0;       // the rounds took
    std::string seed_setting; // "<env_prefix>_SEED=0x…": what repeats the run
};

// Prints "<name>: N rounds, <seed setting>", then runs the rounds until one
// finds problems. That one fails the test: "<description> with <seed
// setting>: <acknowledged>, N problem(s):" and a line per problem; its
// directory is kept.
CrashRun run_crash_rounds(const CrashTest& test, const std::function<RoundResult(const Round&)>& round);

} // namespace mars::test
