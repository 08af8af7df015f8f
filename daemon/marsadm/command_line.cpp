#include "command_line.hpp"

#include <cerrno>
#include <cstdlib>

namespace mars::marsadm {

CommandLine::CommandLine(const std::vector<std::string>& args, const OptionSpec& spec)
{
    bool only_positional = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (only_positional || a.size() < 2 || a.compare(0, 2, "--") != 0) {
            if (!only_positional && a.size() > 1 && a[0] == '-' && a != "-")
                throw UsageError("unknown option '" + a + "' (options are spelled --name)");
            positional_.push_back(a);
            continue;
        }
        if (a == "--") {
            only_positional = true;
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        if (spec.flags.count(name)) {
            if (inline_value)
                throw UsageError("option --" + name + " takes no value");
            flags_.insert(name);
        } else if (spec.with_value.count(name)) {
            if (inline_value) {
                values_[name] = *inline_value;
            } else {
                if (i + 1 >= args.size())
                    throw UsageError("option --" + name + " needs a value");
                values_[name] = args[++i];
            }
        } else {
            throw UsageError("unknown option --" + name);
        }
    }
}

std::optional<std::string> CommandLine::value(const std::string& name) const
{
    auto it = values_.find(name);
    if (it == values_.end())
        return std::nullopt;
    return it->second;
}

std::optional<unsigned long long> CommandLine::number(const std::string& name) const
{
    auto v = value(name);
    if (!v)
        return std::nullopt;
    if (v->empty() || (*v)[0] == '-' || (*v)[0] == '+')
        throw UsageError("--" + name + " needs a non-negative number, not '" + *v + "'");
    errno = 0;
    char* end = nullptr;
    unsigned long long n = std::strtoull(v->c_str(), &end, 0);
    if (errno != 0 || *end != '\0')
        throw UsageError("--" + name + " needs a non-negative number, not '" + *v + "'");
    return n;
}

} // namespace mars::marsadm
