// One group-commit append under construction: records encoded back to back
// into an O_DIRECT-capable buffer, closed with a padding record so that the
// append ends on the alignment boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "format/record.hpp"
#include "util/aligned_buffer.hpp"

namespace mars::log {

class AppendBuffer {
public:
    // Empties the buffer and makes room for `bytes` of records plus padding.
    void reset(std::size_t bytes);

    // Appends one record; `stored` are the bytes stored after the header.
    void add(const format::RecordHeader& header, std::span<const std::byte> stored);

    // Pads with one padding record up to the next multiple of `alignment`
    // (a power of two >= 8). A gap too small for a header grows by one
    // alignment unit. Returns false if no padding was needed.
    bool pad(std::uint32_t alignment, format::RecordHeader padding_header);

    // Worst-case bytes pad() may add.
    static std::size_t max_padding(std::uint32_t alignment) { return alignment + format::kHeaderSize; }

    const std::byte* data() const { return buffer_.data(); }
    std::size_t size() const { return size_; }

private:
    util::AlignedBuffer buffer_;
    std::size_t size_ = 0;
};

} // namespace mars::log
