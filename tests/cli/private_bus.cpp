#include "private_bus.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include "run_command.hpp"

namespace mars::test {

PrivateBus::PrivateBus()
{
    const char* daemon = "/usr/bin/dbus-daemon";
    if (::access(daemon, X_OK) != 0) {
        why_ = "dbus-daemon is not installed";
        return;
    }
    const std::string address = "unix:path=" + (dir_.path() / "bus").string();
    // --fork returns once the daemon listens, so there is nothing to wait for.
    auto r = run_command({daemon, "--session", "--fork", "--nopidfile", "--print-pid=1", "--address=" + address});
    if (r.exit_code != 0) {
        why_ = "dbus-daemon failed: " + r.err;
        return;
    }
    pid_ = static_cast<pid_t>(std::atoi(r.out.c_str()));
    if (pid_ <= 0) {
        why_ = "dbus-daemon printed no pid: " + r.out;
        return;
    }
    if (const char* old = std::getenv("DBUS_SYSTEM_BUS_ADDRESS")) {
        had_address_ = true;
        saved_address_ = old;
    }
    ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address.c_str(), 1);
}

PrivateBus::~PrivateBus()
{
    if (pid_ > 0)
        ::kill(pid_, SIGTERM);
    if (had_address_)
        ::setenv("DBUS_SYSTEM_BUS_ADDRESS", saved_address_.c_str(), 1);
    else if (pid_ > 0)
        ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}

} // namespace mars::test
