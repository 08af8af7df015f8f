// Fuzz target for the log reader: any bytes, as a logfile, must give a
// diagnosis without crash, hang, leak or undefined behaviour, and every
// record it returns must satisfy the format's promises.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "format/crc32c.hpp"
#include "log/log_reader.hpp"

namespace {

[[noreturn]] void broken_promise(const char* what)
{
    std::fprintf(stderr, "log reader broke a promise: %s\n", what);
    std::abort();
}

void read_everything(const std::string& path, mars::log::ReaderOptions options)
{
    mars::log::LogReader reader(path, options);
    mars::log::Record rec;
    std::uint64_t last_end = options.start_offset;
    std::optional<std::uint64_t> last_seq;
    while (reader.next(rec)) {
        const auto& h = rec.header;
        if (rec.file_offset != last_end)
            broken_promise("records are not contiguous");
        last_end = rec.file_offset + mars::format::record_size(h.stored_len);
        if (last_seq && h.seq != *last_seq + 1)
            broken_promise("sequence gap returned as a record");
        last_seq = h.seq;
        bool has_payload = h.type != mars::format::RecordType::padding && !(h.flags & MARS_LOG_F_ZEROES);
        if (has_payload && rec.payload.size() != h.payload_len)
            broken_promise("payload length differs from the header");
        if (h.durable > rec.file_offset)
            broken_promise("durable mark beyond the record");
    }
    if (reader.position() != last_end)
        broken_promise("position is not the end of the last record");
    if (reader.diagnosis().offset != last_end)
        broken_promise("diagnosis offset is not the end of the last record");
    // A second call after the end must agree with the first.
    if (reader.next(rec) && reader.diagnosis().is_defect())
        broken_promise("returned a record after a defect");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // The reader takes a path: give it an anonymous in-memory file.
    int fd = ::memfd_create("mars-fuzz-log", MFD_CLOEXEC);
    if (fd < 0)
        std::abort();
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::write(fd, data + done, size - done);
        if (n <= 0)
            std::abort();
        done += static_cast<std::size_t>(n);
    }
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    read_everything(path, {});
    read_everything(path, {0, 1});
    if (size > 0)
        read_everything(path, {(static_cast<std::uint64_t>(data[0]) * 8) % (size + 8) / 8 * 8, std::nullopt});
    ::close(fd);
    return 0;
}
