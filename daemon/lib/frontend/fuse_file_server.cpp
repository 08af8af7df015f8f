#define FUSE_USE_VERSION 314

#include "frontend/fuse_file_server.hpp"

#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

#include "frontend/block_device_users.hpp"
#include "util/aligned_buffer.hpp"
#include "util/logger.hpp"
#include "util/system_error.hpp"
#include "util/unique_fd.hpp"

namespace mars::frontend {
namespace {

constexpr double kAttrTimeout = 3600.0; // the file never changes behind the kernel's back

FuseFileServer& server(fuse_req_t req)
{
    return *static_cast<FuseFileServer*>(fuse_req_userdata(req));
}

// Once per FUSE worker thread: ask not to be throttled or to enter I/O
// during memory reclaim (the pages being reclaimed may belong to the
// file system on top of our own device, which needs this very thread).
// Needs CAP_SYS_RESOURCE; without it we log once and go on.
void prepare_thread()
{
    thread_local bool done = false;
    if (done)
        return;
    done = true;
    if (::prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) != 0) {
        static std::atomic<bool> warned = false;
        if (!warned.exchange(true))
            util::log(util::Priority::info, std::string("FUSE frontend: PR_SET_IO_FLUSHER not available (") +
                                                std::strerror(errno) + "); heavy memory pressure may stall the device");
    }
}

struct stat file_attributes(FuseFileServer& s)
{
    static const time_t started = ::time(nullptr);
    struct stat st {};
    st.st_ino = FUSE_ROOT_ID;
    st.st_mode = S_IFREG | 0600;
    st.st_nlink = 1;
    st.st_uid = ::getuid();
    st.st_gid = ::getgid();
    st.st_size = static_cast<off_t>(s.data_path().size());
    st.st_blksize = 4096;
    st.st_blocks = static_cast<blkcnt_t>(s.data_path().size() / 512);
    st.st_atime = st.st_mtime = st.st_ctime = started;
    return st;
}

void op_init(void* userdata, fuse_conn_info* conn)
{
    auto& s = *static_cast<FuseFileServer*>(userdata);
    conn->max_write = s.options().max_io;
    conn->max_read = s.options().max_io;
    conn->max_background = s.options().max_background;
    conn->congestion_threshold = s.options().max_background * 3 / 4;
    // The data path is the only cache; the kernel must not keep dirty
    // pages of this file (they would wait for us during reclaim).
    conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_SPLICE_READ | FUSE_CAP_SPLICE_WRITE | FUSE_CAP_SPLICE_MOVE);
    if (conn->capable & FUSE_CAP_ASYNC_DIO)
        conn->want |= FUSE_CAP_ASYNC_DIO; // loop's direct I/O keeps many requests in flight
}

