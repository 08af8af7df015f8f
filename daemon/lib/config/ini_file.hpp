// Reading an INI file (with inih) into (section, key, value, line) items,
// so that every later error can name file, line and key.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace mars::config {

// A configuration error an admin can act on:
// "<file>:<line>: [<section>] <key>: <what is wrong>".
class ConfigError : public std::runtime_error {
public:
    ConfigError(const std::filesystem::path& file, int line, const std::string& section, const std::string& key,
                const std::string& what);
    explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

struct IniItem {
    std::string section;
    std::string key;
    std::string value;
    int line = 0;
};

struct IniFile {
    std::filesystem::path path;
    std::vector<IniItem> items;

    // Throws ConfigError on unreadable files, syntax errors and keys given twice.
    static IniFile load(const std::filesystem::path& path);
    static IniFile parse(const std::string& text, const std::filesystem::path& name);

    [[noreturn]] void fail(const IniItem& item, const std::string& what) const;
};

} // namespace mars::config
