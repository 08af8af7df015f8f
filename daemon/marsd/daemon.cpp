#include "daemon.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <stdexcept>

#include "util/host_name.hpp"

#include "gossip/join.hpp"
#include "net/psk.hpp"
#include "net/security.hpp"
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
    if (join_thread_.joinable())
        join_thread_.join();
    gossip_client_.reset();
    gossip_server_.reset();
    resources_.reset();
    manager_.reset();
    // Its threads post to the main queue: gone before the queue is.
    resource_manager_.reset();
    main_queue_.reset();
    sd_event_source_unref(tick_);
    sd_bus_flush_close_unref(bus_);
    sd_event_unref(event_);
}

void Daemon::connect_bus()
{
    int r = options_.bus == BusKind::system ? sd_bus_open_system(&bus_) : sd_bus_open_user(&bus_);
    check(r, options_.bus == BusKind::system ? "connecting to the system bus" : "connecting to the session bus");
    ManagerContext context{
        config_,
        *tree_,
        *cluster_,
        [this](const std::string& h) { return peer_alive(h); },
        [this] { tree_changed_locally(); },
        [this](const std::string& address) { create_cluster(address); },
        [this](const std::string& host, const std::string& address, std::function<void(const std::string&)> done) {
            join_cluster(host, address, std::move(done));
        },
        [this] { leave_cluster(); },
        [this] { update_cluster(); },
        [this](const std::string& name, const std::string& disk, const std::string& device, std::uint64_t size) {
            resource_manager_->create(name, disk, device, size);
        },
        [this](const std::string& name, const std::string& disk, const std::string& device) {
            resource_manager_->join(name, disk, device);
        },
    };
    manager_ = std::make_unique<ManagerObject>(bus_, std::move(context));
    resources_ = std::make_unique<ResourceObjects>(
        bus_, ResourceContext{*tree_, *resource_manager_, [this] { tree_changed_locally(); }});
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
    if (gossip_client_)
        gossip_client_->update_members();
    resource_manager_->tick();
    purge_old_tombstones();
    publish_changes();
}

void Daemon::tree_changed_locally()
{
    if (gossip_client_)
        gossip_client_->notify_peers();
    publish_changes();
}

void Daemon::publish_changes()
{
    manager_->publish_changes();
    resources_->publish_changes();
}

// Tombstones must live long enough for every peer to have pulled them (a
// purged one can no longer beat an old value a lagging peer still holds);
// MARS keeps them 168 hours (--keep-backup-hours).
void Daemon::purge_old_tombstones()
{
    constexpr std::uint64_t kKeepNs = 168ull * 3600 * 1000000000ull;
    constexpr std::uint64_t kEveryNs = 3600ull * 1000000000ull;
    const std::uint64_t now = tree::realtime_ns();
    if (now - last_purge_ns_ < kEveryNs || now < kKeepNs)
        return;
    last_purge_ns_ = now;
    if (std::size_t n = tree_->purge_tombstones(now - kKeepNs); n > 0)
        util::log(util::Priority::info, "purged " + std::to_string(n) + " tombstones older than 168 hours");
}

std::string Daemon::own_address() const
{
    if (auto me = cluster_->member(config_.name))
        return me->address;
    return config_.listen;
}

void Daemon::start_gossip()
{
    if (gossip_server_)
        return;
    auto security = net::SecurityOptions::from_config(config_);
    auto changed = [this] { main_queue_->post([this] { publish_changes(); }); };
    gossip::ServerOptions so;
    so.listen_address = own_address();
    so.port = config_.meta_port();
    so.security = security;
    // A peer that says it changed gets pulled from at once (on the puller's thread).
    auto notified = [this](const std::string& host) {
        main_queue_->post([this, host] {
            if (gossip_client_)
                gossip_client_->trigger(host);
        });
    };
    gossip_server_ = std::make_unique<gossip::GossipServer>(*tree_, clock_, *cluster_, so, changed, notified);
    gossip::ClientOptions co;
    co.port = config_.meta_port();
    co.security = security;
    gossip_client_ = std::make_unique<gossip::GossipClient>(*tree_, clock_, *cluster_, co, changed);
    gossip_client_->update_members();
    util::log(util::Priority::info, "gossip on " + so.listen_address + ":" + std::to_string(so.port) + " (" +
                                        std::string(net::security_mode_name(config_.security)) + ")");
    try {
        resource_manager_->start_servers();
    } catch (const std::exception& e) {
        // Gossip still runs; secondaries cannot fetch from us until a restart.
        util::log(util::Priority::err, std::string("cannot serve log fetch and sync: ") + e.what());
    }
}

