#include "transfer/request_handler.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "config/resource_config.hpp"
#include "log/logfile_name.hpp"
#include "transfer/chunk_codec.hpp"
#include "transfer/file_io.hpp"
#include "transfer/transfer_messages.hpp"
#include "util/logger.hpp"
#include "util/unique_fd.hpp"

namespace mars::transfer {

using util::Priority;

namespace {

// A request we cannot serve; `hostile` ones end the connection.
struct RequestError : std::runtime_error {
    RequestError(const std::string& what, bool hostile_) : std::runtime_error(what), hostile(hostile_) {}
    bool hostile;
};

} // namespace

std::size_t chunk_size_for(const TokenBucket& bucket, std::uint32_t wanted)
{
    std::uint64_t size = wanted ? wanted : kMaxChunkSize;
    // About a second's worth under a limit: a chunk then never keeps the
    // link (or the peer's receive timeout) waiting for long.
    if (!bucket.unlimited())
        size = std::min(size, bucket.rate());
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(size, kMinChunkSize, kMaxChunkSize));
}

RequestHandler::RequestHandler(net::Channel& channel, Context context) : channel_(channel), context_(std::move(context))
{
}

bool RequestHandler::answer(const net::Message& request)
{
    try {
        const bool fetch = context_.service == Service::fetch;
        switch (request.type) {
        case net::MessageType::ping:
            channel_.send(net::Pong{request.as<net::Ping>().nonce}, context_.send_timeout);
            return true;
        case net::MessageType::list_logs:
            if (!fetch)
                break;
            list_logs(request);
            return true;
        case net::MessageType::read_log:
            if (!fetch)
                break;
            read_log(request);
            return true;
        case net::MessageType::sync_request:
            if (fetch)
                break;
            sync(request);
            return true;
        default:
            break;
        }
        throw RequestError("unexpected " + net::message_type_name(request.type) + " request on the " +
                               context_.port_name,
                           true);
    } catch (const RequestError& e) {
        channel_.send(net::ErrorMessage{e.what()}, context_.send_timeout);
        if (!e.hostile) {
            util::log(Priority::info, context_.port_name + ": request of " + context_.peer_host + ": " + e.what(),
                      {{"MARS_PEER", context_.peer_host}});
            return true;
        }
        util::log(Priority::warning,
                  context_.port_name + ": " + channel_.peer_address() + " (" + context_.peer_host +
                      "): dropped: " + e.what(),
                  {{"MARS_PEER", context_.peer_host}});
        return false;
    } catch (const std::system_error& e) {
        // Our disk or /mars failed mid-answer: the peer learns it and may retry.
        util::log(Priority::err, context_.port_name + ": serving " + context_.peer_host + ": " + e.what(),
                  {{"MARS_PEER", context_.peer_host}});
        channel_.send(net::ErrorMessage{std::string("the server failed: ") + e.what()}, context_.send_timeout);
        return true;
    }
}

std::string RequestHandler::check_resource(const std::string& res) const
{
    if (auto why = config::check_resource_name(res); !why.empty())
        throw RequestError(why, true);
    return res;
}

void RequestHandler::list_logs(const net::Message& request)
{
    const auto req = request.as<ListLogs>();
    const std::string res = check_resource(req.resource);
    const auto dir = context_.access.log_directory ? context_.access.log_directory(res) : std::nullopt;
    if (!dir)
        throw RequestError("resource " + res + " is not served here", false);

    LogList answer;
    std::vector<std::pair<log::LogfileName, std::uint64_t>> found;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(*dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = log::LogfileName::parse(it->path().filename().string());
        if (!name)
            continue;
        // symlink_status: a symlink named like a logfile is not one of ours.
        std::error_code sec;
        const auto st = it->symlink_status(sec);
        if (sec || !std::filesystem::is_regular_file(st))
            continue;
        const auto size = std::filesystem::file_size(it->path(), sec);
        if (sec)
            continue; // deleted meanwhile
        found.emplace_back(*name, size);
    }
    if (ec)
        throw RequestError("cannot list the logfiles of resource " + res + ": " + ec.message(), false);
    if (found.size() > kMaxListedLogfiles)
        throw RequestError("resource " + res + " has more than " + std::to_string(kMaxListedLogfiles) + " logfiles",
                           false);
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return a.first.number != b.first.number ? a.first.number < b.first.number : a.first.host < b.first.host;
    });
    for (const auto& [name, size] : found)
        answer.logfiles.push_back({name.str(), size});
    channel_.send(answer, context_.send_timeout);
}

