#include "resource_args.hpp"

#include "config/resource_config.hpp"

namespace mars::marsadm {

void check_resource_arg(const std::string& name)
{
    if (name == "all")
        throw UsageError("this command takes one resource, not 'all'");
    if (auto why = config::check_resource_name(name); !why.empty())
        throw UsageError(why);
}

std::optional<std::vector<std::string>> resource_targets(const std::string& arg)
{
    if (arg == "all")
        return std::nullopt;
    std::vector<std::string> names;
    std::size_t start = 0;
    for (;;) {
        auto comma = arg.find(',', start);
        std::string name = arg.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (name == "all")
            throw UsageError("'all' cannot be combined with other resources");
        if (auto why = config::check_resource_name(name); !why.empty())
            throw UsageError(why);
        names.push_back(name);
        if (comma == std::string::npos)
            return names;
        start = comma + 1;
    }
}

void check_disk_arg(const std::string& disk)
{
    if (disk.empty() || disk[0] != '/')
        throw UsageError("disk '" + disk + "' is not an absolute path (e.g. /dev/vg/r0)");
}

void check_device_arg(const std::string& device)
{
    if (device.empty() || device.find('/') != std::string::npos || device == "." || device == "..")
        throw UsageError("'" + device + "' is not a device name (a name under /dev/mars/, no '/')");
}

void expect_positionals(const CommandLine& cl, const std::vector<std::string>& what, std::size_t min)
{
    const auto& p = cl.positional();
    if (p.size() < min)
        throw UsageError("missing the " + what[p.size()] + " argument");
    if (p.size() > what.size())
        throw UsageError("unexpected argument '" + p[what.size()] + "'");
}

} // namespace mars::marsadm
