// A refused resource request ("resource r0 exists already", "disk /dev/sdb
// is in use: mounted on /srv"). The message is meant for the admin as is;
// marsd maps it to a named D-Bus error.
#pragma once

#include <stdexcept>

namespace mars::resource {

class ResourceError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

} // namespace mars::resource
