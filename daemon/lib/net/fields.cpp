#include "net/fields.hpp"

#include <cstring>
#include <limits>

#include "net/error.hpp"
#include "util/little_endian.hpp"

namespace mars::net {
namespace {

std::string where(const Field& f)
{
    return "field " + std::to_string(f.tag) + " at offset " + std::to_string(f.offset);
}

template <typename T> T load_le(const Field& f)
{
    if (f.value.size() != sizeof(T))
        throw ProtocolError(where(f) + " has " + std::to_string(f.value.size()) + " bytes, expected an integer of " +
                            std::to_string(sizeof(T)));
    T v;
    std::memcpy(&v, f.value.data(), sizeof v);
    if constexpr (sizeof(T) == 4)
        return util::from_le32(v);
    else
        return util::from_le64(v);
}

} // namespace

std::uint32_t Field::as_u32() const
{
    return load_le<std::uint32_t>(*this);
}
std::uint64_t Field::as_u64() const
{
    return load_le<std::uint64_t>(*this);
}

std::string Field::as_string() const
{
    std::string s(reinterpret_cast<const char*>(value.data()), value.size());
    if (s.find('\0') != std::string::npos)
        throw ProtocolError(where(*this) + ": string contains a NUL byte");
    return s;
}

void FieldWriter::add_header(std::uint16_t tag, std::size_t length)
{
    if (length > std::numeric_limits<std::uint32_t>::max())
        throw ProtocolError("field " + std::to_string(tag) + " of " + std::to_string(length) + " bytes is too long");
    const std::uint16_t t = util::to_le16(tag);
    const std::uint32_t l = util::to_le32(static_cast<std::uint32_t>(length));
    const std::size_t at = out_.size();
    out_.resize(at + kFieldHeaderSize);
    std::memcpy(out_.data() + at, &t, sizeof t);
    std::memcpy(out_.data() + at + sizeof t, &l, sizeof l);
}

void FieldWriter::add_u32(std::uint16_t tag, std::uint32_t value)
{
    const std::uint32_t v = util::to_le32(value);
    add_bytes(tag, std::as_bytes(std::span(&v, 1)));
}

void FieldWriter::add_u64(std::uint16_t tag, std::uint64_t value)
{
    const std::uint64_t v = util::to_le64(value);
    add_bytes(tag, std::as_bytes(std::span(&v, 1)));
}

void FieldWriter::add_string(std::uint16_t tag, std::string_view value)
{
    if (value.find('\0') != std::string_view::npos)
        throw ProtocolError("field " + std::to_string(tag) + ": string contains a NUL byte");
    add_bytes(tag, std::as_bytes(std::span(value.data(), value.size())));
}

void FieldWriter::add_bytes(std::uint16_t tag, std::span<const std::byte> value)
{
    add_header(tag, value.size());
    out_.insert(out_.end(), value.begin(), value.end());
}

std::optional<Field> FieldReader::next()
{
    if (pos_ == payload_.size())
        return std::nullopt;
    const std::size_t left = payload_.size() - pos_;
    if (left < kFieldHeaderSize)
        throw ProtocolError("field header at offset " + std::to_string(pos_) + " is cut off (" + std::to_string(left) +
                            " of " + std::to_string(kFieldHeaderSize) + " bytes)");
    std::uint16_t tag;
    std::uint32_t length;
    std::memcpy(&tag, payload_.data() + pos_, sizeof tag);
    std::memcpy(&length, payload_.data() + pos_ + sizeof tag, sizeof length);
    Field f;
    f.tag = util::from_le16(tag);
    f.offset = pos_;
    const std::size_t value_length = util::from_le32(length);
    if (value_length > left - kFieldHeaderSize)
        throw ProtocolError(where(f) + " claims " + std::to_string(value_length) + " bytes, but only " +
                            std::to_string(left - kFieldHeaderSize) + " follow");
    f.value = payload_.subspan(pos_ + kFieldHeaderSize, value_length);
    pos_ += kFieldHeaderSize + value_length;
    return f;
}

} // namespace mars::net
