// The name users open, /dev/mars/<name>, as a symlink to whatever device
// node really serves the resource (/dev/loopN for the FUSE frontend). The
// directory is configurable so tests need not touch /dev.
#pragma once

#include <filesystem>
#include <string>

namespace mars::frontend {

class DeviceLink {
  public:
    // Checks the name (no '/', not empty, not "." or "..").
    DeviceLink(std::filesystem::path directory, std::string name);

    std::filesystem::path path() const { return directory_ / name_; }

    // Points the link at `target`, replacing an old link atomically
    // (creates the directory if needed). Throws std::system_error.
    void create(const std::filesystem::path& target) const;
    // Removes the link if it still points at `target`. Never throws.
    void remove(const std::filesystem::path& target) const;

  private:
    std::filesystem::path directory_;
    std::string name_;
};

} // namespace mars::frontend