void Daemon::create_cluster(const std::string& address)
{
    std::string addr = address.empty() ? config_.listen : address;
    if (addr.empty())
        throw std::invalid_argument("no address to publish: give one (marsadm create-cluster --ip ADDR) or set "
                                    "[host] listen in mars.conf");
    if (config_.security == config::SecurityMode::psk && !std::filesystem::exists(config_.psk_file)) {
        net::generate_psk_file(config_.psk_file);
        util::log(util::Priority::notice, "generated the cluster key " + config_.psk_file.string() +
                                              "; copy it (mode 0600) to every host before it joins");
    }
    cluster_->create(addr);
    util::log(util::Priority::notice, "created cluster " + cluster_->uuid().value_or("?") + " at " + addr,
              {{"MARS_CLUSTER", cluster_->uuid().value_or("")}});
    start_gossip();
}

void Daemon::join_cluster(const std::string& host, const std::string& address,
                          std::function<void(const std::string&)> done)
{
    if (joining_)
        throw cluster::ClusterError("a join-cluster is already in progress");
    if (auto u = cluster_->uuid(); u && *u != cluster::kAnyUuid)
        throw cluster::ClusterError("this host is already in cluster " + *u + "; leave it first");
    if (auto why = util::check_host_name(host); !why.empty())
        throw std::invalid_argument(why);
    if (address.empty())
        throw std::invalid_argument("join-cluster needs the address of " + host);
    gossip::JoinRequest request;
    request.peer_host = host;
    request.peer_address = address;
    request.port = config_.meta_port();
    request.own_address = config_.listen;
    if (request.own_address.empty())
        throw std::invalid_argument("set [host] listen in mars.conf: the address other hosts reach this one on");
    // Fails here, before anything is written, if the cluster key is missing.
    request.security = net::SecurityOptions::from_config(config_);
    joining_ = true;
    if (join_thread_.joinable())
        join_thread_.join();
    join_thread_ = std::thread([this, request, done = std::move(done)] {
        std::string failure;
        std::string uuid;
        try {
            uuid = gossip::join_cluster(*tree_, clock_, *cluster_, request);
        } catch (const std::exception& e) {
            failure = std::string("joining ") + request.peer_host + " at " + request.peer_address + ": " + e.what();
        }
        main_queue_->post([this, failure, uuid, done, host = request.peer_host] {
            joining_ = false;
            if (failure.empty()) {
                util::log(util::Priority::notice, "joined cluster " + uuid + " via " + host,
                          {{"MARS_CLUSTER", uuid}, {"MARS_PEER", host}});
                try {
                    start_gossip();
                } catch (const std::exception& e) {
                    util::log(util::Priority::err, std::string("cannot start gossip: ") + e.what());
                }
            } else {
                util::log(util::Priority::err, failure, {{"MARS_PEER", host}});
            }
            done(failure);
        });
    });
}

void Daemon::leave_cluster()
{
    cluster_->leave();
    util::log(util::Priority::notice, "left the cluster (this host stays a witness of the state tree)");
}

void Daemon::update_cluster()
{
    if (!gossip_client_)
        throw cluster::ClusterError("this host is not in a cluster");
    gossip_client_->trigger();
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
    main_queue_ = std::make_unique<MainThreadQueue>(event_);
    ResourceManagerContext rc{
        config_,
        *tree_,
        clock_,
        *cluster_,
        [this](const std::string& h) { return peer_alive(h); },
        // Called from replication threads too: hop to the main thread.
        [this] { main_queue_->post([this] { tree_changed_locally(); }); },
    };
    resource_manager_ = std::make_unique<ResourceManager>(rc);
    connect_bus();
    start_timers();
    if (auto u = cluster_->uuid(); u && *u != cluster::kAnyUuid) {
        try {
            start_gossip();
        } catch (const std::exception& e) {
            // Stay up for D-Bus (view, diagnosis); peers stay out of reach.
            util::log(util::Priority::err, std::string("not talking to peers: ") + e.what());
        }
    }

    // Crash recovery and devices before READY: a primary's device is back
    // (or the reason it is not is in the journal) when systemd hears we run.
    resource_manager_->reconcile();

    std::string uuid = cluster_->uuid().value_or("");
    util::log(util::Priority::notice,
              "marsd " + config_.name + " serving " + config_.home.string() +
                  (uuid.empty() ? " (not in a cluster)" : " in cluster " + uuid),
              {{"MARS_HOST", config_.name}});
    sd_notifyf(0, "READY=1\nSTATUS=serving %s%s", config_.home.c_str(), uuid.empty() ? ", no cluster" : "");
    int r = sd_event_loop(event_);
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
    resource_manager_->shutdown();
    util::log(util::Priority::notice, "marsd " + config_.name + " stopping");
    return r < 0 ? 1 : 0;
}

} // namespace mars::marsd
