#include "daemon.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <stdexcept>

#include "util/logger.hpp"
#include "util/system_error.hpp"

namespace mars::marsd {
namespace {

// How often marsd looks at its state (heartbeat, property changes);
// mars-reference §2 "Main loop": scan_interval_sec 5.
constexpr uint64_t kTickUsec = 5'000'000;
// A peer is alive when its heartbeat is younger than this (alive_window).
constexpr std::uint64_t kAliveWindowNs = 30'000'000'000ull;

void check(int r, const std::string& what)
{
    if (r < 0)
        util::throw_errno(-r, what);
}

void ensure_home(const std::filesystem::path& home)
{
    struct stat st{};
    if (::stat(home.c_str(), &st) != 0) {
        if (errno != ENOENT)
            util::throw_errno("mars home " + home.string());
        if (::mkdir(home.c_str(), 0700) != 0)
            util::throw_errno("creating mars home " + home.string());
        return;
    }
    if (!S_ISDIR(st.st_mode))
        util::throw_errno(ENOTDIR, "mars home " + home.string());
}

} // namespace

Daemon::Daemon(DaemonOptions options) : options_(std::move(options))
{
    config_ = config::load_host_config(options_.config_file);
    ensure_home(config_.home);
    tree_ = std::make_unique<tree::StateTree>(config_.home, clock_);
    cluster_ = std::make_unique<cluster::ClusterState>(*tree_, config_.name);
}

Daemon::~Daemon()
{
    manager_.reset();
    sd_event_source_unref(tick_);
    sd_bus_flush_close_unref(bus_);
    sd_event_unref(event_);
}

void Daemon::connect_bus()
{
    int r = options_.bus == BusKind::system ? sd_bus_open_system(&bus_) : sd_bus_open_user(&bus_);
    check(r, options_.bus == BusKind::system ? "connecting to the system bus" : "connecting to the session bus");
    manager_ = std::make_unique<ManagerObject>(
        bus_, ManagerContext{config_, *tree_, *cluster_, [this](const std::string& h) { return peer_alive(h); },
                             [this] { manager_->publish_changes(); }});
    check(sd_bus_add_object_manager(bus_, nullptr, kManagerPath), "adding the D-Bus object manager");
    r = sd_bus_request_name(bus_, kBusName, 0);
    if (r == -EEXIST)
        throw std::runtime_error(std::string("another marsd already owns ") + kBusName + " on this bus");
    check(r, std::string("requesting bus name ") + kBusName + " (bus policy missing, or not root?)");
    check(sd_bus_attach_event(bus_, event_, SD_EVENT_PRIORITY_NORMAL), "attaching the bus to the event loop");
}

bool Daemon::peer_alive(const std::string& host) const
{
    auto beat = cluster_->last_heartbeat(host);
    if (!beat)
        return false;
    std::uint64_t now = tree::realtime_ns();
    return *beat + kAliveWindowNs >= now;
}

int Daemon::on_tick_timer(sd_event_source* s, uint64_t usec, void* userdata)
{
    auto* d = static_cast<Daemon*>(userdata);
    try {
        d->on_tick();
    } catch (const std::exception& e) {
        util::log(util::Priority::err, std::string("periodic work failed: ") + e.what());
    }
    sd_event_source_set_time(s, usec + kTickUsec);
    return 0;
}

void Daemon::on_tick()
{
    if (cluster_->is_member())
        cluster_->heartbeat();
    manager_->publish_changes();
}

void Daemon::start_timers()
{
    uint64_t now = 0;
    check(sd_event_now(event_, CLOCK_MONOTONIC, &now), "reading the event loop clock");
    check(sd_event_add_time(event_, &tick_, CLOCK_MONOTONIC, now + kTickUsec, 0, on_tick_timer, this),
          "adding the tick timer");
    check(sd_event_source_set_enabled(tick_, SD_EVENT_ON), "enabling the tick timer");
}

int Daemon::run()
{
    check(sd_event_default(&event_), "creating the event loop");
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    check(sd_event_add_signal(event_, nullptr, SIGTERM, nullptr, nullptr), "handling SIGTERM");
    check(sd_event_add_signal(event_, nullptr, SIGINT, nullptr, nullptr), "handling SIGINT");
    // Pings the systemd watchdog by itself when WATCHDOG_USEC is set.
    check(sd_event_set_watchdog(event_, 1), "enabling the watchdog");
    connect_bus();
    start_timers();

    std::string uuid = cluster_->uuid().value_or("");
    util::log(util::Priority::notice,
              "marsd " + config_.name + " serving " + config_.home.string() +
                  (uuid.empty() ? " (not in a cluster)" : " in cluster " + uuid),
              {{"MARS_HOST", config_.name}});
    sd_notifyf(0, "READY=1\nSTATUS=serving %s%s", config_.home.c_str(), uuid.empty() ? ", no cluster" : "");
    int r = sd_event_loop(event_);
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
    util::log(util::Priority::notice, "marsd " + config_.name + " stopping");
    return r < 0 ? 1 : 0;
}

} // namespace mars::marsd
