#include "tree/state_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <random>
#include <stdexcept>
#include <vector>

#include "util/durable.hpp"
#include "util/system_error.hpp"

namespace mars::tree {
namespace {

constexpr std::string_view kTmpPrefix = ".tmp.";
constexpr std::size_t kMaxDepth = 4;
constexpr std::size_t kMaxComponent = 200;

bool allowed_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == ',' || c == ':' || c == '@' || c == '+' || c == '=';
}

std::uint64_t stamp_of(const struct stat& st)
{
    return static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
           static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
}

std::string read_link(const std::filesystem::path& p)
{
    std::vector<char> buf(PATH_MAX);
    ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
    if (n < 0)
        util::throw_errno("readlink " + p.string());
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

} // namespace

std::string check_key(std::string_view key)
{
    if (key.empty())
        return "empty key";
    std::size_t depth = 0;
    std::size_t start = 0;
    while (start <= key.size()) {
        std::size_t end = key.find('/', start);
        if (end == std::string_view::npos)
            end = key.size();
        std::string_view part = key.substr(start, end - start);
        if (part.empty())
            return "key '" + std::string(key) + "' has an empty path component";
        if (part == "." || part == "..")
            return "key '" + std::string(key) + "' may not contain '.' or '..'";
        if (part.substr(0, kTmpPrefix.size()) == kTmpPrefix)
            return "key '" + std::string(key) + "' uses the reserved prefix .tmp.";
        if (part.size() > kMaxComponent)
            return "key '" + std::string(key) + "' has a component longer than 200 characters";
        for (char c : part)
            if (!allowed_char(c))
                return "key '" + std::string(key) + "' contains a character outside [A-Za-z0-9-_.,:@+=]";
        if (++depth > kMaxDepth)
            return "key '" + std::string(key) + "' is nested deeper than 4 levels";
        start = end + 1;
    }
    return {};
}

std::string check_value(std::string_view value)
{
    if (value.empty())
        return "empty value (a symlink needs a target; delete with a tombstone instead)";
    if (value.size() >= 4096)
        return "value longer than 4095 bytes";
    if (value.find('\0') != std::string_view::npos)
        return "value contains a NUL byte";
    return {};
}

StateTree::StateTree(std::filesystem::path root, LamportClock& clock) : root_(std::move(root)), clock_(clock)
{
    std::random_device random;
    epoch_ = (std::uint64_t(random()) << 32 | random()) | 1; // never 0: 0 means "no epoch seen yet"
    struct stat st{};
    if (::stat(root_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        util::throw_errno(ENOTDIR, "state tree root " + root_.string());
    load(root_, "");
}

void StateTree::load(const std::filesystem::path& dir, const std::string& prefix)
{
    for (const auto& de : std::filesystem::directory_iterator(dir)) {
        const std::string name = de.path().filename().string();
        if (name.compare(0, kTmpPrefix.size(), kTmpPrefix) == 0) {
            // A write that a crash interrupted before its rename: never
            // visible, so simply gone.
            std::error_code ec;
            std::filesystem::remove(de.path(), ec);
            continue;
        }
        const std::string key = prefix + name;
        struct stat st{};
        if (::lstat(de.path().c_str(), &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (check_key(key).empty())
                load(de.path(), key + "/");
        } else if (S_ISLNK(st.st_mode) && check_key(key).empty()) {
            Entry e{key, read_link(de.path()), stamp_of(st)};
            clock_.observe(e.stamp);
            index(e);
        }
        // Regular files (logfiles) are not tree entries.
    }
}

void StateTree::index(const Entry& e)
{
    if (auto c = change_of_.find(e.key); c != change_of_.end()) {
        by_change_.erase(c->second);
        c->second = ++change_counter_;
    } else {
        change_of_.emplace(e.key, ++change_counter_);
    }
    by_change_.emplace(change_counter_, e.key);
    auto it = by_key_.find(e.key);
    if (it != by_key_.end()) {
        by_stamp_.erase({it->second.stamp, it->second.key});
        it->second = e;
    } else {
        by_key_.emplace(e.key, e);
    }
    by_stamp_.insert({e.stamp, e.key});
}

std::optional<Entry> StateTree::get_raw(std::string_view key) const
{
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(key);
    if (it == by_key_.end())
        return std::nullopt;
    return it->second;
}

std::optional<Entry> StateTree::get(std::string_view key) const
{
    auto e = get_raw(key);
    if (e && e->is_tombstone())
        return std::nullopt;
    return e;
}

void StateTree::ensure_directory(const std::filesystem::path& dir)
{
    if (dir == root_)
        return;
    struct stat st{};
    if (::lstat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            util::throw_errno(ENOTDIR, "state tree directory " + dir.string());
        return;
    }
    ensure_directory(dir.parent_path());
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        util::throw_errno("creating state tree directory " + dir.string());
}

void StateTree::make_durable(const std::filesystem::path& dir)
{
    // The entry is durable once its directory is, and that directory once
    // its own entry in the parent is (it may have been created by a normal
    // write that was never synced): fsync the chain up to the root. At most
    // four levels, and proofs are rare (logfile switches, role changes).
    for (std::filesystem::path d = dir;; d = d.parent_path()) {
        util::fsync_directory(d);
        if (d == root_ || d == d.parent_path())
            break;
    }
}

void StateTree::write_symlink(const Entry& e, Durability durability)
{
    const std::filesystem::path target = root_ / e.key;
    const std::filesystem::path dir = target.parent_path();
    ensure_directory(dir);
    const std::filesystem::path tmp =
        dir / (std::string(kTmpPrefix) + std::to_string(::getpid()) + "." + std::to_string(++tmp_counter_) + "." +
               target.filename().string());
    if (::symlink(e.value.c_str(), tmp.c_str()) != 0)
        util::throw_errno("creating " + tmp.string());
    const timespec times[2] = {
        {static_cast<time_t>(e.stamp / 1000000000ull), static_cast<long>(e.stamp % 1000000000ull)},
        {static_cast<time_t>(e.stamp / 1000000000ull), static_cast<long>(e.stamp % 1000000000ull)},
    };
    if (::utimensat(AT_FDCWD, tmp.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        util::throw_errno(err, "setting the stamp of " + tmp.string());
    }
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        util::throw_errno(err, "renaming " + tmp.string() + " to " + target.string());
    }
    if (durability == Durability::proof)
        make_durable(dir);
}

Entry StateTree::set(std::string_view key, std::string_view value, Durability durability)
{
    if (auto why = check_key(key); !why.empty())
        throw std::invalid_argument("state tree: " + why);
    if (auto why = check_value(value); !why.empty())
        throw std::invalid_argument("state tree: key '" + std::string(key) + "': " + why);
    std::lock_guard lock(mutex_);
    Entry e{std::string(key), std::string(value), clock_.now()};
    write_symlink(e, durability);
    index(e);
    return e;
}

Entry StateTree::remove(std::string_view key, Durability durability)
{
    return set(key, kTombstone, durability);
}

MergeResult StateTree::merge(const Entry& remote, Durability durability)
{
    if (!check_key(remote.key).empty() || !check_value(remote.value).empty())
        return MergeResult::invalid;
    if (!clock_.observe(remote.stamp))
        return MergeResult::future_stamp;
    std::lock_guard lock(mutex_);
    auto it = by_key_.find(remote.key);
    if (it != by_key_.end() && it->second.stamp >= remote.stamp)
        return MergeResult::not_newer;
    write_symlink(remote, durability);
    index(remote);
    return MergeResult::applied;
}

std::vector<Entry> StateTree::newer_than(std::uint64_t stamp, std::string_view prefix) const
{
    std::lock_guard lock(mutex_);
    std::vector<Entry> out;
    if (stamp == UINT64_MAX)
        return out;
    for (auto it = by_stamp_.lower_bound({stamp + 1, std::string()}); it != by_stamp_.end(); ++it) {
        if (!prefix.empty() && it->second.compare(0, prefix.size(), prefix) != 0)
            continue;
        out.push_back(by_key_.find(it->second)->second);
    }
    return out;
}

StateTree::Changes StateTree::changed_since(std::uint64_t cursor, std::size_t limit) const
{
    std::lock_guard lock(mutex_);
    Changes out;
    out.epoch = epoch_;
    out.cursor = cursor;
    for (auto it = by_change_.upper_bound(cursor); it != by_change_.end(); ++it) {
        if (out.entries.size() >= limit) {
            out.complete = false;
            return out;
        }
        out.entries.push_back(by_key_.find(it->second)->second);
        out.cursor = it->first;
    }
    out.cursor = std::max(cursor, change_counter_);
    return out;
}

std::vector<Entry> StateTree::list(std::string_view prefix) const
{
    std::lock_guard lock(mutex_);
    std::vector<Entry> out;
    for (auto it = by_key_.lower_bound(prefix); it != by_key_.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0)
            break;
        if (!it->second.is_tombstone())
            out.push_back(it->second);
    }
    return out;
}

std::size_t StateTree::purge_tombstones(std::uint64_t older_than)
{
    std::lock_guard lock(mutex_);
    std::size_t purged = 0;
    for (auto it = by_stamp_.begin(); it != by_stamp_.end() && it->first < older_than;) {
        auto entry = by_key_.find(it->second);
        if (!entry->second.is_tombstone()) {
            ++it;
            continue;
        }
        const std::filesystem::path path = root_ / entry->first;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT)
            util::throw_errno("purging tombstone " + path.string());
        if (auto c = change_of_.find(entry->first); c != change_of_.end()) {
            by_change_.erase(c->second);
            change_of_.erase(c);
        }
        by_key_.erase(entry);
        it = by_stamp_.erase(it);
        ++purged;
    }
    return purged;
}

std::size_t StateTree::size() const
{
    std::lock_guard lock(mutex_);
    return by_key_.size();
}

} // namespace mars::tree
