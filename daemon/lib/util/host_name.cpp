#include "util/host_name.hpp"

#include <array>

namespace mars::util {

std::string check_host_name(std::string_view name)
{
    // Reserved because they have a meaning of their own in the tree or in marsadm.
    static constexpr std::array<std::string_view, 9> kReserved = {
        "none", "all", "any", "full", "empty", "undefined", "remote", "local", "localhost"};
    if (name.empty())
        return "host name is empty";
    if (name.size() > 63)
        return "host name '" + std::string(name) + "' is longer than 63 characters";
    if (name[0] < 'a' || name[0] > 'z')
        return "host name '" + std::string(name) + "' must start with a lower-case letter";
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return "host name '" + std::string(name) + "' may contain only a-z, 0-9 and '-'";
    for (auto r : kReserved)
        if (name == r)
            return "host name '" + std::string(name) + "' is reserved";
    return {};
}

} // namespace mars::util
