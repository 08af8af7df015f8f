#include "resource/resource_keys.hpp"

#include <cstdio>

#include "config/resource_config.hpp"
#include "util/host_name.hpp"

namespace mars::resource {

std::string_view switch_name(Switch s)
{
    switch (s) {
    case Switch::attach:
        return "attach";
    case Switch::fetch:
        return "connect"; // MARS's name, kept so admins find it
    case Switch::replay:
        return "allow-replay";
    case Switch::sync:
        return "sync";
    }
    return "unknown";
}

namespace keys {

namespace {

std::string per_host(std::string_view res, std::string_view what, std::string_view host)
{
    return dir(res) + "/" + std::string(what) + "-" + std::string(host);
}

} // namespace

std::string dir(std::string_view res)
{
    return std::string(kDirPrefix) + std::string(res);
}

std::string size(std::string_view res)
{
    return dir(res) + "/size";
}

std::string primary(std::string_view res)
{
    return dir(res) + "/primary";
}

std::string maxnr(std::string_view res)
{
    return dir(res) + "/maxnr";
}

std::string data(std::string_view res, std::string_view host)
{
    return per_host(res, "data", host);
}

std::string device(std::string_view res, std::string_view host)
{
    return per_host(res, "device", host);
}

std::string actsize(std::string_view res, std::string_view host)
{
    return per_host(res, "actsize", host);
}

std::string replay(std::string_view res, std::string_view host)
{
    return per_host(res, "replay", host);
}

std::string version(std::string_view res, std::uint32_t number, std::string_view host)
{
    // Nine digits like logfile names, so that versionlinks sort by number.
    char digits[16];
    std::snprintf(digits, sizeof digits, "%09u", number);
    return dir(res) + "/version-" + digits + "-" + std::string(host);
}

std::string syncstatus(std::string_view res, std::string_view host)
{
    return per_host(res, "syncstatus", host);
}

std::string syncpos(std::string_view res, std::string_view host)
{
    return per_host(res, "syncpos", host);
}

std::string todo_dir(std::string_view res, std::string_view host)
{
    return per_host(res, "todo", host);
}

std::string todo(std::string_view res, std::string_view host, Switch s)
{
    return todo_dir(res, host) + "/" + std::string(switch_name(s));
}

std::string actual_dir(std::string_view res, std::string_view host)
{
    return per_host(res, "actual", host);
}

std::string actual(std::string_view res, std::string_view host, std::string_view name)
{
    return actual_dir(res, host) + "/" + std::string(name);
}

} // namespace keys
} // namespace mars::resource

namespace mars::resource::keys {

namespace {

struct Prefix {
    std::string_view text;
    Field field;
};

// Entries named <prefix>-<host>. No prefix begins another one, so the
// order of the table does not matter.
constexpr Prefix kHostPrefixes[] = {
    {"data-", Field::data},
    {"device-", Field::device},
    {"actsize-", Field::actsize},
    {"replay-", Field::replay},
    {"syncstatus-", Field::syncstatus},
    {"syncpos-", Field::syncpos},
    {"skip-check-", Field::host_other},
    {"verifystatus-", Field::host_other},
    {"syncfrom-", Field::host_other},
    {"connect-", Field::host_other},
    {"copy-syncstatus-", Field::host_other},
};

// Directories named <prefix>-<host>/ whose contents belong to that host.
constexpr Prefix kHostDirPrefixes[] = {
    {"todo-", Field::todo},
    {"actual-", Field::actual},
    {"defaults-", Field::host_other},
    {"local-", Field::host_other},
};

bool starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

bool valid_host(std::string_view host)
{
    return util::check_host_name(host).empty();
}

// version-<9 digits>-<host>
bool parse_version(std::string_view name, KeyName& out)
{
    constexpr std::string_view prefix = "version-";
    if (!starts_with(name, prefix) || name.size() < prefix.size() + 11 || name[prefix.size() + 9] != '-')
        return false;
    std::uint32_t number = 0;
    for (char c : name.substr(prefix.size(), 9)) {
        if (c < '0' || c > '9')
            return false;
        number = number * 10 + static_cast<std::uint32_t>(c - '0');
    }
    std::string_view host = name.substr(prefix.size() + 10);
    if (!valid_host(host))
        return false;
    out.field = Field::version;
    out.number = number;
    out.host = host;
    return true;
}

} // namespace

std::optional<KeyName> parse(std::string_view key)
{
    if (!starts_with(key, kDirPrefix))
        return std::nullopt;
    std::size_t slash = key.find('/');
    if (slash == std::string_view::npos || slash + 1 == key.size())
        return std::nullopt;
    KeyName out;
    out.res = key.substr(kDirPrefix.size(), slash - kDirPrefix.size());
    if (!config::check_resource_name(out.res).empty())
        return std::nullopt;

    std::string_view rest = key.substr(slash + 1);
    std::size_t sub = rest.find('/');
    if (sub == std::string_view::npos) {
        if (rest == "size")
            out.field = Field::size;
        else if (rest == "primary")
            out.field = Field::primary;
        else if (rest == "maxnr")
            out.field = Field::maxnr;
        else if (parse_version(rest, out))
            ;
        else
            for (const auto& p : kHostPrefixes)
                if (starts_with(rest, p.text) && valid_host(rest.substr(p.text.size()))) {
                    out.field = p.field;
                    out.host = rest.substr(p.text.size());
                    break;
                }
        return out;
    }

    std::string_view top = rest.substr(0, sub);
    for (const auto& p : kHostDirPrefixes)
        if (starts_with(top, p.text) && valid_host(top.substr(p.text.size()))) {
            out.field = p.field;
            out.host = top.substr(p.text.size());
            out.name = rest.substr(sub + 1);
            // Only todo-<host>/<switch> and actual-<host>/<name> one level
            // down are readable fields; anything deeper is still the host's.
            if (out.name.find('/') != std::string::npos)
                out.field = Field::host_other;
            break;
        }
    return out;
}

} // namespace mars::resource::keys
