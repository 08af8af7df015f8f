// kmod_log_check: the host side of tests/kmod/run's log tests. It checks
// what mars.ko wrote in the qemu guests with the daemon's own log reader,
// encoder and replayer (the cross-format requirement: same bytes, same
// records), and writes the userspace logfile the guest continues.
//
//   kmod_log_check write-log DIR DEVICE_BYTES
//       before the boot: DIR/log, DIR/image, DIR/meta (host_log.hpp)
//   kmod_log_check verify DIR CASES
//       after the boot: every line "case NAME key=value..." of DIR/manifest
//       (written by tests/kmod/guest/logged.c) checked with check_chain and
//       the replay compared with the image the guest saved; CASES (comma
//       separated) must all be there
//   kmod_log_check crash LOG_IMAGE SERIAL_LOG DEVICE_BYTES WORKDIR
//       after the killed crash boot: the log disk read (torn tail allowed)
//       and replayed, then every acknowledged write looked for
//
// Prints "KMODHOST: ..." lines; exits 1 if any check failed, 2 on misuse.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "crash_check.hpp"
#include "host_log.hpp"
#include "log_chain.hpp"

namespace fs = std::filesystem;
using namespace mars::kmodtest;

namespace {

int failures = 0;

void say(const std::string& s)
{
    std::cout << "KMODHOST: " << s << '\n';
}

void fail(const std::string& s)
{
    ++failures;
    say("FAIL: " + s);
}

std::uint64_t number(const std::map<std::string, std::string>& kv, const std::string& key)
{
    auto it = kv.find(key);
    if (it == kv.end())
        throw std::runtime_error("manifest: no " + key + "=");
    return std::stoull(it->second);
}

// One manifest line: "case NAME key=value ...".
void verify_case(const fs::path& dir, const std::string& line, std::set<std::string>& seen)
{
    std::istringstream in(line);
    std::string word, name;
    std::map<std::string, std::string> kv;
    in >> word >> name;
    if (word != "case" || name.empty())
        throw std::runtime_error("manifest: bad line '" + line + "'");
    while (in >> word) {
        auto eq = word.find('=');
        if (eq == std::string::npos)
            throw std::runtime_error("manifest: bad field '" + word + "'");
        kv[word.substr(0, eq)] = word.substr(eq + 1);
    }
    seen.insert(name);

    ChainSpec spec;
    spec.name = name;
    spec.first_seq = number(kv, "first_seq");
    spec.min_stamp = number(kv, "min_stamp");
    spec.kernel_from = number(kv, "kernel_from");
    spec.device_bytes = number(kv, "device_bytes");
    spec.direct = number(kv, "direct") != 0;
    spec.min_fua = static_cast<unsigned>(number(kv, "min_fua"));
    spec.min_zeroes = static_cast<unsigned>(number(kv, "min_zeroes"));
    spec.end = kv["end"] == "emergency" ? ChainEnd::emergency : ChainEnd::clean;
    std::istringstream logs(kv["logs"]);
    while (std::getline(logs, word, ','))
        spec.logs.push_back(dir / word);
    if (spec.logs.empty())
        throw std::runtime_error("manifest: case " + name + " has no logs=");

    const fs::path replayed = dir / (name + ".replayed");
    ChainReport r = check_chain(spec, replayed);
    for (const auto& f : r.failures)
        fail("case " + name + ": " + f);
    if (kv["image"] != "-") {
        if (std::string diff = compare_files(replayed, dir / kv["image"]); !diff.empty())
            fail("case " + name + ": replayed log and the device image differ: " + diff);
        else
            say("case " + name + ": replay of the log equals the device image");
    }
    fs::remove(replayed);
    say("case " + name + ": " + std::to_string(spec.logs.size()) + " logfile(s), " + r.summary() +
        (spec.direct ? ", direct IO" : ", buffered"));
}

void verify(const fs::path& dir, const std::string& cases)
{
    std::ifstream manifest(dir / "manifest");
    if (!manifest)
        throw std::runtime_error("no manifest in " + dir.string() + " (did the guest get that far?)");
    std::set<std::string> seen;
    std::string line;
    while (std::getline(manifest, line))
        if (!line.empty())
            verify_case(dir, line, seen);
    std::istringstream want(cases);
    while (std::getline(want, line, ','))
        if (!seen.count(line))
            fail("case " + line + ": not in the manifest (the guest did not finish it)");
}

void crash(const fs::path& log_image, const fs::path& serial, std::uint64_t device_bytes, const fs::path& work)
{
    ChainSpec spec;
    spec.name = "crash";
    spec.logs = {log_image};
    spec.device_bytes = device_bytes;
    spec.direct = true; // a block device always takes direct IO
    spec.end = ChainEnd::torn;
    const fs::path replayed = work / "crash.replayed";
    ChainReport r = check_chain(spec, replayed);
    for (const auto& f : r.failures)
        fail("crash log: " + f);
    say("crash log: " + r.summary());
    CrashReport c = check_crash(replayed, serial);
    for (const auto& f : c.failures)
        fail("crash: " + f);
    say("crash: " + std::to_string(c.acks) + " acknowledged writes to " + std::to_string(c.acked_blocks) +
        " blocks looked for; " + std::to_string(c.written) + " blocks written, " + std::to_string(c.newer) +
        " with a later unacknowledged version");
    fs::remove(replayed);
}

} // namespace

int main(int argc, char** argv)
{
    const std::string cmd = argc > 1 ? argv[1] : "";
    try {
        if (cmd == "write-log" && argc == 4) {
            write_host_log(argv[2], std::stoull(argv[3]));
        } else if (cmd == "verify" && argc == 4) {
            verify(argv[2], argv[3]);
        } else if (cmd == "crash" && argc == 6) {
            crash(argv[2], argv[3], std::stoull(argv[4]), argv[5]);
        } else {
            std::cerr << "usage: see the comment at the top of tests/kmod/host/kmod_log_check.cpp\n";
            return 2;
        }
    } catch (const std::exception& e) {
        fail(e.what());
    }
    return failures ? 1 : 0;
}
