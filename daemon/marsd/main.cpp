// marsd: the mars daemon, one per host.
//
//   marsd [--config FILE] [--session-bus]
#include <cstring>
#include <iostream>
#include <string>

#include "daemon.hpp"
#include "journal.hpp"
#include "util/logger.hpp"

namespace {

void usage(std::ostream& out)
{
    out << "usage: marsd [--config FILE] [--session-bus]\n"
           "  --config FILE   host configuration (default /etc/mars/mars.conf)\n"
           "  --session-bus   serve on the session bus instead of the system bus (tests)\n";
}

} // namespace

int main(int argc, char** argv)
{
    mars::marsd::DaemonOptions options;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help") {
            usage(std::cout);
            return 0;
        } else if (a == "--config" && i + 1 < argc) {
            options.config_file = argv[++i];
        } else if (a.rfind("--config=", 0) == 0) {
            options.config_file = a.substr(9);
        } else if (a == "--session-bus") {
            options.bus = mars::marsd::BusKind::session;
        } else {
            std::cerr << "marsd: unknown argument '" << a << "'\n";
            usage(std::cerr);
            return 2;
        }
    }
    mars::marsd::install_journal_sink();
    try {
        mars::marsd::Daemon daemon(options);
        return daemon.run();
    } catch (const std::exception& e) {
        mars::util::log(mars::util::Priority::err, std::string("marsd: ") + e.what());
        return 1;
    }
}
