#include "transfer/fetch_client.hpp"

#include "transfer/file_io.hpp"
#include "transfer/transfer_messages.hpp"

namespace mars::transfer {

FetchClient::FetchClient(tree::LamportClock& clock, ClientOptions options, std::string peer_host,
                         std::string peer_address)
    : connection_(clock, std::move(options), std::move(peer_host), std::move(peer_address))
{
}

void FetchClient::abort() { connection_.abort(); }

std::vector<RemoteLogfile> FetchClient::list(const std::string& res)
{
    connection_.send(ListLogs{res});
    const net::Message m = connection_.receive();
    LogList answer;
    try {
        answer = m.as<LogList>();
    } catch (const net::ProtocolError& e) {
        connection_.drop();
        throw net::NetError(net::NetErrorKind::protocol, connection_.peer(), e.what());
    }
    std::vector<RemoteLogfile> out;
    for (const auto& e : answer.logfiles) {
        // The peer's names become local file names: check them as hostile.
        auto name = log::LogfileName::parse(e.name);
        if (!name) {
            connection_.drop();
            throw net::NetError(net::NetErrorKind::protocol, connection_.peer(),
                                "log_list names '" + e.name + "', not a logfile");
        }
        out.push_back({std::move(*name), e.size});
    }
    return out;
}

std::uint64_t FetchClient::fetch(const std::string& res, const log::LogfileName& name,
                                 const std::filesystem::path& local_file, std::function<bool()> keep_going,
                                 std::function<void(std::uint64_t)> progress)
{
    util::UniqueFd fd = open_log_copy(local_file);
    const std::uint64_t start = file_or_device_size(fd.get(), local_file);
    std::uint64_t pos = start;
    try {
        connection_.send(ReadLog{res, name.str(), start, connection_.options().compress, connection_.chunk_size()});
        auto end = connection_.receive_stream(start, kMaxOffset, [&](std::uint64_t at, std::span<const std::byte> d) {
            write_at(fd.get(), d, at, local_file);
            pos = at + d.size();
            if (progress)
                progress(pos);
            return !keep_going || keep_going();
        });
        if (end) {
            ReadEnd read_end;
            try {
                read_end = end->as<ReadEnd>();
            } catch (const net::ProtocolError& e) {
                connection_.drop();
                throw net::NetError(net::NetErrorKind::protocol, connection_.peer(), e.what());
            }
            if (read_end.size < start)
                throw LocalCopyLongerError(local_file.string() + " has " + std::to_string(start) +
                                           " bytes, more than " + name.str() + " at " + connection_.peer() + " (" +
                                           std::to_string(read_end.size) + ")");
            if (read_end.size != pos) {
                connection_.drop();
                throw net::NetError(net::NetErrorKind::protocol, connection_.peer(),
                                    "read_end says " + std::to_string(read_end.size) + " bytes, but data ended at " +
                                        std::to_string(pos));
            }
        }
    } catch (...) {
        // Keep what arrived: it is a valid prefix, and the next fetch resumes after it.
        try {
            sync_data(fd.get(), local_file, pos);
        } catch (...) {
        }
        throw;
    }
    sync_data(fd.get(), local_file, pos);
    return pos - start;
}

} // namespace mars::transfer
