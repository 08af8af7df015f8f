// marsd: one daemon per host. Wires the library (state tree, cluster,
// later fetch/replay) to sd-event and sd-bus, and reports to systemd.
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include <filesystem>
#include <memory>
#include <string>

#include "bus/manager_object.hpp"
#include "cluster/cluster_state.hpp"
#include "config/host_config.hpp"
#include "tree/lamport_clock.hpp"
#include "tree/state_tree.hpp"

namespace mars::marsd {

enum class BusKind { system, session };

struct DaemonOptions {
    std::filesystem::path config_file = "/etc/mars/mars.conf";
    BusKind bus = BusKind::system;
};

class Daemon {
public:
    // Loads the configuration and the state tree; throws with a message
    // naming what is wrong (a config line, an unusable home).
    explicit Daemon(DaemonOptions options);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Serves until SIGTERM or SIGINT. Returns the exit code.
    int run();

private:
    void connect_bus();
    void start_timers();
    void on_tick();
    bool peer_alive(const std::string& host) const;
    static int on_tick_timer(sd_event_source* s, uint64_t usec, void* userdata);

    DaemonOptions options_;
    config::HostConfig config_;
    tree::LamportClock clock_;
    std::unique_ptr<tree::StateTree> tree_;
    std::unique_ptr<cluster::ClusterState> cluster_;
    sd_event* event_ = nullptr;
    sd_bus* bus_ = nullptr;
    sd_event_source* tick_ = nullptr;
    std::unique_ptr<ManagerObject> manager_;
};

} // namespace mars::marsd
