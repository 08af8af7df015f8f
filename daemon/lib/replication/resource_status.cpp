#include "replication/resource_status.hpp"

namespace mars::replication {

std::string flags_of(const FlagInputs& f)
{
    return std::string{f.device, f.consistency, f.attach, f.sync, f.fetch, f.replay};
}

} // namespace mars::replication
