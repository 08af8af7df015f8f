// A heap buffer aligned for O_DIRECT I/O, growable, contents zero-initialised.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <utility>

namespace mars::util {

class AlignedBuffer {
public:
    static constexpr std::size_t kAlignment = 4096;

    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t capacity) { reserve(capacity); }
    AlignedBuffer(AlignedBuffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), capacity_(std::exchange(o.capacity_, 0))
    {
    }
    AlignedBuffer& operator=(AlignedBuffer&& o) noexcept
    {
        std::swap(data_, o.data_);
        std::swap(capacity_, o.capacity_);
        return *this;
    }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    ~AlignedBuffer() { std::free(data_); }

    // Grows to at least `capacity` bytes; existing contents are not kept.
    void reserve(std::size_t capacity)
    {
        if (capacity <= capacity_)
            return;
        std::size_t rounded = (capacity + kAlignment - 1) / kAlignment * kAlignment;
        void* p = std::aligned_alloc(kAlignment, rounded);
        if (!p)
            throw std::bad_alloc();
        std::memset(p, 0, rounded);
        std::free(data_);
        data_ = static_cast<std::byte*>(p);
        capacity_ = rounded;
    }

    std::byte* data() { return data_; }
    const std::byte* data() const { return data_; }
    std::size_t capacity() const { return capacity_; }

private:
    std::byte* data_ = nullptr;
    std::size_t capacity_ = 0;
};

} // namespace mars::util
