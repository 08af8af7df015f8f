// marsadm's argument parsing: "marsadm [global options] <command> [args]",
// options as --name, --name=value or --name value, anywhere after the command.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mars::marsadm {

// Wrong usage: printed with a hint to --help, exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// What a command accepts, so the parser can reject anything else.
struct OptionSpec {
    std::set<std::string> flags;        // --json
    std::set<std::string> with_value;   // --from OFFSET
};

class CommandLine {
public:
    CommandLine(const std::vector<std::string>& args, const OptionSpec& spec);

    const std::vector<std::string>& positional() const { return positional_; }
    bool flag(const std::string& name) const { return flags_.count(name) != 0; }
    std::optional<std::string> value(const std::string& name) const;

    // A value parsed as an unsigned number (decimal, or 0x hex); UsageError
    // naming the option if it is not one.
    std::optional<unsigned long long> number(const std::string& name) const;

private:
    std::vector<std::string> positional_;
    std::set<std::string> flags_;
    std::map<std::string, std::string> values_;
};

} // namespace mars::marsadm
