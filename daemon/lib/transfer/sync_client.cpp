#include "transfer/sync_client.hpp"

#include <fcntl.h>

#include <stdexcept>

#include "transfer/file_io.hpp"
#include "transfer/transfer_messages.hpp"
#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace mars::transfer {

SyncClient::SyncClient(tree::LamportClock& clock, ClientOptions options, std::string peer_host,
                       std::string peer_address)
    : connection_(clock, std::move(options), std::move(peer_host), std::move(peer_address))
{
}

void SyncClient::abort() { connection_.abort(); }

SyncResult SyncClient::sync(const std::string& res, std::uint64_t from, std::uint64_t size,
                            const std::filesystem::path& local_disk, std::function<bool()> keep_going,
                            std::function<void(std::uint64_t)> progress)
{
    if (from > size)
        throw std::invalid_argument("sync of " + res + ": from " + std::to_string(from) + " is beyond size " +
                                    std::to_string(size));
    // Never O_CREAT: a mistyped device path must not become a file in /dev.
    util::UniqueFd fd(::open(local_disk.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd)
        util::throw_errno("opening " + local_disk.string() + " for the sync of " + res);
    if (const auto local_size = file_or_device_size(fd.get(), local_disk); local_size < size) {
        // A regular file grows as we write; a block device would fail at its end.
        if (!std::filesystem::is_regular_file(local_disk))
            throw std::runtime_error(local_disk.string() + " has " + std::to_string(local_size) +
                                     " bytes, the sync of " + res + " needs " + std::to_string(size));
    }

    const std::uint64_t interval = std::max<std::uint64_t>(connection_.options().sync_durable_interval, 1);
    std::uint64_t durable = from;
    std::uint64_t written = from;
    auto make_durable = [&] {
        if (written == durable)
            return;
        sync_data(fd.get(), local_disk, written);
        durable = written;
        if (progress)
            progress(durable);
    };

    connection_.send(SyncRequest{res, from, size, connection_.options().compress, connection_.chunk_size()});
    auto end = connection_.receive_stream(from, size, [&](std::uint64_t at, std::span<const std::byte> d) {
        write_at(fd.get(), d, at, local_disk);
        written = at + d.size();
        if (written - durable >= interval)
            make_durable();
        return !keep_going || keep_going();
    });
    if (!end) {
        make_durable();
        return {durable, {}};
    }
    SyncEnd sync_end;
    try {
        sync_end = end->as<SyncEnd>();
        if (sync_end.end != size || written != size)
            throw net::ProtocolError("sync_end at " + std::to_string(sync_end.end) + ", data up to " +
                                     std::to_string(written) + ", requested up to " + std::to_string(size));
    } catch (const net::ProtocolError& e) {
        connection_.drop();
        make_durable();
        throw net::NetError(net::NetErrorKind::protocol, connection_.peer(), e.what());
    }
    make_durable();
    return {size, std::move(sync_end.position)};
}

} // namespace mars::transfer
