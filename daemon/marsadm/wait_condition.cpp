#include "wait_condition.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace mars::marsadm {
namespace {

constexpr std::array<std::pair<WaitCondition, std::string_view>, 10> kNames{{
    {WaitCondition::attached, "attached"},
    {WaitCondition::detached, "detached"},
    {WaitCondition::primary, "primary"},
    {WaitCondition::secondary, "secondary"},
    {WaitCondition::device, "device"},
    {WaitCondition::device_off, "device-off"},
    {WaitCondition::uptodate, "uptodate"},
    {WaitCondition::synced, "synced"},
    {WaitCondition::caught_up, "caught-up"},
    {WaitCondition::replicating, "replicating"},
}};

// The attach character of the flags ("DCASFR": index 2), 0 if unknown.
char attach_flag(const ResourceProperties& p)
{
    return p.flags.size() == 6 ? p.flags[2] : '\0';
}

std::string quoted(const std::string& s)
{
    return "'" + s + "'";
}

std::string number(double d)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", d);
    return buf;
}

} // namespace

std::optional<WaitCondition> parse_wait_condition(std::string_view name)
{
    for (const auto& [c, n] : kNames)
        if (n == name)
            return c;
    return std::nullopt;
}

std::string wait_condition_names()
{
    std::string out;
    for (const auto& [c, n] : kNames)
        out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

std::string_view wait_condition_name(WaitCondition c)
{
    for (const auto& [k, n] : kNames)
        if (k == c)
            return n;
    return "?";
}

bool condition_holds(WaitCondition c, const ResourceProperties& p)
{
    switch (c) {
    case WaitCondition::attached:
        return attach_flag(p) == 'A';
    case WaitCondition::detached:
        return attach_flag(p) == '-';
    case WaitCondition::primary:
        return p.role == "Primary";
    case WaitCondition::secondary:
        return p.role == "Secondary";
    case WaitCondition::device:
        return !p.device.empty();
    case WaitCondition::device_off:
        return p.device.empty();
    case WaitCondition::uptodate:
        return p.disk_state == "UpToDate";
    case WaitCondition::synced:
        return p.sync_remaining == 0 && p.sync_progress >= 1.0;
    case WaitCondition::caught_up: {
        // The end to reach: the primary's position when this host knows it,
        // else what it has fetched.
        const std::string& end = p.primary_position.empty() ? p.fetch_position : p.primary_position;
        return p.fetch_lag == 0 && p.replay_lag == 0 && !p.replay_position.empty() && p.replay_position == end;
    }
    case WaitCondition::replicating:
        return p.repl_state == "Replicating" || p.repl_state == "Replaying";
    }
    return false;
}

std::string condition_evidence(WaitCondition c, const ResourceProperties& p)
{
    switch (c) {
    case WaitCondition::attached:
    case WaitCondition::detached:
        return "Flags " + quoted(p.flags) + ", DiskState " + quoted(p.disk_state);
    case WaitCondition::primary:
    case WaitCondition::secondary:
        return "Role " + quoted(p.role) + ", Primary " + quoted(p.primary);
    case WaitCondition::device:
    case WaitCondition::device_off:
        return "Device " + quoted(p.device) + ", Role " + quoted(p.role);
    case WaitCondition::uptodate:
        return "DiskState " + quoted(p.disk_state) + ", ReplState " + quoted(p.repl_state);
    case WaitCondition::synced:
        return "SyncProgress " + number(p.sync_progress) + ", SyncRemaining " + std::to_string(p.sync_remaining) +
               ", ReplState " + quoted(p.repl_state);
    case WaitCondition::caught_up:
        return "FetchLag " + std::to_string(p.fetch_lag) + ", ReplayLag " + std::to_string(p.replay_lag) +
               ", ReplayPosition " + quoted(p.replay_position) + ", FetchPosition " + quoted(p.fetch_position) +
               ", PrimaryPosition " + quoted(p.primary_position);
    case WaitCondition::replicating:
        return "ReplState " + quoted(p.repl_state) + ", Role " + quoted(p.role);
    }
    return {};
}

} // namespace mars::marsadm
