#include "gossip/gossip_client.hpp"

#include <utility>

#include "gossip/exchange.hpp"
#include "net/channel.hpp"
#include "net/handshake.hpp"
#include "util/logger.hpp"

namespace mars::gossip {

using util::Priority;

struct GossipClient::Puller {
    std::string host;
    std::string address;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool stop = false;
    bool pull_now = true;
    bool notify = false; // send a notify before the next pull
    PeerStatus status;
    // Aborts a blocked network call when the puller is stopped.
    net::Channel* channel = nullptr;
};

GossipClient::GossipClient(tree::StateTree& tree, tree::LamportClock& clock, cluster::ClusterState& cluster,
                           ClientOptions options, std::function<void()> tree_changed)
    : tree_(tree), clock_(clock), cluster_(cluster), options_(std::move(options)),
      tree_changed_(std::move(tree_changed))
{
}

GossipClient::~GossipClient()
{
    std::map<std::string, std::unique_ptr<Puller>> all;
    {
        std::lock_guard lock(mutex_);
        all.swap(pullers_);
    }
    for (auto& [host, p] : all) {
        {
            std::lock_guard lock(p->mutex);
            p->stop = true;
            if (p->channel)
                p->channel->abort();
        }
        p->wake.notify_all();
    }
    for (auto& [host, p] : all)
        p->thread.join();
}

void GossipClient::update_members()
{
    std::map<std::string, std::string> wanted;
    for (const auto& m : cluster_.members())
        if (m.host != cluster_.own_host())
            wanted[m.host] = m.address;

    std::vector<std::unique_ptr<Puller>> retired;
    {
        std::lock_guard lock(mutex_);
        for (auto it = pullers_.begin(); it != pullers_.end();) {
            auto w = wanted.find(it->first);
            if (w == wanted.end() || w->second != it->second->address) {
                retired.push_back(std::move(it->second));
                it = pullers_.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& [host, address] : wanted) {
            if (pullers_.count(host))
                continue;
            auto p = std::make_unique<Puller>();
            p->host = host;
            p->address = address;
            Puller* raw = p.get();
            pullers_[host] = std::move(p);
            raw->thread = std::thread([this, raw] { run(*raw); });
        }
    }
    for (auto& p : retired) {
        {
            std::lock_guard lock(p->mutex);
            p->stop = true;
            if (p->channel)
                p->channel->abort();
        }
        p->wake.notify_all();
        p->thread.join();
    }
}

void GossipClient::trigger()
{
    std::lock_guard lock(mutex_);
    for (auto& [host, p] : pullers_) {
        {
            std::lock_guard plock(p->mutex);
            p->pull_now = true;
        }
        p->wake.notify_all();
    }
}

void GossipClient::trigger(const std::string& host)
{
    std::lock_guard lock(mutex_);
    auto it = pullers_.find(host);
    if (it == pullers_.end())
        return;
    {
        std::lock_guard plock(it->second->mutex);
        it->second->pull_now = true;
    }
    it->second->wake.notify_all();
}

void GossipClient::notify_peers()
{
    std::lock_guard lock(mutex_);
    for (auto& [host, p] : pullers_) {
        {
            std::lock_guard plock(p->mutex);
            p->notify = true;
        }
        p->wake.notify_all();
    }
}

std::map<std::string, PeerStatus> GossipClient::status() const
{
    std::lock_guard lock(mutex_);
    std::map<std::string, PeerStatus> out;
    for (const auto& [host, p] : pullers_) {
        std::lock_guard plock(p->mutex);
        out[host] = p->status;
    }
    return out;
}

void GossipClient::run(Puller& p)
{
    PullCursor cursor;
    std::string last_logged_error;
    for (;;) {
        {
            std::unique_lock lock(p.mutex);
            if (p.stop)
                return;
        }
        // Outlives the try block, so that p.channel never dangles while
        // another thread may abort() through it.
        std::unique_ptr<net::Channel> channel;
        try {
            channel = net::Channel::connect(p.address, options_.port, options_.security, options_.timeout);
            {
                std::lock_guard lock(p.mutex);
                if (p.stop)
                    return;
                p.channel = channel.get();
            }
            net::HandshakeOptions hs;
            hs.host = cluster_.own_host();
            hs.cluster_uuid = cluster_.uuid().value_or(net::kAnyClusterUuid);
            hs.expected_peer = p.host;
            hs.timeout = options_.timeout;
            net::client_handshake(*channel, clock_, hs);
            if (!last_logged_error.empty())
                util::log(Priority::notice, "peer " + p.host + " (" + p.address + ") reachable again",
                          {{"MARS_PEER", p.host}});
            last_logged_error.clear();
            for (;;) {
                bool notify;
                {
                    std::lock_guard lock(p.mutex);
                    notify = std::exchange(p.notify, false);
                }
                if (notify) {
                    channel->send(net::Notify{}, options_.timeout);
                    channel->receive(options_.timeout).as<net::Ack>();
                }
                auto count = pull(*channel, tree_, cursor, options_.timeout);
                if (count.refused > 0)
                    util::log(Priority::warning, "peer " + p.host + " sent " + std::to_string(count.refused) +
                                                     " unusable entries: " + count.first_refusal,
                              {{"MARS_PEER", p.host}});
                if (count.applied > 0)
                    tree_changed_();
                std::unique_lock lock(p.mutex);
                p.status.connected = true;
                p.status.last_error.clear();
                ++p.status.pulls;
                p.wake.wait_for(lock, options_.interval, [&] { return p.stop || p.pull_now || p.notify; });
                p.pull_now = false;
                if (p.stop) {
                    p.channel = nullptr;
                    return;
                }
            }
        } catch (const std::exception& e) {
            std::unique_lock lock(p.mutex);
            p.channel = nullptr;
            lock.unlock();
            channel.reset();
            lock.lock();
            p.status.connected = false;
            p.status.last_error = e.what();
            if (p.stop)
                return;
            // Network trouble never changes state; log each new kind of it once.
            if (last_logged_error != e.what()) {
                last_logged_error = e.what();
                lock.unlock();
                util::log(Priority::warning, "peer " + p.host + ": " + e.what(), {{"MARS_PEER", p.host}});
                lock.lock();
            }
            p.wake.wait_for(lock, options_.retry, [&] { return p.stop; });
        }
    }
}

} // namespace mars::gossip
