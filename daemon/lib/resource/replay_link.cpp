#include "resource/replay_link.hpp"

#include <vector>

#include "log/logfile_name.hpp"
#include "resource/decimal.hpp"

namespace mars::resource {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t end = s.find(sep, start);
        if (end == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
}

} // namespace

std::string ReplayLink::str() const
{
    return position.logfile_name() + "," + std::to_string(position.offset) + "," + std::to_string(dirty_length) + "," +
           std::to_string(position.next_seq);
}

std::optional<ReplayLink> ReplayLink::parse(std::string_view value)
{
    auto fields = split(value, ',');
    if (fields.size() != 3 && fields.size() != 4)
        return std::nullopt;
    auto name = log::LogfileName::parse(fields[0]);
    auto offset = parse_decimal(fields[1]);
    auto dirty = parse_decimal(fields[2]);
    std::optional<std::uint64_t> next_seq = 0;
    if (fields.size() == 4)
        next_seq = parse_decimal(fields[3]);
    if (!name || !offset || !dirty || !next_seq)
        return std::nullopt;
    ReplayLink link;
    link.position.logfile_number = name->number;
    link.position.origin = name->host;
    link.position.offset = *offset;
    link.position.next_seq = *next_seq;
    link.dirty_length = *dirty;
    return link;
}

} // namespace mars::resource
