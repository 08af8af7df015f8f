#include "log/append_buffer.hpp"

#include <cassert>
#include <cstring>

namespace mars::log {

void AppendBuffer::reset(std::size_t bytes)
{
    buffer_.reserve(bytes);
    size_ = 0;
}

void AppendBuffer::add(const format::RecordHeader& header, std::span<const std::byte> stored)
{
    assert(size_ + format::record_size(stored.size()) <= buffer_.capacity());
    size_ += format::encode_record(header, stored, buffer_.data() + size_);
}

bool AppendBuffer::pad(std::uint32_t alignment, format::RecordHeader padding_header)
{
    std::size_t gap = (alignment - size_ % alignment) % alignment;
    if (gap == 0)
        return false;
    if (gap < format::kHeaderSize)
        gap += alignment;
    const std::size_t stored = gap - format::kHeaderSize;
    assert(size_ + gap <= buffer_.capacity());
    // The fill is zeroes, checksummed like any payload so that a reader
    // needs no special case for padding.
    std::byte* fill = buffer_.data() + size_ + format::kHeaderSize;
    std::memset(fill, 0, stored);
    padding_header.type = format::RecordType::padding;
    padding_header.flags = 0;
    padding_header.marker = format::Marker::none;
    padding_header.offset = 0;
    padding_header.payload_len = static_cast<std::uint32_t>(stored);
    size_ += format::encode_record(padding_header, {fill, stored}, buffer_.data() + size_);
    return true;
}

} // namespace mars::log
