#include "engine/recovery.hpp"

#include <sys/stat.h>

#include <map>
#include <system_error>
#include <vector>

#include "log/logfile_name.hpp"
#include "util/logger.hpp"

namespace mars::engine {
namespace {

// The regular files named log-<N>-<host> in the directory, by number.
std::map<std::uint32_t, std::vector<std::string>> list_logfiles(const std::filesystem::path& dir)
{
    std::map<std::uint32_t, std::vector<std::string>> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        auto name = log::LogfileName::parse(entry.path().filename().string());
        // Symlinks are state-tree entries (a deleted logfile becomes one).
        if (name && entry.is_regular_file() && !entry.is_symlink())
            files[name->number].push_back(name->host);
    }
    return files;
}

std::uint64_t size_of(const std::filesystem::path& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        throw std::system_error(errno, std::generic_category(), "stat of " + path.string());
    return static_cast<std::uint64_t>(st.st_size);
}

class Recovery {
  public:
    Recovery(const BackingDisk& disk, const RecoveryOptions& options)
        : disk_(disk), opt_(options), replayer_(disk, options.replayer)
    {
    }

    RecoveryResult run()
    {
        try {
            replay_logfiles();
        } catch (const std::exception& e) {
            fail(e.what());
        }
        try {
            // Whatever was applied (everything before a defect) is made
            // durable, so the disk is a clean prefix of the log.
            replayer_.sync();
        } catch (const std::exception& e) {
            fail(e.what());
        }
        result_.replayer = replayer_.stats();
        result_.next_seq = result_.end.next_seq;
        if (result_.ok())
            util::log(util::Priority::notice,
                      "recovery of " + disk_.path().string() + " from " + opt_.start.str() + ": applied " +
                          std::to_string(result_.records) + " records (" + std::to_string(result_.bytes) +
                          " bytes) from " + std::to_string(result_.logfiles) + " logfiles, up to " + result_.end.str() +
                          "; the log continues in logfile " + std::to_string(result_.next_logfile));
        else
            util::log(util::Priority::err, "recovery of " + disk_.path().string() + " failed: " + result_.error);
        return std::move(result_);
    }

  private:
    void fail(const std::string& why)
    {
        if (result_.error.empty())
            result_.error = why;
    }

    void replay_logfiles()
    {
        const auto files = list_logfiles(opt_.log_directory);
        ReplayPosition at = opt_.start;
        result_.end = at;
        result_.next_logfile = at.logfile_number;

        if (auto it = files.find(at.logfile_number); it != files.end()) {
            for (const std::string& origin : it->second)
                if (origin != at.origin)
                    return fail("split brain: " + at.logfile_name() + " and " +
                                log::LogfileName{at.logfile_number, origin}.str() + " both exist in " +
                                opt_.log_directory.string());
        }
        if (!files.count(at.logfile_number) || files.at(at.logfile_number).empty()) {
            // A missing start logfile is fine only where nothing was ever
            // written to it: the writer will create it.
            if (at.offset != 0)
                return fail(at.logfile_path(opt_.log_directory).string() +
                            " does not exist, but the replay position is at offset " + std::to_string(at.offset));
            check_nothing_after(files, at.logfile_number - 1);
            return;
        }

        for (;;) {
            const std::filesystem::path path = at.logfile_path(opt_.log_directory);
            const std::uint64_t size = size_of(path);
            if (at.offset > size)
                return fail(path.string() + ": the replay position " + std::to_string(at.offset) +
                            " lies beyond the end of the file (" + std::to_string(size) + " bytes)");
            ++result_.logfiles;
            if (!replay_one(path, at))
                return;
            // An empty last logfile of our own is where the writer goes on.
            const bool reusable = size == 0 && at.origin == opt_.host;
            result_.next_logfile = reusable ? at.logfile_number : at.logfile_number + 1;

            auto next = files.find(at.logfile_number + 1);
            if (next == files.end())
                break;
            if (next->second.size() > 1)
                return fail("split brain: " + std::to_string(next->second.size()) + " logfiles numbered " +
                            std::to_string(next->first) + " in " + opt_.log_directory.string());
            // After a torn tail the log may go on in the next logfile: a
            // previous recovery started a new writer there.
            if (result_.last_end && result_.last_end->kind == log::LogEnd::torn_tail)
                util::log(util::Priority::info,
                          "recovery: " + result_.last_end->message() + "; the log continues in the next logfile");
            at = ReplayPosition{next->first, next->second.front(), 0, result_.end.next_seq};
        }
        check_nothing_after(files, result_.end.logfile_number);
    }

    // A logfile numbered beyond the last one read, with a gap before it,
    // means the log is incomplete: the writer must not continue below it.
    void check_nothing_after(const std::map<std::uint32_t, std::vector<std::string>>& files, std::uint32_t last)
    {
        auto later = files.upper_bound(last);
        if (later == files.end())
            return;
        fail("logfile " + log::LogfileName{later->first, later->second.front()}.str() + " exists, but logfile " +
             std::to_string(last + 1) + " is missing: the log of " + opt_.log_directory.string() + " has a gap");
    }

    // Applies one logfile from `at`. Returns false after a defect.
    bool replay_one(const std::filesystem::path& path, const ReplayPosition& at)
    {
        log::ReaderOptions ro;
        ro.start_offset = at.offset;
        if (at.next_seq != 0)
            ro.expected_seq = at.next_seq;
        log::LogReader reader(path, ro);
        log::Record rec;
        while (reader.next(rec)) {
            try {
                replayer_.apply(rec);
            } catch (const std::system_error& e) {
                fail(path.string() + " at offset " + std::to_string(rec.file_offset) + ", record seq " +
                     std::to_string(rec.header.seq) + ": " + e.what());
                return false;
            }
            if (rec.header.type == format::RecordType::write) {
                ++result_.records;
                result_.bytes += rec.header.payload_len;
            }
            result_.end = ReplayPosition{at.logfile_number, at.origin, reader.position(), rec.header.seq + 1};
        }
        if (result_.end.logfile_number != at.logfile_number) // nothing read from this file
            result_.end = ReplayPosition{at.logfile_number, at.origin, reader.position(), at.next_seq};
        result_.last_end = reader.diagnosis();
        if (reader.diagnosis().is_defect()) {
            fail(reader.diagnosis().message());
            return false;
        }
        return true;
    }

    const BackingDisk& disk_;
    const RecoveryOptions& opt_;
    Replayer replayer_;
    RecoveryResult result_;
};

} // namespace

RecoveryResult recover(const BackingDisk& disk, const RecoveryOptions& options)
{
    Recovery recovery(disk, options);
    return recovery.run();
}

} // namespace mars::engine
