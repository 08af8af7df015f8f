// The field encoding inside a message payload, chosen so that peers of
// different versions understand each other during a rolling upgrade:
//
//   field := u16 tag, u32 length, `length` value bytes   (little-endian)
//
// A payload is a sequence of fields. Readers skip tags they do not know, so
// a newer peer may add fields; a tag may repeat to form a list; a value may
// itself be a sequence of fields (a nested record, e.g. one tree entry).
// Integers are fixed-width little-endian; strings are raw bytes without NUL
// (they end up in symlink names and targets, where a NUL cannot live).
//
// The reader checks every length against the bytes actually present before
// touching them, so no input can make it read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mars::net {

inline constexpr std::size_t kFieldHeaderSize = 6;

struct Field {
    std::uint16_t tag = 0;
    std::span<const std::byte> value;
    std::size_t offset = 0; // of the field header in its payload, for error messages

    // Each throws ProtocolError naming tag and offset when the value does
    // not have the expected form.
    std::uint32_t as_u32() const;
    std::uint64_t as_u64() const;
    std::string as_string() const;
};

class FieldWriter {
  public:
    void add_u32(std::uint16_t tag, std::uint32_t value);
    void add_u64(std::uint16_t tag, std::uint64_t value);
    // Throws ProtocolError for a string with a NUL byte: a peer would refuse it.
    void add_string(std::uint16_t tag, std::string_view value);
    void add_bytes(std::uint16_t tag, std::span<const std::byte> value);
    void add_record(std::uint16_t tag, const FieldWriter& record) { add_bytes(tag, record.bytes()); }

    const std::vector<std::byte>& bytes() const { return out_; }
    std::vector<std::byte> take() { return std::move(out_); }
    void clear() { out_.clear(); }

    // Bytes a field with a value of `value_size` bytes occupies.
    static constexpr std::size_t field_size(std::size_t value_size) { return kFieldHeaderSize + value_size; }

  private:
    void add_header(std::uint16_t tag, std::size_t length);

    std::vector<std::byte> out_;
};

class FieldReader {
  public:
    explicit FieldReader(std::span<const std::byte> payload) : payload_(payload) {}

    // The next field, or nullopt after the last one. Throws ProtocolError
    // when a field header or value is cut off by the end of the payload.
    std::optional<Field> next();

  private:
    std::span<const std::byte> payload_;
    std::size_t pos_ = 0;
};

} // namespace mars::net
