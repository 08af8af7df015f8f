// What the benchmarks in bench/ share: a scratch directory that cleans up
// after itself, the filesystem it lives on, "--name value" / "--name=value"
// argument parsing with usage errors, and small output helpers.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mars::bench {

using Clock = std::chrono::steady_clock;

// A bad command line: main() prints it with a hint and exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Prints "<program>: <what>\nTry '<program> --help'." and returns 2, the
// exit status for bad arguments.
int report_usage_error(std::string_view program, const UsageError& e);

// A fresh directory "<base>/<prefix>.XXXXXX", removed with everything in it
// at the end.
class ScratchDir {
  public:
    ScratchDir(const std::filesystem::path& base, std::string_view prefix);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

// The filesystem `dir` is on: "ext4", "xfs", "btrfs", "tmpfs", "ramfs" or
// "fs-0x<magic>". A UsageError names the option when `dir` cannot be
// examined (it is always a --dir argument).
struct FilesystemKind {
    std::string name;
    bool in_memory = false; // tmpfs, ramfs: measures RAM, not storage
};
FilesystemKind filesystem_of(const std::filesystem::path& dir);

// The command line, one argument at a time:
//
//   Args args(argc, argv);
//   while (args.next()) {
//       if (args.is("--seconds")) opt.seconds = parse_seconds(args.name(), args.value());
//       else if (args.is_flag("--json")) opt.json = true;
//       else args.unknown();
//   }
class Args {
  public:
    Args(int argc, char** argv) : argc_(argc), argv_(argv) {}

    // Moves to the next argument; false when there is none.
    bool next();
    // "--name" of "--name" or "--name=value".
    std::string_view name() const { return name_; }
    bool is(std::string_view name) const { return name_ == name; }
    // A flag without a value ("--json", not "--json=x").
    bool is_flag(std::string_view name) const { return name_ == name && !inline_value_; }
    // The value after '=' or the next argument; a UsageError if there is none.
    std::string_view value();
    [[noreturn]] void unknown() const;

  private:
    int argc_;
    char** argv_;
    int index_ = 0;
    std::string_view arg_;
    std::string_view name_;
    bool inline_value_ = false;
};

// A number of seconds in (0, 3600]; `name` is the option, for the message.
double parse_seconds(std::string_view name, std::string_view text);
// A whole number in [min, max].
std::size_t parse_count(std::string_view name, std::string_view text, std::size_t min, std::size_t max);

double seconds_since(Clock::time_point start);
Clock::time_point deadline_after(Clock::time_point start, double seconds);

// `s` as a JSON string literal, quotes included.
std::string json_string(std::string_view s);

} // namespace mars::bench
