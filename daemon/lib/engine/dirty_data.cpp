#include "engine/dirty_data.hpp"

namespace mars::engine {

DirtyData::Inserted DirtyData::logged_write(std::uint64_t offset, std::shared_ptr<const Chunk> chunk,
                                            ReplayPosition after)
{
    std::lock_guard lock(mutex_);
    index_.insert(offset, std::move(chunk));
    logged_ = std::move(after);
    Inserted result{!dirty_since_, index_.dirty_bytes()};
    if (!dirty_since_)
        dirty_since_ = Clock::now();
    return result;
}

void DirtyData::logged(ReplayPosition after)
{
    std::lock_guard lock(mutex_);
    logged_ = std::move(after);
}

std::vector<DirtyExtent> DirtyData::lookup(std::uint64_t offset, std::uint64_t length) const
{
    std::lock_guard lock(mutex_);
    return index_.lookup(offset, length);
}

WritebackSnapshot DirtyData::snapshot()
{
    std::lock_guard lock(mutex_);
    dirty_since_.reset();
    return {index_.extents(), logged_};
}

void DirtyData::forget(const std::vector<DirtyExtent>& written)
{
    std::lock_guard lock(mutex_);
    for (const DirtyExtent& e : written)
        index_.forget(e);
}

ReplayPosition DirtyData::logged_position() const
{
    std::lock_guard lock(mutex_);
    return logged_;
}

std::uint64_t DirtyData::dirty_bytes() const
{
    std::lock_guard lock(mutex_);
    return index_.dirty_bytes();
}

std::size_t DirtyData::extent_count() const
{
    std::lock_guard lock(mutex_);
    return index_.extent_count();
}

std::optional<DirtyData::Clock::time_point> DirtyData::dirty_since() const
{
    std::lock_guard lock(mutex_);
    return dirty_since_;
}

} // namespace mars::engine
