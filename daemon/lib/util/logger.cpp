#include "util/logger.hpp"

#include <cstdio>
#include <mutex>

namespace mars::util {
namespace {

std::mutex& stderr_mutex()
{
    static std::mutex m;
    return m;
}

void stderr_sink(Priority p, const std::string& message, const std::vector<LogField>& fields)
{
    std::string line = "<" + std::to_string(static_cast<int>(p)) + ">" + message;
    for (const auto& [k, v] : fields)
        line += " " + k + "=" + v;
    line += "\n";
    std::lock_guard lock(stderr_mutex());
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

LogSink& sink()
{
    static LogSink s = stderr_sink;
    return s;
}

} // namespace

void set_log_sink(LogSink s) { sink() = s ? std::move(s) : LogSink(stderr_sink); }

void log(Priority p, const std::string& message, const std::vector<LogField>& fields) { sink()(p, message, fields); }

void log(Priority p, const std::string& message, std::initializer_list<LogField> fields)
{
    log(p, message, std::vector<LogField>(fields));
}

} // namespace mars::util
