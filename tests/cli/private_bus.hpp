// A private dbus-daemon for CLI tests: marsadm talks to it through
// $DBUS_SYSTEM_BUS_ADDRESS, and no marsd owns org.mars.Mars1 on it.
#pragma once

#include <sys/types.h>

#include <string>

#include "support/temp_dir.hpp"

namespace mars::test {

class PrivateBus {
  public:
    // Starts the daemon and points $DBUS_SYSTEM_BUS_ADDRESS at it; ok() is
    // false (with why()) if dbus-daemon is not installed or did not start.
    PrivateBus();
    ~PrivateBus();
    PrivateBus(const PrivateBus&) = delete;
    PrivateBus& operator=(const PrivateBus&) = delete;

    bool ok() const { return pid_ > 0; }
    const std::string& why() const { return why_; }

  private:
    TempDir dir_{"mars-cli-bus"};
    pid_t pid_ = -1;
    std::string why_;
    std::string saved_address_;
    bool had_address_ = false;
};

} // namespace mars::test
