#include "resource_properties.hpp"

namespace mars::marsadm {
namespace {

void take(const nlohmann::json& j, const char* key, std::string& out)
{
    if (auto it = j.find(key); it != j.end() && it->is_string())
        out = it->get<std::string>();
}

void take(const nlohmann::json& j, const char* key, std::uint64_t& out)
{
    // Signed in JSON written by hand (tests, scripts), unsigned from the bus.
    if (auto it = j.find(key); it != j.end() && it->is_number_integer() && it->get<std::int64_t>() >= 0)
        out = it->get<std::uint64_t>();
}

void take(const nlohmann::json& j, const char* key, double& out)
{
    if (auto it = j.find(key); it != j.end() && it->is_number())
        out = it->get<double>();
}

void take(const nlohmann::json& j, const char* key, std::vector<std::string>& out)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_array())
        return;
    for (const auto& e : *it)
        if (e.is_string())
            out.push_back(e.get<std::string>());
}

void take(const nlohmann::json& j, const char* key, std::map<std::string, bool>& out)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_object())
        return;
    for (const auto& [k, v] : it->items())
        if (v.is_boolean())
            out[k] = v.get<bool>();
}

} // namespace

ResourceProperties properties_from_json(const nlohmann::json& j)
{
    ResourceProperties p;
    if (!j.is_object())
        return p;
    take(j, "Name", p.name);
    take(j, "Size", p.size);
    take(j, "Primary", p.primary);
    take(j, "Members", p.members);
    take(j, "Role", p.role);
    take(j, "DiskState", p.disk_state);
    take(j, "ReplState", p.repl_state);
    take(j, "Flags", p.flags);
    take(j, "Device", p.device);
    take(j, "Frontend", p.frontend);
    take(j, "Disk", p.disk);
    take(j, "Todo", p.todo);
    take(j, "ReplayPosition", p.replay_position);
    take(j, "FetchPosition", p.fetch_position);
    take(j, "PrimaryPosition", p.primary_position);
    take(j, "FetchLag", p.fetch_lag);
    take(j, "ReplayLag", p.replay_lag);
    take(j, "LagSeconds", p.lag_seconds);
    take(j, "SyncProgress", p.sync_progress);
    take(j, "SyncRemaining", p.sync_remaining);
    take(j, "SplitBrain", p.split_brain);
    take(j, "LastError", p.last_error);
    return p;
}

} // namespace mars::marsadm
