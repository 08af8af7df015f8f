#include "bench_support.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "util/system_error.hpp"

namespace fs = std::filesystem;

namespace mars::bench {

int report_usage_error(std::string_view program, const UsageError& e)
{
    std::string p(program);
    std::fprintf(stderr, "%s: %s\nTry '%s --help'.\n", p.c_str(), e.what(), p.c_str());
    return 2;
}

ScratchDir::ScratchDir(const fs::path& base, std::string_view prefix)
{
    std::string pattern = (base / (std::string(prefix) + ".XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        mars::util::throw_errno("creating a scratch directory in " + base.string());
    path_ = pattern;
}

ScratchDir::~ScratchDir()
{
    std::error_code ec;
    fs::remove_all(path_, ec);
}

FilesystemKind filesystem_of(const fs::path& dir)
{
    struct statfs st {};
    if (::statfs(dir.c_str(), &st) != 0)
        throw UsageError("--dir " + dir.string() + ": " + std::strerror(errno));
    switch (st.f_type) {
    case EXT4_SUPER_MAGIC: // also ext2/ext3
        return {"ext4"};
    case XFS_SUPER_MAGIC:
        return {"xfs"};
    case BTRFS_SUPER_MAGIC:
        return {"btrfs"};
    case TMPFS_MAGIC:
        return {"tmpfs", true};
    case RAMFS_MAGIC:
        return {"ramfs", true};
    default:
        char hex[32];
        std::snprintf(hex, sizeof hex, "fs-0x%lx", static_cast<unsigned long>(st.f_type));
        return {hex};
    }
}

bool Args::next()
{
    if (++index_ >= argc_)
        return false;
    arg_ = argv_[index_];
    name_ = arg_.substr(0, arg_.find('='));
    inline_value_ = name_.size() < arg_.size();
    return true;
}

std::string_view Args::value()
{
    if (inline_value_)
        return arg_.substr(name_.size() + 1);
    if (index_ + 1 >= argc_)
        throw UsageError(std::string(name_) + " needs a value");
    return argv_[++index_];
}

void Args::unknown() const
{
    throw UsageError("unknown argument '" + std::string(arg_) + "'");
}

double parse_seconds(std::string_view name, std::string_view text)
{
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || !(value > 0) || value > 3600)
        throw UsageError(std::string(name) + " wants a number of seconds in (0, 3600], not '" + std::string(text) +
                         "'");
    return value;
}

std::size_t parse_count(std::string_view name, std::string_view text, std::size_t min, std::size_t max)
{
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max)
        throw UsageError(std::string(name) + " wants a whole number in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "], not '" + std::string(text) + "'");
    return value;
}

double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

Clock::time_point deadline_after(Clock::time_point start, double seconds)
{
    return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

std::string json_string(std::string_view s)
{
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            out += '\\';
            out += ch;
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", ch);
            out += esc;
        } else {
            out += ch;
        }
    }
    return out + "\"";
}

} // namespace mars::bench
