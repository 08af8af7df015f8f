// Sends marsd's log messages to the journal with structured fields when
// stderr is connected to journald (systemd sets $JOURNAL_STREAM), else to
// stderr with "<N>" priority prefixes.
#pragma once

namespace mars::marsd {

void install_journal_sink();

} // namespace mars::marsd
