#include "cluster/cluster_state.hpp"

#include "util/host_name.hpp"

namespace mars::cluster {

using tree::Durability;

namespace {
constexpr std::string_view kIpPrefix = "ips/ip-";
}

ClusterState::ClusterState(tree::StateTree& tree, std::string own_host) : tree_(tree), own_host_(std::move(own_host))
{
    if (auto why = util::check_host_name(own_host_); !why.empty())
        throw std::invalid_argument(why);
}

std::optional<std::string> ClusterState::uuid() const
{
    auto e = tree_.get("uuid");
    if (!e)
        return std::nullopt;
    return e->value;
}

std::vector<Member> ClusterState::members() const
{
    std::vector<Member> out;
    for (const auto& e : tree_.list(kIpPrefix)) {
        std::string host = e.key.substr(kIpPrefix.size());
        if (util::check_host_name(host).empty())
            out.push_back({host, e.value});
    }
    return out;
}

std::optional<Member> ClusterState::member(const std::string& host) const
{
    auto e = tree_.get(std::string(kIpPrefix) + host);
    if (!e)
        return std::nullopt;
    return Member{host, e->value};
}

void ClusterState::create(const std::string& address)
{
    if (auto u = uuid(); u && *u != kAnyUuid)
        throw ClusterError("this host is already in cluster " + *u + " (see 'marsadm view'); " +
                           "create-cluster needs an empty " + tree_.root().string());
    const std::uint64_t stamp = tree_.set("ips/ip-" + own_host_, address, Durability::proof).stamp;
    tree_.set("uuid", own_host_ + "_" + std::to_string(stamp / 1000000000ull), Durability::proof);
    tree_.set("actual-" + own_host_ + "/tree", "1");
    heartbeat();
}

void ClusterState::prepare_join(const std::string& address)
{
    if (auto u = uuid(); u && *u != kAnyUuid)
        throw ClusterError("this host is already in cluster " + *u + "; leave it first");
    // The placeholder gets the weakest possible stamp, so the cluster's real
    // uuid wins the first merge (as MARS does with a "(none)" primary).
    if (!uuid())
        tree_.merge({"uuid", std::string(kAnyUuid), 1});
    tree_.set("ips/ip-" + own_host_, address, Durability::proof);
    tree_.set("actual-" + own_host_ + "/tree", "1");
    heartbeat();
}

void ClusterState::leave()
{
    if (!is_member())
        throw ClusterError("host " + own_host_ + " is not a cluster member");
    tree_.remove("ips/ip-" + own_host_, Durability::proof);
}

void ClusterState::heartbeat()
{
    // Only `time` changes with every beat (its stamp is the heartbeat);
    // rewriting an unchanged `alive` would double the gossip traffic.
    const std::string alive = "actual-" + own_host_ + "/alive";
    if (auto e = tree_.get(alive); !e || e->value != "1")
        tree_.set(alive, "1");
    tree_.set("actual-" + own_host_ + "/time", "1");
}

std::optional<std::uint64_t> ClusterState::last_heartbeat(const std::string& host) const
{
    auto e = tree_.get("actual-" + host + "/time");
    if (!e)
        return std::nullopt;
    return e->stamp;
}

} // namespace mars::cluster
