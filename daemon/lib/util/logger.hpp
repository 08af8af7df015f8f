// Log messages for the journal. The library only formats; where the text
// goes is decided once by the program: by default stderr with "<N>"
// priority prefixes (journald reads those from a service's stderr), in
// marsd sd-journal with structured fields (see daemon/marsd/journal.cpp).
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mars::util {

enum class Priority { err = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// Structured fields, e.g. {"MARS_RESOURCE", "r0"}, {"MARS_PEER", "beta"}.
using LogField = std::pair<std::string, std::string>;

using LogSink = std::function<void(Priority, const std::string& message, const std::vector<LogField>& fields)>;

// Replaces the sink (call once at start-up, before threads exist).
void set_log_sink(LogSink sink);

void log(Priority p, const std::string& message, std::initializer_list<LogField> fields = {});
void log(Priority p, const std::string& message, const std::vector<LogField>& fields);

} // namespace mars::util
