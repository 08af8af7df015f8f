#include "config/host_config.hpp"

#include <arpa/inet.h>
#include <sys/utsname.h>

#include "config/values.hpp"
#include "util/host_name.hpp"

namespace mars::config {

std::string default_host_name()
{
    struct utsname u{};
    if (::uname(&u) != 0)
        return {};
    std::string n = u.nodename;
    return n.substr(0, n.find('.'));
}

namespace {

bool is_ip_address(const std::string& s)
{
    unsigned char buf[16];
    return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void apply(HostConfig& c, const IniFile& ini, const IniItem& it)
{
    const std::string& v = it.value;
    if (it.section == "host") {
        if (it.key == "name") {
            if (auto why = util::check_host_name(v); !why.empty())
                ini.fail(it, why);
            c.name = v;
        } else if (it.key == "listen") {
            if (!is_ip_address(v))
                ini.fail(it, "'" + v + "' is not an IPv4 or IPv6 address");
            c.listen = v;
        } else if (it.key == "port-base") {
            auto n = parse_unsigned(v);
            if (!n || *n == 0 || *n > 65533)
                ini.fail(it, "'" + v + "' is not a port number from 1 to 65533 (three ports are used)");
            c.port_base = static_cast<std::uint16_t>(*n);
        } else if (it.key == "home" || it.key == "device-directory" || it.key == "run-directory" ||
                   it.key == "resource-directory") {
            if (v.empty() || v[0] != '/')
                ini.fail(it, "'" + v + "' is not an absolute path");
            (it.key == "home"               ? c.home
             : it.key == "device-directory" ? c.device_directory
             : it.key == "run-directory"    ? c.run_directory
                                            : c.resource_directory) = v;
        } else {
            ini.fail(it, "unknown key (known: name, listen, port-base, home, device-directory, run-directory, "
                         "resource-directory)");
        }
    } else if (it.section == "security") {
        if (it.key == "mode") {
            if (v == "psk")
                c.security = SecurityMode::psk;
            else if (v == "x509")
                c.security = SecurityMode::x509;
            else if (v == "none")
                c.security = SecurityMode::none;
            else
                ini.fail(it, "'" + v + "' is not one of psk, x509, none");
        } else if (it.key == "psk-file" || it.key == "certificate" || it.key == "private-key" || it.key == "ca") {
            if (v.empty() || v[0] != '/')
                ini.fail(it, "'" + v + "' is not an absolute path");
            (it.key == "psk-file"      ? c.psk_file
             : it.key == "certificate" ? c.certificate
             : it.key == "private-key" ? c.private_key
                                       : c.ca) = v;
        } else {
            ini.fail(it, "unknown key (known: mode, psk-file, certificate, private-key, ca)");
        }
    } else if (it.section == "log") {
        if (it.key == "rotate-size") {
            auto n = parse_size(v);
            if (!n || *n < (1u << 20))
                ini.fail(it, "'" + v + "' is not a size of at least 1M");
            c.rotate_size = *n;
        } else if (it.key == "rotate-age") {
            auto n = parse_unsigned(v);
            if (!n)
                ini.fail(it, "'" + v + "' is not a number of seconds");
            c.rotate_age_seconds = *n;
        } else {
            ini.fail(it, "unknown key (known: rotate-size, rotate-age)");
        }
    } else {
        ini.fail(it, "unknown section [" + it.section + "] (known: [host], [security], [log])");
    }
}

} // namespace

HostConfig parse_host_config(const IniFile& ini)
{
    HostConfig c;
    c.name = default_host_name();
    for (const auto& it : ini.items)
        apply(c, ini, it);
    if (c.security == SecurityMode::x509 && (c.certificate.empty() || c.private_key.empty() || c.ca.empty()))
        throw ConfigError(ini.path.string() + ": [security] mode = x509 needs certificate, private-key and ca");
    if (auto why = util::check_host_name(c.name); !why.empty())
        throw ConfigError(ini.path.string() + ": [host] name is not set and the system's name is unusable: " + why);
    return c;
}

HostConfig load_host_config(const std::filesystem::path& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return parse_host_config(IniFile{path, {}});
    return parse_host_config(IniFile::load(path));
}

} // namespace mars::config
