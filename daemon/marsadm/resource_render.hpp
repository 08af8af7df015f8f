// marsadm view for one resource: properties in, text out (no D-Bus here).
//
//   r0 [alpha,beta] OutDated[F] Replaying DCAsFR Secondary alpha
//       device: /dev/mars/r0 (fuse)  disk: /dev/vdb  size: 10.0 GiB
//       replay:  log-000000003-alpha,4096,0,17
//       fetch:   log-000000003-alpha,8192,0,18
//       primary: log-000000003-alpha,12288,0,19
//       lag: fetch 4096 B (4.0 KiB), replay 4096 B (4.0 KiB), 1.5 s
//       sync: 42.0% [########............] 5.8 GiB remaining
//       SPLIT BRAIN: <message>
//       error: <message>
//
// The first line is MARS's default line (name, members, diskstate, replstate,
// flags, role, designated primary); the others appear only when they say
// something.
#pragma once

#include <cstdint>
#include <string>

#include "resource_properties.hpp"

namespace mars::marsadm {

// "0 B", "512 B", "4.0 KiB", "1.5 MiB", ... (1024-based, one decimal).
std::string human_bytes(std::uint64_t bytes);

// "42.0% [########............]" for 0.42 (clamped to 0..1).
std::string progress_bar(double fraction);

// The whole view of one resource, each line ending in '\n'.
std::string render_resource(const ResourceProperties& p);

} // namespace mars::marsadm
