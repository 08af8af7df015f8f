#include "host_log.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

#include "log/log_reader.hpp"
#include "log/log_writer.hpp"
#include "support/log_fixture.hpp"

namespace mars::kmodtest {

void write_host_log(const std::filesystem::path& dir, std::uint64_t device_bytes)
{
    const auto work = dir / "writer";
    std::filesystem::remove_all(work);
    std::filesystem::create_directories(work);
    std::vector<std::byte> image(device_bytes);
    std::filesystem::path written;
    log::LogPosition end;
    {
        log::WriterOptions o = test::writer_options(work, "kmodtest");
        o.direct_io = true;
        o.alignment = 4096;
        o.compression = format::Compression::none;
        log::LogWriter writer(o);
        if (!writer.direct_io_active())
            throw std::runtime_error("no direct IO in " + work.string() + ": the log would not end aligned");
        auto put = [&](std::uint64_t offset, std::vector<std::byte> data, bool fua) {
            log::WriteRequest req;
            req.offset = offset;
            req.data = data;
            req.fua = fua;
            auto r = writer.write(req);
            if (!r.ok())
                throw std::runtime_error("LogWriter: " + r.message);
            std::copy(data.begin(), data.end(), image.begin() + static_cast<std::ptrdiff_t>(offset));
        };
        // every byte, so that replaying the log alone gives the whole device
        constexpr std::uint64_t chunk = 256 << 10;
        for (std::uint64_t off = 0; off < device_bytes; off += chunk)
            put(off, test::pattern(off, std::min(chunk, device_bytes - off)), false);
        std::mt19937_64 rng(0x686f7374);
        for (int i = 0; i < 40; ++i) {
            std::uint64_t sectors = 1 + rng() % 256;
            std::uint64_t off = (rng() % (device_bytes / 512 - sectors + 1)) * 512;
            put(off, test::pattern(1000 + i, sectors * 512), i == 20);
        }
        log::WriteRequest zeroes;
        zeroes.offset = device_bytes / 2;
        zeroes.zero_length = 64 << 10;
        auto z = writer.write(zeroes);
        if (!z.ok())
            throw std::runtime_error("LogWriter: " + z.message);
        std::fill_n(image.begin() + static_cast<std::ptrdiff_t>(device_bytes / 2), 64 << 10, std::byte{0});
        end = writer.position();
        written = writer.current_path();
    }
    if (end.end_offset % 4096 != 0 || end.durable_offset != end.end_offset)
        throw std::runtime_error("host log ends at " + std::to_string(end.end_offset) + ", durable " +
                                 std::to_string(end.durable_offset));

    // the stamp the kernel must stay above: that of the last record
    log::LogReader reader(written);
    log::Record rec;
    std::uint64_t last_stamp = 0;
    while (reader.next(rec))
        last_stamp = rec.header.stamp_ns;
    if (reader.diagnosis().kind != log::LogEnd::clean || reader.position() != end.end_offset)
        throw std::runtime_error("host log does not read back cleanly: " + reader.diagnosis().message());

    std::filesystem::rename(written, dir / "log");
    std::filesystem::remove_all(work);
    test::write_file_bytes(dir / "image", image);
    std::ofstream(dir / "meta") << end.end_offset << ' ' << end.next_seq << ' ' << last_stamp << '\n';
}

} // namespace mars::kmodtest
