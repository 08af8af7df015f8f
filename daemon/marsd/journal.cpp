#include "journal.hpp"

#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "util/logger.hpp"

namespace mars::marsd {
namespace {

// True if stderr is the journal stream systemd connected us to.
bool stderr_is_journal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
        return false;
    struct stat st{};
    return ::fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

void journal_sink(util::Priority p, const std::string& message, const std::vector<util::LogField>& fields)
{
    std::vector<std::string> strings;
    strings.push_back("MESSAGE=" + message);
    strings.push_back("PRIORITY=" + std::to_string(static_cast<int>(p)));
    strings.push_back("SYSLOG_IDENTIFIER=marsd");
    for (const auto& [k, v] : fields)
        strings.push_back(k + "=" + v);
    std::vector<iovec> iov;
    for (auto& s : strings)
        iov.push_back({s.data(), s.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
}

} // namespace

void install_journal_sink()
{
    if (stderr_is_journal())
        util::set_log_sink(journal_sink);
}

} // namespace mars::marsd
