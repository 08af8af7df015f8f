#include "support/log_fixture.hpp"

#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace mars::test {

std::vector<std::byte> pattern(std::uint64_t seed, std::size_t length, bool compressible)
{
    std::vector<std::byte> out(length);
    std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull + 1);
    std::size_t i = 0;
    while (i < length) {
        std::uint64_t word = rng();
        if (compressible) {
            // Runs of 1..32 equal bytes from a 16-letter alphabet.
            std::size_t run = 1 + (word >> 56) % 32;
            for (std::size_t r = 0; r < run && i < length; ++r, ++i)
                out[i] = static_cast<std::byte>(word & 0x0f);
        } else {
            for (int b = 0; b < 8 && i < length; ++b, ++i)
                out[i] = static_cast<std::byte>(word >> (8 * b));
        }
    }
    return out;
}

log::WriterOptions writer_options(const std::filesystem::path& dir, std::string host)
{
    log::WriterOptions o;
    o.directory = dir;
    o.host = std::move(host);
    return o;
}

ReadResult read_all(const std::filesystem::path& file, log::ReaderOptions options)
{
    ReadResult r;
    log::LogReader reader(file, options);
    log::Record rec;
    while (reader.next(rec))
        r.records.push_back(rec);
    r.diagnosis = reader.diagnosis();
    return r;
}

std::vector<std::byte> file_bytes(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + file.string());
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(chars.size());
    for (std::size_t i = 0; i < chars.size(); ++i)
        out[i] = static_cast<std::byte>(chars[i]);
    return out;
}

void write_file_bytes(const std::filesystem::path& file, const std::vector<std::byte>& bytes)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + file.string());
}

} // namespace mars::test
