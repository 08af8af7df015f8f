// The receiving side of a full sync (mars-reference §6.5): copies a range
// of the primary's disk onto the local disk at the same offsets, durable
// in steps so that syncstatus can be published and a broken sync resumed
// from the last durable offset.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "transfer/client_connection.hpp"
#include "transfer/client_options.hpp"
#include "tree/lamport_clock.hpp"

namespace mars::transfer {

struct SyncResult {
    std::uint64_t end_offset = 0;
    std::string primary_position; // ResourceAccess::sync_end_position at the end; empty if stopped early
};

class SyncClient {
  public:
    // Connects and handshakes (expected peer = peer_host). Throws net::NetError.
    SyncClient(tree::LamportClock& clock, ClientOptions options, std::string peer_host, std::string peer_address);

    // Copies bytes [from, size) of the peer's disk of `res` onto `local_disk`
    // (an existing regular file or block device) at the same offsets; makes
    // them durable (fdatasync) at least every options.sync_durable_interval
    // (64 MiB) and calls progress(durable_offset) after each such point.
    // keep_going polled between chunks (false -> returns early with
    // end_offset = what is durable). Throws net::NetError / std::system_error
    // naming file and offset.
    SyncResult sync(const std::string& res, std::uint64_t from, std::uint64_t size,
                    const std::filesystem::path& local_disk, std::function<bool()> keep_going = {},
                    std::function<void(std::uint64_t)> progress = {});

    void abort(); // from another thread: wakes a blocked call, which throws

    std::uint64_t wire_bytes() const { return connection_.wire_bytes(); }

  private:
    ClientConnection connection_;
};

} // namespace mars::transfer
