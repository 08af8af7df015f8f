#include "config/resource_config.hpp"

#include "config/values.hpp"

namespace mars::config {

std::string check_resource_name(std::string_view name)
{
    if (name.empty() || name.size() > 63)
        return "resource name must have 1 to 63 characters";
    if (name[0] < 'a' || name[0] > 'z')
        return "resource name '" + std::string(name) + "' must start with a lower-case letter";
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return "resource name '" + std::string(name) + "' may contain only a-z, 0-9, '-' and '_'";
    if (name == "all")
        return "resource name 'all' is reserved";
    return {};
}

namespace {

void apply(ResourceConfig& c, const IniFile& ini, const IniItem& it)
{
    const std::string& v = it.value;
    if (it.section == "resource") {
        if (it.key == "disk") {
            if (v.empty() || v[0] != '/')
                ini.fail(it, "'" + v + "' is not an absolute path");
            c.disk = v;
        } else if (it.key == "device") {
            if (v.empty() || v.find('/') != std::string::npos || v == "." || v == "..")
                ini.fail(it, "'" + v + "' is not a device name (a name under /dev/mars/, no '/')");
            c.device = v;
        } else if (it.key == "frontend") {
            if (v == "auto")
                c.frontend = Frontend::automatic;
            else if (v == "kmod")
                c.frontend = Frontend::kmod;
            else if (v == "ublk")
                c.frontend = Frontend::ublk;
            else if (v == "fuse")
                c.frontend = Frontend::fuse;
            else
                ini.fail(it, "'" + v + "' is not one of auto, kmod, ublk, fuse");
        } else {
            ini.fail(it, "unknown key (known: disk, device, frontend)");
        }
    } else if (it.section == "replication") {
        if (it.key == "compression") {
            auto comp = format::parse_compression(v);
            if (!comp)
                ini.fail(it, "'" + v + "' is not one of none, zstd, lz4");
            c.compression = *comp;
        } else if (it.key == "bandwidth-limit") {
            auto n = parse_size(v);
            if (!n)
                ini.fail(it, "'" + v + "' is not a rate in bytes/s (e.g. 0, 50M, 1G)");
            c.bandwidth_limit = *n;
        } else if (it.key == "parallel-connections") {
            auto n = parse_unsigned(v);
            if (!n || *n < 1 || *n > 16)
                ini.fail(it, "'" + v + "' is not a number from 1 to 16");
            c.parallel_connections = static_cast<unsigned>(*n);
        } else if (it.key == "completion") {
            if (v == "durable")
                c.completion = log::CompletionMode::durable;
            else if (v == "early")
                c.completion = log::CompletionMode::early;
            else
                ini.fail(it, "'" + v + "' is not one of durable, early");
        } else {
            ini.fail(it, "unknown key (known: compression, bandwidth-limit, parallel-connections, completion)");
        }
    } else {
        ini.fail(it, "unknown section [" + it.section + "] (known: [resource], [replication])");
    }
}

} // namespace

ResourceConfig parse_resource_config(const IniFile& ini, const std::string& name)
{
    if (auto why = check_resource_name(name); !why.empty())
        throw ConfigError(ini.path.string() + ": " + why + " (the file name names the resource)");
    ResourceConfig c;
    c.name = name;
    c.device = name;
    for (const auto& it : ini.items)
        apply(c, ini, it);
    if (c.disk.empty())
        throw ConfigError(ini.path.string() + ": [resource] disk: missing (the backing disk of the resource)");
    return c;
}

ResourceConfig load_resource_config(const std::filesystem::path& path)
{
    if (path.extension() != ".conf")
        throw ConfigError(path.string() + ": resource files are named <resource>.conf");
    const std::string name = path.stem().string();
    if (auto why = check_resource_name(name); !why.empty())
        throw ConfigError(path.string() + ": " + why + " (the file name names the resource)");
    return parse_resource_config(IniFile::load(path), name);
}

} // namespace mars::config
