// A heap buffer aligned for O_DIRECT I/O, growable.
//
// By default its memory is zero-filled. The data path asks for an
// uninitialised buffer instead (AlignedBuffer::uninitialised): it overwrites
// every byte with a copy right away and cannot afford a memset per write.
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

    enum class Fill { zero, none };

    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t size, Fill fill = Fill::zero) : fill_(fill) { reserve(size); }
    static AlignedBuffer uninitialised(std::size_t size) { return AlignedBuffer(size, Fill::none); }

    AlignedBuffer(AlignedBuffer&& o) noexcept
        : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
          capacity_(std::exchange(o.capacity_, 0)), fill_(o.fill_)
    {
    }
    AlignedBuffer& operator=(AlignedBuffer&& o) noexcept
    {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(capacity_, o.capacity_);
        std::swap(fill_, o.fill_);
        return *this;
    }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    ~AlignedBuffer() { std::free(data_); }

    // Grows to at least `size` bytes; existing contents are not kept.
    void reserve(std::size_t size)
    {
        if (size > size_)
            size_ = size;
        if (size <= capacity_)
            return;
        std::size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
        void* p = std::aligned_alloc(kAlignment, rounded);
        if (!p)
            throw std::bad_alloc();
        if (fill_ == Fill::zero)
            std::memset(p, 0, rounded);
        std::free(data_);
        data_ = static_cast<std::byte*>(p);
        capacity_ = rounded;
    }

    std::byte* data() { return data_; }
    const std::byte* data() const { return data_; }
    // The largest size asked for; capacity() is that rounded up to kAlignment.
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return capacity_; }
    std::span<std::byte> span() { return {data_, size_}; }
    std::span<const std::byte> span() const { return {data_, size_}; }

  private:
    std::byte* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
    Fill fill_ = Fill::zero;
};

} // namespace mars::util
