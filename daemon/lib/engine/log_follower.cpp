#include "engine/log_follower.hpp"

#include <utility>

#include "util/logger.hpp"

namespace mars::engine {

LogFollower::LogFollower(const BackingDisk& disk, std::filesystem::path directory, ReplayPosition start,
                         FollowerOptions options)
    : directory_(std::move(directory)), replayer_(disk, options.replayer)
{
    open_reader(std::move(start));
}

LogFollower::~LogFollower() = default;

void LogFollower::open_reader(ReplayPosition at)
{
    log::ReaderOptions ro;
    ro.start_offset = at.offset;
    if (at.next_seq != 0)
        ro.expected_seq = at.next_seq;
    const std::filesystem::path path = at.logfile_path(directory_);
    reader_ = std::make_unique<log::LogReader>(path, ro); // throws before anything changed
    position_ = std::move(at);
    reopen_ = false;
    defective_ = false;
    diagnosis_ = log::Diagnosis{log::LogEnd::clean, path, position_.offset, {}};
}

LogFollower::Stop LogFollower::defect(log::Diagnosis diagnosis)
{
    diagnosis_ = std::move(diagnosis);
    defective_ = true;
    util::log(util::Priority::err, "replay stopped before a defect: " + diagnosis_.message());
    return Stop::defect;
}

LogFollower::Stop LogFollower::apply_available(std::size_t max_records)
{
    if (defective_)
        return Stop::defect;
    if (reopen_)
        open_reader(position_);

    for (std::size_t n = 0; n < max_records; ++n) {
        if (!reader_->next(record_)) {
            const log::Diagnosis& d = reader_->diagnosis();
            if (d.is_defect())
                return defect(d);
            diagnosis_ = d;
            // A torn tail after the marker is the rest of the marker's
            // append still on its way: the file is not complete yet.
            return rotated_ && d.kind == log::LogEnd::clean ? Stop::finished : Stop::waiting;
        }
        const format::RecordHeader& h = record_.header;
        if (rotated_ && h.type != format::RecordType::padding) {
            // The reader is past this record now; retry() reopens before it.
            reopen_ = true;
            return defect(log::Diagnosis{
                log::LogEnd::corruption, reader_->diagnosis().file, record_.file_offset,
                std::string(format::record_type_name(h.type)) + " record seq " + std::to_string(h.seq) +
                    " follows the rotate marker, which must end the logfile"});
        }
        try {
            replayer_.apply(record_);
        } catch (...) {
            // Not queued: the next call reads this record again.
            reopen_ = true;
            throw;
        }
        position_.offset = reader_->position();
        position_.next_seq = h.seq + 1;
        last_stamp_ = h.stamp_ns;
        if (h.type == format::RecordType::write) {
            ++applied_records_;
            applied_bytes_ += h.payload_len;
        } else if (h.type == format::RecordType::marker && h.marker == format::Marker::rotate) {
            rotated_ = true;
        }
    }
    return Stop::waiting;
}

ReplayPosition LogFollower::sync()
{
    ReplayPosition queued = position_;
    replayer_.sync();
    return queued;
}

void LogFollower::retry()
{
    open_reader(position_);
}

void LogFollower::switch_to(std::uint32_t number, const std::string& origin)
{
    open_reader(ReplayPosition{number, origin, 0, position_.next_seq});
    rotated_ = false;
}

} // namespace mars::engine