void RequestHandler::read_log(const net::Message& request)
{
    const auto req = request.as<ReadLog>();
    const std::string res = check_resource(req.resource);
    const auto name = log::LogfileName::parse(req.logfile);
    if (!name)
        throw RequestError("'" + req.logfile + "' is not a logfile name", true);
    const auto dir = context_.access.log_directory ? context_.access.log_directory(res) : std::nullopt;
    if (!dir)
        throw RequestError("resource " + res + " is not served here", false);

    const std::filesystem::path path = *dir / name->str();
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd)
        throw RequestError("logfile " + name->str() + " of resource " + res + ": " + std::strerror(errno), false);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
        throw RequestError("logfile " + name->str() + " of resource " + res + " is not a regular file", false);

    // Only what exists now: the writer may be appending; the client asks again later.
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t end = size;
    if (req.offset < size)
        end = stream(fd.get(), path.string(), req.offset, size, req.compress, req.chunk_size);
    channel_.send(ReadEnd{end}, context_.send_timeout);
}

void RequestHandler::sync(const net::Message& request)
{
    const auto req = request.as<SyncRequest>();
    const std::string res = check_resource(req.resource);
    const auto disk = context_.access.disk ? context_.access.disk(res) : std::nullopt;
    if (!disk)
        throw RequestError("resource " + res + " is not synced from here (not its primary?)", false);

    util::UniqueFd fd(::open(disk->c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        throw RequestError("disk " + disk->string() + " of resource " + res + ": " + std::strerror(errno), false);
    std::uint64_t disk_size = 0;
    try {
        disk_size = file_or_device_size(fd.get(), *disk);
    } catch (const std::exception& e) {
        throw RequestError(e.what(), false);
    }
    if (req.size > disk_size)
        throw RequestError("sync of resource " + res + " up to " + std::to_string(req.size) + " bytes, but disk " +
                               disk->string() + " has " + std::to_string(disk_size),
                           false);

    const std::uint64_t end = stream(fd.get(), disk->string(), req.from, req.size, req.compress, req.chunk_size);
    if (end != req.size)
        throw std::runtime_error("disk " + disk->string() + " ended at " + std::to_string(end) + " while syncing");
    // Taken after the last byte was read: replay from the sync's start up to
    // here repairs whatever changed on the disk while we copied it.
    const std::string position = context_.access.sync_end_position ? context_.access.sync_end_position(res) : "";
    channel_.send(SyncEnd{end, position}, context_.send_timeout);
}

std::uint64_t RequestHandler::stream(int fd, const std::string& what, std::uint64_t from, std::uint64_t end,
                                     bool compress, std::uint32_t wanted_chunk)
{
    const std::size_t chunk_size = chunk_size_for(context_.bucket, wanted_chunk);
    ChunkEncoder encoder(compress);
    std::vector<std::byte> buffer(chunk_size);
    std::uint64_t pos = from;
    while (pos < end) {
        if (!context_.running())
            throw net::NetError(net::NetErrorKind::closed, channel_.peer_address(), "server stopping");
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(end - pos, chunk_size));
        const std::size_t got = read_at(fd, std::span(buffer.data(), want), pos, what);
        if (got == 0)
            break;
        const Chunk chunk = encoder.encode(pos, std::span(buffer.data(), got));
        channel_.send(chunk, context_.send_timeout);
        if (!context_.bucket.acquire(chunk.data.size(), context_.running))
            throw net::NetError(net::NetErrorKind::closed, channel_.peer_address(), "server stopping");
        pos += got;
        if (got < want)
            break;
    }
    return pos;
}

} // namespace mars::transfer
