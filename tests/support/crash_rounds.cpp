#include "support/crash_rounds.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <system_error>

#include "support/temp_dir.hpp"

namespace mars::test {

std::uint64_t splitmix64(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void ProblemList::add(std::string what)
{
    if (problems_.size() < 40)
        problems_.push_back(std::move(what));
    else
        ++more_;
}

std::vector<std::string> ProblemList::take()
{
    if (more_)
        problems_.push_back("... and " + std::to_string(more_) + " more problems");
    more_ = 0;
    return std::move(problems_);
}

namespace {

// The value of environment variable `name` (decimal, 0x hex or 0 octal),
// or `fallback` if it is unset or empty.
unsigned env_unsigned(const std::string& name, unsigned fallback)
{
    const char* v = std::getenv(name.c_str());
    if (!v || !*v)
        return fallback;
    return static_cast<unsigned>(std::strtoul(v, nullptr, 0));
}

std::uint64_t seed_from_env(const std::string& variable)
{
    std::uint64_t seed = std::random_device{}();
    seed = seed << 32 ^ std::random_device{}();
    if (const char* v = std::getenv(variable.c_str()); v && *v)
        seed = std::strtoull(v, nullptr, 0);
    return seed;
}

// Copies `dir` next to itself, since its TempDir removes it, and says where.
void keep_failed_round(const std::filesystem::path& dir, const CrashTest& test, unsigned round)
{
    std::filesystem::path kept = dir.parent_path() / (test.dir_prefix + "-failed-round" + std::to_string(round) + "-" +
                                                      std::to_string(::getpid()));
    std::error_code ec;
    // Symbolic links are copied as links: state-tree entries are links
    // whose targets are values, not paths.
    std::filesystem::copy(dir, kept,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks, ec);
    std::cout << "  " << test.files << " of the failed round kept in " << kept.string()
              << (ec ? " (copy failed: " + ec.message() + ")" : "") << "\n";
}

} // namespace

CrashRun run_crash_rounds(const CrashTest& test, const std::function<RoundResult(const Round&)>& round)
{
    const unsigned rounds = env_unsigned(test.env_prefix + "_ROUNDS", test.default_rounds);
    const bool verbose = env_unsigned(test.env_prefix + "_VERBOSE", 0) != 0;
    const std::string seed_variable = test.env_prefix + "_SEED";
    const std::uint64_t seed = seed_from_env(seed_variable);
    CrashRun run;
    {
        std::ostringstream s;
        s << seed_variable << "=0x" << std::hex << seed;
        run.seed_setting = s.str();
    }
    std::cout << test.name << ": " << rounds << " rounds, " << run.seed_setting << std::endl;

    std::mt19937_64 config_rng(seed);
    const auto started = std::chrono::steady_clock::now();
    for (unsigned number = 0; number < rounds; ++number) {
        TempDir dir(test.dir_prefix);
        const RoundResult result = round(Round{number, config_rng, dir.path(), verbose});
        if (result.problems.empty())
            continue;
        std::ostringstream s;
        s << result.description << " with " << run.seed_setting << ": " << result.acknowledged << ", "
          << result.problems.size() << " problem(s):";
        for (const auto& p : result.problems)
            s << "\n  " << p;
        ADD_FAILURE() << s.str();
        keep_failed_round(dir.path(), test, number);
        break; // the first failed round says enough; more would bury it
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return run;
}

} // namespace mars::test
