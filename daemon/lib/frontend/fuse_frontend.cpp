#include "frontend/fuse_frontend.hpp"

#include <cerrno>
#include <system_error>

#include "frontend/block_device_users.hpp"
#include "util/logger.hpp"

namespace mars::frontend {
namespace {

FuseFileOptions file_options(const FuseFrontendOptions& o)
{
    FuseFileOptions f;
    f.mount_file = o.mount_file.empty() ? std::filesystem::path("/run/mars/fuse") / o.name : o.mount_file;
    f.fsname = "mars-" + o.name;
    f.max_threads = o.max_threads;
    f.max_io = o.max_io;
    f.max_background = o.max_background;
    return f;
}

} // namespace

FuseFrontend::FuseFrontend(engine::PrimaryDataPath& data_path, FuseFrontendOptions options)
    : options_(std::move(options)), link_(options_.device_directory, options_.name),
      server_(data_path, file_options(options_))
{
}

FuseFrontend::~FuseFrontend()
{
    if (!running())
        return;
    try {
        stop();
    } catch (const std::exception& e) {
        util::log(util::Priority::err,
                  "FUSE frontend " + link_.path().string() + ": " + e.what() + "; tearing it down while in use");
        if (loop_.attached())
            link_.remove(loop_.path());
        loop_ = LoopDevice(); // forced: autoclear on the users' last close
        // server_'s destructor unmounts lazily and aborts the connection.
    }
}

void FuseFrontend::start()
{
    if (running())
        return;
    // After a crash of the daemon its loop device may still hang on the
    // dead FUSE mount: let it go before the device appears anew.
    LoopDevice::release_stale(server_.file());
    server_.mount();
    try {
        loop_ = LoopDevice::attach(server_.file(), options_.loop);
        link_.create(loop_.path());
    } catch (...) {
        loop_ = LoopDevice();
        try {
            server_.unmount();
        } catch (const std::exception& e) {
            util::log(util::Priority::err, std::string("FUSE frontend: cleaning up a failed start: ") + e.what());
        }
        throw;
    }
    util::log(util::Priority::notice, "FUSE frontend: " + link_.path().string() + " -> " + loop_.path().string() +
                                          " (direct I/O " + (loop_.direct_io() ? "on" : "off") + ") over " +
                                          server_.file().string());
}

void FuseFrontend::stop()
{
    if (!running())
        return;
    // Someone using the FUSE file directly would keep the mount busy:
    // refuse before anything is taken down.
    if (auto holders = processes_holding(server_.file()); !holders.empty()) {
        std::string who;
        for (const auto& h : holders)
            who += (who.empty() ? "" : ", ") + h;
        throw std::system_error(EBUSY, std::generic_category(),
                                "cannot stop " + link_.path().string() + ": " + server_.file().string() +
                                    " is open by " + who);
    }
    if (loop_.attached()) {
        const auto node = loop_.path();
        // Take the name away first so nobody opens the device meanwhile;
        // put it back if the device turns out to be in use.
        link_.remove(node);
        try {
            loop_.detach();
        } catch (...) {
            if (loop_.attached())
                link_.create(node);
            throw;
        }
    }
    server_.unmount();
    util::log(util::Priority::notice, "FUSE frontend: " + link_.path().string() + " removed");
}

} // namespace mars::frontend
