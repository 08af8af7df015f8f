// An owned, fixed-size byte array aligned for O_DIRECT, left uninitialised.
// util::AlignedBuffer zero-fills its memory, which the data path cannot
// afford per write: every byte is overwritten by a copy right away.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>

namespace mars::engine {

class AlignedBytes {
  public:
    static constexpr std::size_t kAlignment = 4096;

    AlignedBytes() = default;
    explicit AlignedBytes(std::size_t size) : size_(size)
    {
        if (size == 0)
            return;
        std::size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
        data_.reset(static_cast<std::byte*>(std::aligned_alloc(kAlignment, rounded)));
        if (!data_)
            throw std::bad_alloc();
    }

    std::byte* data() { return data_.get(); }
    const std::byte* data() const { return data_.get(); }
    std::size_t size() const { return size_; }
    std::span<std::byte> span() { return {data_.get(), size_}; }
    std::span<const std::byte> span() const { return {data_.get(), size_}; }

  private:
    struct Free {
        void operator()(std::byte* p) const { std::free(p); }
    };
    std::unique_ptr<std::byte[], Free> data_;
    std::size_t size_ = 0;
};

} // namespace mars::engine
