#include "engine/replay_position.hpp"

#include <tuple>

#include "log/logfile_name.hpp"

namespace mars::engine {

std::string ReplayPosition::logfile_name() const
{
    return log::LogfileName{logfile_number, origin}.str();
}

std::filesystem::path ReplayPosition::logfile_path(const std::filesystem::path& directory) const
{
    return directory / logfile_name();
}

std::string ReplayPosition::str() const
{
    return logfile_name() + "," + std::to_string(offset) + " (next seq " + std::to_string(next_seq) + ")";
}

bool before(const ReplayPosition& a, const ReplayPosition& b)
{
    if (a.next_seq != 0 && b.next_seq != 0 && a.next_seq != b.next_seq)
        return a.next_seq < b.next_seq;
    return std::tie(a.logfile_number, a.offset) < std::tie(b.logfile_number, b.offset);
}

} // namespace mars::engine
