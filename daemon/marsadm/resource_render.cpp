#include "resource_render.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace mars::marsadm {
namespace {

constexpr const char* kIndent = "    ";

std::string or_unknown(const std::string& s)
{
    return s.empty() ? "?" : s;
}

std::string joined(const std::vector<std::string>& items)
{
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : ",") + i;
    return out;
}

std::string bytes_with_human(std::uint64_t bytes)
{
    std::string exact = std::to_string(bytes) + " B";
    return bytes < 1024 ? exact : exact + " (" + human_bytes(bytes) + ")";
}

bool is_primary_role(const std::string& role)
{
    return role == "Primary" || role == "NotYetPrimary" || role == "RemainsPrimary";
}

// A secondary shows its lag whenever it has positions or lag to show; a
// primary only if it reports lag (it should not have any).
bool shows_lag(const ResourceProperties& p)
{
    if (p.fetch_lag || p.replay_lag || p.lag_seconds > 0)
        return true;
    return !is_primary_role(p.role) && p.disk_state != "NotJoined" &&
           !(p.replay_position.empty() && p.fetch_position.empty());
}

bool shows_sync(const ResourceProperties& p)
{
    return p.repl_state == "Syncing" || p.repl_state == "PausedSync" || p.sync_remaining > 0;
}

} // namespace

std::string human_bytes(std::uint64_t bytes)
{
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

std::string progress_bar(double fraction)
{
    constexpr int kWidth = 20;
    fraction = std::clamp(fraction, 0.0, 1.0);
    // Round down: 99.99% must not look finished.
    int filled = static_cast<int>(fraction * kWidth);
    char pct[16];
    std::snprintf(pct, sizeof pct, "%.1f%%", static_cast<double>(static_cast<long long>(fraction * 1000)) / 10);
    return std::string(pct) + " [" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(kWidth - filled), '.') + "]";
}

std::string render_resource(const ResourceProperties& p)
{
    std::ostringstream out;
    out << p.name << " [" << joined(p.members) << "] " << or_unknown(p.disk_state) << " " << or_unknown(p.repl_state)
        << " " << or_unknown(p.flags) << " " << or_unknown(p.role) << " " << (p.primary.empty() ? "(none)" : p.primary)
        << "\n";

    if (!p.device.empty() || !p.disk.empty()) {
        out << kIndent << "device: ";
        if (p.device.empty())
            out << "off";
        else
            out << p.device << (p.frontend.empty() ? "" : " (" + p.frontend + ")");
        if (!p.disk.empty())
            out << "  disk: " << p.disk;
        if (p.size)
            out << "  size: " << human_bytes(p.size);
        out << "\n";
    }
    if (!p.replay_position.empty())
        out << kIndent << "replay:  " << p.replay_position << "\n";
    if (!p.fetch_position.empty())
        out << kIndent << "fetch:   " << p.fetch_position << "\n";
    if (!p.primary_position.empty())
        out << kIndent << "primary: " << p.primary_position << "\n";
    if (shows_lag(p)) {
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.1f s", p.lag_seconds);
        out << kIndent << "lag: fetch " << bytes_with_human(p.fetch_lag) << ", replay "
            << bytes_with_human(p.replay_lag) << ", " << secs << "\n";
    }
    if (shows_sync(p))
        out << kIndent << "sync: " << progress_bar(p.sync_progress) << " " << human_bytes(p.sync_remaining)
            << " remaining" << (p.repl_state == "PausedSync" ? " (paused)" : "") << "\n";
    if (!p.split_brain.empty())
        out << kIndent << "SPLIT BRAIN: " << p.split_brain << "\n";
    if (!p.last_error.empty())
        out << kIndent << "error: " << p.last_error << "\n";
    return out.str();
}

} // namespace mars::marsadm
