// Helpers shared by the log tests: deterministic payloads, reading a whole
// logfile, and raw access to a logfile's bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "log/log_reader.hpp"
#include "log/log_writer.hpp"

namespace mars::test {

// Reproducible pseudo-random bytes; `compressible` repeats short runs so
// zstd and lz4 have something to gain.
std::vector<std::byte> pattern(std::uint64_t seed, std::size_t length, bool compressible = false);

log::WriterOptions writer_options(const std::filesystem::path& dir, std::string host = "alpha");

struct ReadResult {
    std::vector<log::Record> records;
    log::Diagnosis diagnosis;
};
ReadResult read_all(const std::filesystem::path& file, log::ReaderOptions options = {});

std::vector<std::byte> file_bytes(const std::filesystem::path& file);
void write_file_bytes(const std::filesystem::path& file, const std::vector<std::byte>& bytes);

} // namespace mars::test
