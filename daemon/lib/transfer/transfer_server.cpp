#include "transfer/transfer_server.hpp"

#include "transfer/request_handler.hpp"

namespace mars::transfer {
namespace {

const char* port_name(Service service)
{
    return service == Service::fetch ? "fetch port" : "sync port";
}

net::ConnectionServerOptions connection_options(const ServerOptions& o)
{
    net::ConnectionServerOptions c;
    c.name = port_name(o.service);
    c.listen_address = o.listen_address;
    c.port = o.port;
    c.security = o.security;
    c.handshake_timeout = o.handshake_timeout;
    c.idle_timeout = o.idle_timeout;
    c.handshake = [host = o.host, uuid = o.cluster_uuid] {
        net::HandshakeOptions hs;
        hs.host = host;
        hs.cluster_uuid = uuid ? uuid() : std::string(net::kAnyClusterUuid);
        return hs;
    };
    return c;
}

} // namespace

TransferServer::TransferServer(tree::LamportClock& clock, ServerOptions options, ResourceAccess access)
    : options_(std::move(options)), access_(std::move(access)), bucket_(options_.bandwidth_limit),
      server_(clock, connection_options(options_),
              [this](net::Channel& channel, const net::PeerInfo& peer) { session(channel, peer); })
{
}

void TransferServer::session(net::Channel& channel, const net::PeerInfo& peer)
{
    RequestHandler handler(channel, RequestHandler::Context{options_.service, access_, bucket_,
                                                            [this] { return !server_.stopping(); },
                                                            options_.idle_timeout, port_name(options_.service),
                                                            peer.host});
    while (auto m = server_.next_request(channel))
        if (!handler.answer(*m))
            return;
}

} // namespace mars::transfer
