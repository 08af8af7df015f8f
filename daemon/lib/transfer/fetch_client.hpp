// The fetching side of a secondary (mars-reference §2 "Fetch"): lists a
// peer's logfiles of a resource and append-copies one logfile from the
// local copy's size up to the peer's. Appending only means a fetch can be
// stopped at any time and resumed later; damaged local copies are the
// caller's business (delete and fetch again from 0).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "log/logfile_name.hpp"
#include "transfer/client_connection.hpp"
#include "transfer/client_options.hpp"
#include "tree/lamport_clock.hpp"

namespace mars::transfer {

struct RemoteLogfile {
    log::LogfileName name;
    std::uint64_t size = 0;
};

// The local copy of a logfile is longer than the peer's: not a prefix of
// it, so appending cannot repair it.
class LocalCopyLongerError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class FetchClient {
  public:
    // Connects and handshakes (expected peer = peer_host). Throws net::NetError.
    FetchClient(tree::LamportClock& clock, ClientOptions options, std::string peer_host, std::string peer_address);

    // The peer's logfiles of res, with current sizes, in log order. Throws
    // RemoteError (a net::NetError) if the peer does not serve res.
    std::vector<RemoteLogfile> list(const std::string& res);

    // Appends to `local_file` (created 0600 if missing, its directory entry
    // fsynced) the bytes of the peer's logfile `name` from the local file's
    // current size up to the peer's current size (resume = append-only).
    // fdatasyncs before returning. Returns bytes appended. If the local file
    // is longer than the peer's, throws LocalCopyLongerError (the caller
    // decides). keep_going() is polled between chunks (false = stop early,
    // still durable); progress(total_local_size) after chunks.
    std::uint64_t fetch(const std::string& res, const log::LogfileName& name,
                        const std::filesystem::path& local_file, std::function<bool()> keep_going = {},
                        std::function<void(std::uint64_t)> progress = {});

    void abort(); // from another thread: wakes a blocked call, which throws

    // Chunk bytes received on the wire (compressed size where compressed).
    std::uint64_t wire_bytes() const { return connection_.wire_bytes(); }

  private:
    ClientConnection connection_;
};

} // namespace mars::transfer
