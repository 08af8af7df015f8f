// What a transfer server answers on one authenticated connection: the log
// list and log reads on the fetch port, disk streams on the sync port.
//
// Every name from the peer is validated before it gets near the file
// system (config::check_resource_name, log::LogfileName::parse; a path is
// never accepted), and only the ResourceAccess callbacks turn a resource
// into a directory or disk. A request that cannot be served (a resource
// not served here, a missing logfile) is answered with net::ErrorMessage
// and the connection stays; a request that breaks the rules (a malformed
// payload, an invalid name, a request for the other port) is answered
// likewise where possible and then the connection is dropped.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "net/channel.hpp"
#include "transfer/token_bucket.hpp"
#include "transfer/transfer_server.hpp"

namespace mars::transfer {

// Bytes per chunk: what the client asked for (0 = the maximum), at most a
// second's worth of `bucket`, within [kMinChunkSize, kMaxChunkSize].
std::size_t chunk_size_for(const TokenBucket& bucket, std::uint32_t wanted);

class RequestHandler {
  public:
    struct Context {
        Service service;
        const ResourceAccess& access;
        TokenBucket& bucket;          // the server's send limit, shared by its connections
        std::function<bool()> running; // false once the server stops
        std::chrono::milliseconds send_timeout;
        std::string port_name; // "fetch port", for journal lines
        std::string peer_host;
    };

    RequestHandler(net::Channel& channel, Context context);

    // Answers one request. Returns false when the connection should be
    // dropped (the peer was told why and the journal has a line). Throws
    // net::NetError and net::ProtocolError (malformed payload) likewise.
    bool answer(const net::Message& request);

  private:
    void list_logs(const net::Message& request);
    void read_log(const net::Message& request);
    void sync(const net::Message& request);
    // Sends [from, end) of fd as chunks; returns where it stopped (earlier
    // than `end` only at end of file: a logfile truncated meanwhile).
    std::uint64_t stream(int fd, const std::string& what, std::uint64_t from, std::uint64_t end, bool compress,
                         std::uint32_t wanted_chunk);
    std::string check_resource(const std::string& res) const;

    net::Channel& channel_;
    Context context_;
};

} // namespace mars::transfer
