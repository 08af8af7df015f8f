#include "config/ini_file.hpp"

#include <ini.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace mars::config {
namespace {

// inih calls the reader once per line and the handler right after the line
// it came from: counting lines in the reader gives every item its line.
struct Stream {
    std::istringstream in;
    int line = 0;
    IniFile* file = nullptr;
    std::set<std::pair<std::string, std::string>> seen;
    std::string error;
};

char* read_line(char* str, int num, void* user)
{
    auto* s = static_cast<Stream*>(user);
    std::string line;
    if (!std::getline(s->in, line))
        return nullptr;
    ++s->line;
    line += '\n';
    std::size_t n = std::min<std::size_t>(line.size(), static_cast<std::size_t>(num - 1));
    std::memcpy(str, line.data(), n);
    str[n] = '\0';
    return str;
}

int on_item(void* user, const char* section, const char* name, const char* value)
{
    auto* s = static_cast<Stream*>(user);
    if (!name) // a section header alone
        return 1;
    if (!s->seen.insert({section, name}).second) {
        s->error = ConfigError(s->file->path, s->line, section, name, "given twice").what();
        return 0;
    }
    s->file->items.push_back({section, name, value, s->line});
    return 1;
}

} // namespace

ConfigError::ConfigError(const std::filesystem::path& file, int line, const std::string& section,
                         const std::string& key, const std::string& what)
    : std::runtime_error(file.string() + ":" + std::to_string(line) + ": " +
                         (section.empty() ? "" : "[" + section + "] ") + key + ": " + what)
{
}

IniFile IniFile::parse(const std::string& text, const std::filesystem::path& name)
{
    IniFile file;
    file.path = name;
    Stream s;
    s.in.str(text);
    s.file = &file;
    int rc = ini_parse_stream(read_line, &s, on_item, &s);
    if (!s.error.empty())
        throw ConfigError(s.error);
    if (rc > 0)
        throw ConfigError(name.string() + ":" + std::to_string(rc) +
                          ": syntax error (expected '[section]', 'key = value' or a comment)");
    if (rc < 0)
        throw ConfigError(name.string() + ": cannot parse (out of memory)");
    return file;
}

IniFile IniFile::load(const std::filesystem::path& path)
{
    std::error_code ec;
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
        throw ConfigError(path.string() + ": cannot read: not a regular file");
    std::ifstream in(path);
    if (!in)
        throw ConfigError(path.string() + ": cannot read: " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    if (in.bad())
        throw ConfigError(path.string() + ": cannot read: " + std::strerror(errno));
    return parse(text.str(), path);
}

void IniFile::fail(const IniItem& item, const std::string& what) const
{
    throw ConfigError(path, item.line, item.section, item.key, what);
}

} // namespace mars::config