void op_lookup(fuse_req_t req, fuse_ino_t, const char*)
{
    fuse_reply_err(req, ENOTDIR);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*)
{
    prepare_thread();
    if (ino != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct stat st = file_attributes(server(req));
    fuse_reply_attr(req, &st, kAttrTimeout);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info*)
{
    auto& s = server(req);
    if (ino != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    // The device has a fixed size; open(O_TRUNC) or truncate to the same
    // size is harmless, anything else is refused. Times and modes are not
    // kept.
    if ((to_set & FUSE_SET_ATTR_SIZE) && static_cast<std::uint64_t>(attr->st_size) != s.data_path().size()) {
        fuse_reply_err(req, EPERM);
        return;
    }
    struct stat st = file_attributes(s);
    fuse_reply_attr(req, &st, kAttrTimeout);
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi)
{
    prepare_thread();
    if (ino != FUSE_ROOT_ID) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    if (fi->flags & O_TRUNC) {
        fuse_reply_err(req, EPERM); // truncating would have to mean "discard everything"
        return;
    }
    fi->direct_io = 1;
    fi->keep_cache = 0;
    fuse_reply_open(req, fi);
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info*)
{
    prepare_thread();
    auto& dp = server(req).data_path();
    const auto offset = static_cast<std::uint64_t>(off);
    if (off < 0 || offset >= dp.size() || size == 0) {
        fuse_reply_buf(req, nullptr, 0); // end of file
        return;
    }
    size = static_cast<size_t>(std::min<std::uint64_t>(size, dp.size() - offset));
    // The device speaks in 512-byte sectors; a file reader may not.
    const std::uint64_t first = offset / engine::kSectorSize * engine::kSectorSize;
    const std::uint64_t end = (offset + size + engine::kSectorSize - 1) / engine::kSectorSize * engine::kSectorSize;
    // A buffer per worker thread, kept: no allocation per read.
    thread_local util::AlignedBuffer buffer;
    if (buffer.size() < end - first)
        buffer = util::AlignedBuffer::uninitialised(std::max<std::size_t>(end - first, 1u << 20));
    engine::IoResult r = dp.read(first, buffer.span().subspan(0, end - first));
    if (!r.ok()) {
        util::log(util::Priority::err, "FUSE read: " + r.message);
        fuse_reply_err(req, -r.error);
        return;
    }
    fuse_reply_buf(req, reinterpret_cast<const char*>(buffer.data() + (offset - first)), size);
}

void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off, fuse_file_info* fi)
{
    prepare_thread();
    auto& dp = server(req).data_path();
    if (size == 0) {
        fuse_reply_write(req, 0);
        return;
    }
    if (off < 0) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    engine::WriteFlags flags;
    flags.fua = (fi->flags & O_DSYNC) != 0; // O_SYNC includes O_DSYNC
    // Copies `buf` before it returns; answered once the record is durable.
    dp.submit_write(static_cast<std::uint64_t>(off), {reinterpret_cast<const std::byte*>(buf), size}, flags,
                    [req, size](const engine::IoResult& r) {
                        if (r.ok())
                            fuse_reply_write(req, size);
                        else
                            fuse_reply_err(req, -r.error);
                    });
}

void reply_when_flushed(fuse_req_t req)
{
    server(req).data_path().submit_flush([req](const engine::IoResult& r) { fuse_reply_err(req, -r.error); });
}

// close(2) of a descriptor, and fsync(2): make everything completed so far
// durable. (With the default completion mode it already is: cheap.)
void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info*)
{
    reply_when_flushed(req);
}
void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info*)
{
    reply_when_flushed(req);
}

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info*)
{
    fuse_reply_err(req, 0);
}

void op_fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t off, off_t length, fuse_file_info*)
{
    prepare_thread();
    auto& dp = server(req).data_path();
    if (off < 0 || length <= 0) {
        fuse_reply_err(req, EINVAL);
        return;
    }
    const auto offset = static_cast<std::uint64_t>(off);
    const auto len = static_cast<std::uint64_t>(length);
    const int zeroing = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
    if ((mode & zeroing) && !(mode & ~(zeroing | FALLOC_FL_KEEP_SIZE))) {
        // Discard (loop sends PUNCH_HOLE) or write-zeroes (ZERO_RANGE):
        // both read back as zeroes afterwards.
        dp.submit_zeroes(offset, len, {}, [req](const engine::IoResult& r) { fuse_reply_err(req, -r.error); });
        return;
    }
    if (mode == 0 || mode == FALLOC_FL_KEEP_SIZE) {
        // Preallocation: the device is always fully there.
        fuse_reply_err(req, offset + len <= dp.size() ? 0 : EFBIG);
        return;
    }
    fuse_reply_err(req, EOPNOTSUPP);
}

void op_statfs(fuse_req_t req, fuse_ino_t)
{
    struct statvfs st {};
    st.f_bsize = 4096;
    st.f_frsize = 4096;
    st.f_blocks = server(req).data_path().size() / 4096;
    st.f_files = 1;
    st.f_namemax = 255;
    fuse_reply_statfs(req, &st);
}

fuse_lowlevel_ops make_ops()
{
    fuse_lowlevel_ops ops{};
    ops.init = op_init;
    ops.lookup = op_lookup;
    ops.getattr = op_getattr;
    ops.setattr = op_setattr;
    ops.open = op_open;
    ops.read = op_read;
    ops.write = op_write;
    ops.flush = op_flush;
    ops.fsync = op_fsync;
    ops.release = op_release;
    ops.fallocate = op_fallocate;
    ops.statfs = op_statfs;
    return ops;
}

} // namespace

FuseFileServer::FuseFileServer(engine::PrimaryDataPath& data_path, FuseFileOptions options)
    : data_path_(data_path), options_(std::move(options))
{
    if (options_.fsname.find_first_of(", \\") != std::string::npos)
        throw std::invalid_argument("FUSE file system name '" + options_.fsname + "' contains , blank or \\");
}

