#include "format/compression.hpp"

#include <lz4.h>
#include <zstd.h>

#include <climits>

namespace mars::format {

std::optional<Compression> parse_compression(std::string_view name)
{
    if (name == "none")
        return Compression::none;
    if (name == "zstd")
        return Compression::zstd;
    if (name == "lz4")
        return Compression::lz4;
    return std::nullopt;
}

std::string_view compression_name(Compression c)
{
    switch (c) {
    case Compression::none:
        return "none";
    case Compression::zstd:
        return "zstd";
    case Compression::lz4:
        return "lz4";
    }
    return "unknown";
}

bool compress(Compression c, std::span<const std::byte> in, std::size_t max_stored,
              std::vector<std::byte>& out)
{
    if (c == Compression::none || in.empty() || max_stored == 0)
        return false;
    if (c == Compression::zstd) {
        // Level 1: the log sits in the write path; speed beats ratio here.
        out.resize(ZSTD_compressBound(in.size()));
        std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
        if (ZSTD_isError(n) || n >= max_stored)
            return false;
        out.resize(n);
        return true;
    }
    if (in.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE))
        return false;
    out.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(in.size()))));
    int n = LZ4_compress_default(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                 static_cast<int>(in.size()), static_cast<int>(out.size()));
    if (n <= 0 || static_cast<std::size_t>(n) >= max_stored)
        return false;
    out.resize(static_cast<std::size_t>(n));
    return true;
}

std::string decompress(Compression c, std::span<const std::byte> in, std::span<std::byte> out)
{
    if (c == Compression::zstd) {
        std::size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
        if (ZSTD_isError(n))
            return std::string("zstd: ") + ZSTD_getErrorName(n);
        if (n != out.size())
            return "zstd: decompressed " + std::to_string(n) + " bytes, header says " + std::to_string(out.size());
        return {};
    }
    if (c == Compression::lz4) {
        if (in.size() > INT_MAX || out.size() > INT_MAX)
            return "lz4: block too large";
        int n = LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                    static_cast<int>(in.size()), static_cast<int>(out.size()));
        if (n < 0)
            return "lz4: malformed compressed data";
        if (static_cast<std::size_t>(n) != out.size())
            return "lz4: decompressed " + std::to_string(n) + " bytes, header says " + std::to_string(out.size());
        return {};
    }
    return "payload is not compressed";
}

} // namespace mars::format
