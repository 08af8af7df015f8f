#include "replication/userspace_primary_device.hpp"

#include "util/logger.hpp"


namespace mars::replication {
namespace {

engine::DataPathOptions data_path_options(const PrimaryDeviceOptions& o)
{
    engine::DataPathOptions d;
    d.disk = o.disk;
    d.size = o.size;
    d.log.directory = o.log_directory;
    d.log.host = o.host;
    d.log.logfile_number = o.logfile_number;
    d.log.first_seq = o.first_seq;
    d.log.compression = o.compression;
    d.log.completion = o.completion;
    d.memory_limit = o.memory_limit;
    return d;
}

frontend::FuseFrontendOptions frontend_options(const PrimaryDeviceOptions& o)
{
    frontend::FuseFrontendOptions f;
    f.name = o.device_name;
    f.device_directory = o.device_directory;
    f.mount_file = o.run_directory / "fuse" / o.resource;
    return f;
}

} // namespace

UserspacePrimaryDevice::UserspacePrimaryDevice(const PrimaryDeviceOptions& options)
    : data_path_(data_path_options(options)), frontend_(data_path_, frontend_options(options))
{
}

// The frontend member goes first (members die in reverse order): it stops
// serving before the data path writes back and ends.
UserspacePrimaryDevice::~UserspacePrimaryDevice() = default;

void UserspacePrimaryDevice::start()
{
    frontend_.start();
}

void UserspacePrimaryDevice::stop()
{
    if (frontend_.running())
        frontend_.stop(); // throws EBUSY while in use; then we keep serving
    // On failure the writeback position stays where it got to: recovery
    // replays the rest from the log.
    engine::IoResult r = data_path_.wait_writeback();
    if (!r.ok())
        util::log(util::Priority::err, "writing back after removing " + frontend_.device_path().string() + ": " +
                                           r.message);
}

} // namespace mars::replication