FuseFileServer::~FuseFileServer()
{
    if (!session_)
        return;
    try {
        unmount();
    } catch (const std::exception& e) {
        // Still open somewhere: detach lazily; the kernel ends the
        // connection once the last user is gone, and the loop with it.
        util::log(util::Priority::warning,
                  std::string("FUSE frontend: ") + e.what() + "; unmounting lazily and aborting the connection");
        ::umount2(options_.mount_file.c_str(), MNT_DETACH);
        abort_connection();
        shut_down();
    }
}

void FuseFileServer::mount()
{
    if (session_)
        return;
    const auto& file = options_.mount_file;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 && errno == ENOTCONN) {
        // The mount of a previous daemon that died: nobody serves it.
        util::log(util::Priority::notice, "FUSE frontend: removing the stale mount at " + file.string());
        ::umount2(file.c_str(), MNT_DETACH);
    }
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    {
        util::UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        if (!fd)
            util::throw_errno("creating the FUSE mount point " + file.string());
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
            util::throw_errno(ENOTSUP, "the FUSE mount point " + file.string() + " is not a regular file");
    }

    const std::string opts = "fsname=" + options_.fsname + ",subtype=mars,max_read=" + std::to_string(options_.max_io);
    std::vector<std::string> argv_s{"mars-fuse", "-o", opts};
    std::vector<char*> argv;
    for (auto& a : argv_s)
        argv.push_back(a.data());
    fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
    const fuse_lowlevel_ops ops = make_ops();
    fuse_session* se = fuse_session_new(&args, &ops, sizeof ops, this);
    fuse_opt_free_args(&args); // option parsing may have made its own copy
    if (!se)
        util::throw_errno(EINVAL, "creating the FUSE session for " + file.string());
    if (fuse_session_mount(se, file.c_str()) != 0) {
        fuse_session_destroy(se);
        util::throw_errno(EIO, "mounting FUSE on " + file.string() + " (see the messages above)");
    }
    session_ = se;
    // The mount's device number names the connection. (Not from stat():
    // that would wait for our own workers, which do not run yet.)
    connection_ = ::minor(mounted_device(file));
    loop_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "mars-fuse");
        fuse_loop_config* config = fuse_loop_cfg_create();
        fuse_loop_cfg_set_max_threads(config, options_.max_threads);
        fuse_loop_cfg_set_idle_threads(config, options_.max_threads);
        fuse_loop_cfg_set_clone_fd(config, 0);
        int rc = fuse_session_loop_mt(session_, config);
        fuse_loop_cfg_destroy(config);
        if (rc != 0 && !fuse_session_exited(session_))
            util::log(util::Priority::err, "FUSE frontend: the loop of " + options_.mount_file.string() +
                                               " ended: " + std::strerror(rc < 0 ? -rc : EIO));
    });
}

void FuseFileServer::unmount()
{
    if (!session_)
        return;
    // Not lazily: a file that is still open (attached to a loop device)
    // makes this fail, and we keep serving it.
    if (::umount2(options_.mount_file.c_str(), 0) != 0 && errno != EINVAL) {
        const int err = errno;
        util::throw_errno(err, "unmounting the FUSE file " + options_.mount_file.string() +
                                   (err == EBUSY ? " (it is still open)" : ""));
    }
    // Unmounting ended the FUSE connection: the workers see it and leave.
    shut_down();
}

void FuseFileServer::shut_down()
{
    fuse_session_exit(session_);
    if (loop_.joinable())
        loop_.join();
    fuse_session_unmount(session_); // only closes the (dead) connection and frees the mount point name
    fuse_session_destroy(session_);
    session_ = nullptr;
}

// The last resort when the file is still open somewhere: end the FUSE
// connection, so our workers leave and the users get errors (ENOTCONN)
// instead of hanging forever. That is what fusectl's "abort" is for.
void FuseFileServer::abort_connection()
{
    const std::filesystem::path dir = "/sys/fs/fuse/connections";
    std::error_code ec;
    if (std::filesystem::is_empty(dir, ec) && !ec)
        ::mount("fusectl", dir.c_str(), "fusectl", 0, nullptr);
    const auto abort = dir / std::to_string(connection_) / "abort";
    util::UniqueFd fd(::open(abort.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), "1", 1) != 1)
        util::log(util::Priority::err, "FUSE frontend: cannot abort the FUSE connection via " + abort.string() + ": " +
                                           std::strerror(errno));
}

} // namespace mars::frontend
