// Checks of resource command arguments, done before marsadm talks to marsd so
// that wrong usage always exits 2, with or without a running daemon.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "command_line.hpp"

namespace mars::marsadm {

// A single resource name ([a-z][-_a-z0-9]*, not "all"); UsageError if not.
void check_resource_arg(const std::string& name);

// "<res>", "<res1>,<res2>" or "all": the names, or nullopt for all.
std::optional<std::vector<std::string>> resource_targets(const std::string& arg);

// A backing disk: an absolute path.
void check_disk_arg(const std::string& disk);

// A device name below /dev/mars/: no '/', not "." or "..".
void check_device_arg(const std::string& device);

// Exactly `min`..`max` positional arguments; UsageError naming what is missing
// (`what` lists the arguments in order, e.g. {"resource", "disk"}) or extra.
void expect_positionals(const CommandLine& cl, const std::vector<std::string>& what, std::size_t min);

} // namespace mars::marsadm
