// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mars-control: the versioned ioctls of include/uapi/mars_ctl.h and the
 * table of devices. Every argument is checked before anything is allocated;
 * a rejected call gets an errno and a rate-limited kernel message naming the
 * caller and the reason. docs/kmod.md lists the errnos.
 *
 * mars_ctl_lock serialises all control operations and protects the table;
 * the IO path never takes it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "mars_compat.h"
#include "mars_dev.h"

static DEFINE_MUTEX(mars_ctl_lock);
static DEFINE_IDR(mars_devices);
static unsigned int mars_nr_devices;

/* Logs why a call was refused (rate-limited) and yields the errno. */
#define mars_ctl_reject(op, err, fmt, ...)				\
	({								\
		int __mars_err = (err);					\
									\
		pr_warn_ratelimited("%s[%d] %s: " fmt " (%d)\n",	\
				    current->comm,			\
				    task_pid_nr(current), op,		\
				    ##__VA_ARGS__, __mars_err);		\
		__mars_err;						\
	})

/* The command matches when all but its size bits do. */
static bool mars_ctl_cmd_is(unsigned int cmd, unsigned int want)
{
	return (cmd & ~IOCSIZE_MASK) == (want & ~IOCSIZE_MASK);
}

/*
 * Copies an argument struct in: checks `version` and `size` (which must
 * match the size bits of the command) and lets copy_struct_from_user()
 * zero-extend a shorter struct or refuse unknown non-zero tail bytes.
 * Returns the caller's size or -errno.
 */
static int mars_ctl_copy_in(const char *op, unsigned int cmd,
			    void __user *uarg, void *karg, size_t ksize,
			    size_t min_size)
{
	u32 hdr[2];	/* version, size: the start of every struct */
	int ret;

	if (copy_from_user(hdr, uarg, sizeof(hdr)))
		return -EFAULT;
	if (hdr[0] != MARS_CTL_VERSION)
		return mars_ctl_reject(op, -EINVAL, "unknown version %u",
				       hdr[0]);
	if (hdr[1] < min_size || hdr[1] > MARS_CTL_MAX_STRUCT_SIZE)
		return mars_ctl_reject(op, -EINVAL, "bad struct size %u",
				       hdr[1]);
	if (hdr[1] != _IOC_SIZE(cmd))
		return mars_ctl_reject(op, -EINVAL,
				       "struct size %u but command size %u",
				       hdr[1], _IOC_SIZE(cmd));
	ret = copy_struct_from_user(karg, ksize, uarg, hdr[1]);
	if (ret == -E2BIG)
		return mars_ctl_reject(op, ret,
				       "struct size %u has unknown non-zero fields",
				       hdr[1]);
	if (ret)
		return ret;
	return hdr[1];
}

static int mars_ctl_copy_out(void __user *uarg, const void *karg,
			     size_t ksize, size_t usize)
{
	if (copy_to_user(uarg, karg, min(ksize, usize)))
		return -EFAULT;
	return 0;
}

/* [a-z][a-z0-9_-]*, NUL-terminated, zero-padded */
static bool mars_ctl_name_ok(const char *name)
{
	size_t len = strnlen(name, MARS_CTL_NAME_MAX);
	size_t i;

	if (len == 0 || len >= MARS_CTL_NAME_MAX)
		return false;
	if (name[0] < 'a' || name[0] > 'z')
		return false;
	for (i = 1; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return !memchr_inv(name + len, 0, MARS_CTL_NAME_MAX - len);
}

/*
 * A backing file must be a regular file or a block device that supports
 * kiocb IO, open for reading and writing at positions we choose (no
 * O_APPEND), and not a mars device (IO would recurse into us).
 */
static int mars_ctl_check_backing(const char *op, struct file *file, u64 bytes)
{
	struct inode *inode = file_inode(file);
	loff_t backing_bytes;

	if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode))
		return mars_ctl_reject(op, -EINVAL,
				       "backing fd is neither a regular file nor a block device");
	if ((file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return mars_ctl_reject(op, -EBADF,
				       "backing fd is not open for reading and writing");
	if (file->f_flags & O_APPEND)
		return mars_ctl_reject(op, -EINVAL,
				       "backing fd is open with O_APPEND");
	if (!file->f_op->read_iter || !file->f_op->write_iter)
		return mars_ctl_reject(op, -EINVAL,
				       "backing file has no kiocb IO");
	if (IS_SWAPFILE(file->f_mapping->host) || IS_IMMUTABLE(inode) ||
	    IS_APPEND(inode))
		return mars_ctl_reject(op, -EINVAL,
				       "backing file is a swap, immutable or append-only file");

	if (S_ISBLK(inode->i_mode)) {
		struct block_device *bdev = I_BDEV(file->f_mapping->host);

		if (mars_dev_is_mars_disk(bdev->bd_disk))
			return mars_ctl_reject(op, -EINVAL,
					       "backing device is a mars device");
		if (bdev_read_only(bdev))
			return mars_ctl_reject(op, -EINVAL,
					       "backing device is read-only");
		backing_bytes = bdev_nr_bytes(bdev);
	} else {
		backing_bytes = i_size_read(inode);
	}
	if (backing_bytes < 0 || bytes > (u64)backing_bytes)
		return mars_ctl_reject(op, -EINVAL,
				       "device size %llu exceeds backing size %lld",
				       bytes, (long long)backing_bytes);
	return 0;
}

/*
 * A logfile must be a regular file or a block device, writable at positions
 * we choose, through ->write_iter(), not the backing file and not a mars
 * device. `bytes_out` gets its current size.
 */
static int mars_ctl_check_log(const char *op, struct file *log,
			      struct file *backing, loff_t *bytes_out)
{
	struct inode *inode = file_inode(log);

	if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode))
		return mars_ctl_reject(op, -EINVAL,
				       "log fd is neither a regular file nor a block device");
	if (!(log->f_mode & FMODE_WRITE))
		return mars_ctl_reject(op, -EBADF, "log fd is not open for writing");
	if (log->f_flags & O_APPEND)
		return mars_ctl_reject(op, -EINVAL, "log fd is open with O_APPEND");
	if (!log->f_op->write_iter || !log->f_op->fsync)
		return mars_ctl_reject(op, -EINVAL,
				       "logfile has no kiocb writes or fsync");
	if (IS_SWAPFILE(log->f_mapping->host) || IS_IMMUTABLE(inode) ||
	    IS_APPEND(inode))
		return mars_ctl_reject(op, -EINVAL,
				       "logfile is a swap, immutable or append-only file");
	if (backing && file_inode(backing)->i_mapping == log->f_mapping)
		return mars_ctl_reject(op, -EINVAL,
				       "log and backing are the same file");
	if (S_ISBLK(inode->i_mode)) {
		struct block_device *bdev = I_BDEV(log->f_mapping->host);

		if (mars_dev_is_mars_disk(bdev->bd_disk))
			return mars_ctl_reject(op, -EINVAL,
					       "log device is a mars device");
		if (bdev_read_only(bdev))
			return mars_ctl_reject(op, -EINVAL,
					       "log device is read-only");
		*bytes_out = bdev_nr_bytes(bdev);
	} else {
		*bytes_out = i_size_read(inode);
	}
	return 0;
}

/* The v2 fields of ADD_DEVICE: only with MARS_CTL_ADD_F_LOG, then checked. */
static int mars_ctl_add_log(const char *op, const struct mars_ctl_add_device *a,
			    struct mars_dev_config *cfg)
{
	struct file *log;
	loff_t log_bytes;
	int ret;

	if (!(a->flags & MARS_CTL_ADD_F_LOG)) {
		if (a->log_fd || a->log_flags || a->log_offset ||
		    a->log_next_seq || a->log_min_stamp_ns || a->dirty_limit_bytes)
			return mars_ctl_reject(op, -EINVAL,
					       "log fields set without MARS_CTL_ADD_F_LOG");
		return 0;
	}
	if (a->log_flags)
		return mars_ctl_reject(op, -EINVAL, "unknown log flags 0x%x",
				       a->log_flags);
	if (!IS_ALIGNED(a->log_offset, MARS_LOG_RECORD_ALIGN))
		return mars_ctl_reject(op, -EINVAL,
				       "log offset %llu is not a multiple of %d",
				       a->log_offset, MARS_LOG_RECORD_ALIGN);
	if (!a->log_next_seq || a->log_next_seq > (U64_MAX >> 1))
		return mars_ctl_reject(op, -EINVAL, "invalid log seq %llu",
				       a->log_next_seq);
	if (a->dirty_limit_bytes &&
	    (a->dirty_limit_bytes < MARS_CTL_DIRTY_LIMIT_MIN ||
	     a->dirty_limit_bytes > MARS_CTL_DIRTY_LIMIT_MAX))
		return mars_ctl_reject(op, -EINVAL,
				       "dirty limit %llu outside [%llu, %llu]",
				       a->dirty_limit_bytes, MARS_CTL_DIRTY_LIMIT_MIN,
				       MARS_CTL_DIRTY_LIMIT_MAX);
	if (a->log_fd < 0)
		return mars_ctl_reject(op, -EBADF, "invalid log fd %d", a->log_fd);
	log = fget(a->log_fd);
	if (!log)
		return mars_ctl_reject(op, -EBADF, "log fd %d is not open",
				       a->log_fd);
	ret = mars_ctl_check_log(op, log, cfg->backing, &log_bytes);
	if (!ret && a->log_offset > (u64)log_bytes)
		ret = mars_ctl_reject(op, -EINVAL,
				      "log offset %llu beyond the logfile's %lld bytes",
				      a->log_offset, (long long)log_bytes);
	if (ret) {
		fput(log);
		return ret;
	}
	cfg->log = log;
	cfg->log_offset = a->log_offset;
	cfg->log_next_seq = a->log_next_seq;
	cfg->log_min_stamp_ns = a->log_min_stamp_ns;
	cfg->dirty_limit = a->dirty_limit_bytes ?: MARS_CTL_DIRTY_LIMIT_DEFAULT;
	return 0;
}

static struct mars_dev *mars_ctl_find_name(const char *name)
{
	struct mars_dev *dev;
	int id;

	lockdep_assert_held(&mars_ctl_lock);
	idr_for_each_entry(&mars_devices, dev, id)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

static long mars_ctl_get_info(unsigned int cmd, void __user *uarg)
{
	struct mars_ctl_info a;
	int usize;

	usize = mars_ctl_copy_in("GET_INFO", cmd, uarg, &a, sizeof(a),
				 MARS_CTL_INFO_SIZE_V1);
	if (usize < 0)
		return usize;
	if (a.reserved)
		return mars_ctl_reject("GET_INFO", -EINVAL,
				       "reserved field is not zero");

	a.max_version = MARS_CTL_VERSION;
	a.max_devices = MARS_CTL_MAX_DEVICES;
	a.max_device_bytes = MARS_CTL_MAX_DEVICE_BYTES;
	mutex_lock(&mars_ctl_lock);
	a.nr_devices = mars_nr_devices;
	mutex_unlock(&mars_ctl_lock);
	return mars_ctl_copy_out(uarg, &a, sizeof(a), usize);
}

static long mars_ctl_add_device(unsigned int cmd, void __user *uarg)
{
	const char *op = "ADD_DEVICE";
	struct mars_dev_config cfg = {};
	struct mars_ctl_add_device a;
	struct mars_dev *dev;
	struct file *file;
	int usize, index;
	long ret;

	usize = mars_ctl_copy_in(op, cmd, uarg, &a, sizeof(a),
				 MARS_CTL_ADD_DEVICE_SIZE_V1);
	if (usize < 0)
		return usize;
	if (a.flags & ~MARS_CTL_ADD_F_KNOWN)
		return mars_ctl_reject(op, -EINVAL, "unknown flags 0x%x",
				       a.flags & ~MARS_CTL_ADD_F_KNOWN);
	if (a.reserved)
		return mars_ctl_reject(op, -EINVAL, "reserved field is not zero");
	if (!mars_ctl_name_ok(a.name))
		return mars_ctl_reject(op, -EINVAL,
				       "invalid resource name (want [a-z][a-z0-9_-]*, 1..%d chars, zero-padded)",
				       MARS_CTL_NAME_MAX - 1);
	if (a.device_bytes == 0 || a.device_bytes > MARS_CTL_MAX_DEVICE_BYTES ||
	    !IS_ALIGNED(a.device_bytes, MARS_CTL_SECTOR_SIZE))
		return mars_ctl_reject(op, -EINVAL,
				       "invalid device size %llu (want a multiple of %d, at most %llu)",
				       a.device_bytes, MARS_CTL_SECTOR_SIZE,
				       MARS_CTL_MAX_DEVICE_BYTES);
	if (a.backing_fd < 0)
		return mars_ctl_reject(op, -EBADF, "invalid backing fd %d",
				       a.backing_fd);
	file = fget(a.backing_fd);
	if (!file)
		return mars_ctl_reject(op, -EBADF, "backing fd %d is not open",
				       a.backing_fd);
	ret = mars_ctl_check_backing(op, file, a.device_bytes);
	if (ret)
		goto out_fput;

	memcpy(cfg.name, a.name, sizeof(cfg.name));
	cfg.bytes = a.device_bytes;
	cfg.add_flags = a.flags;
	cfg.backing = file;
	ret = mars_ctl_add_log(op, &a, &cfg);
	if (ret)
		goto out_fput;

	mutex_lock(&mars_ctl_lock);
	if (mars_ctl_find_name(cfg.name)) {
		ret = mars_ctl_reject(op, -EEXIST, "resource %s exists",
				      cfg.name);
		goto out_unlock;
	}
	/* reserve the index; the entry is set once the device exists */
	index = idr_alloc(&mars_devices, NULL, 0, MARS_CTL_MAX_DEVICES,
			  GFP_KERNEL);
	if (index < 0) {
		ret = index == -ENOSPC ?
			mars_ctl_reject(op, -ENOSPC, "all %d devices in use",
					MARS_CTL_MAX_DEVICES) : index;
		goto out_unlock;
	}
	ret = mars_dev_create(&cfg, index, &dev);
	if (ret) {
		idr_remove(&mars_devices, index);
		goto out_unlock;
	}
	idr_replace(&mars_devices, dev, index);
	mars_nr_devices++;
	mutex_unlock(&mars_ctl_lock);

	a.index = index;
	a.dev_flags = dev->dev_flags;
	a.logical_block_size = dev->logical_block_size;
	/*
	 * The device exists even if the caller's memory went away meanwhile;
	 * it learns the index from the return value or QUERY.
	 */
	if (mars_ctl_copy_out(uarg, &a, sizeof(a), usize))
		pr_warn_ratelimited("%s[%d] %s: could not write back the result for mars%d\n",
				    current->comm, task_pid_nr(current), op,
				    index);
	return index;

out_unlock:
	mutex_unlock(&mars_ctl_lock);
	if (cfg.log)
		fput(cfg.log);
out_fput:
	fput(file);
	return ret;
}

/* Called with mars_ctl_lock held; the device must be idle. */
static void mars_ctl_destroy(struct mars_dev *dev)
{
	idr_remove(&mars_devices, dev->index);
	mars_nr_devices--;
	mars_dev_destroy(dev);
}

/*
 * The common start of the commands on one device (REMOVE_DEVICE, QUERY):
 * refuses flags (none are defined), takes mars_ctl_lock and finds
 * /dev/mars<index>. Returns the device with the lock held, or an ERR_PTR
 * without it.
 */
static struct mars_dev *mars_ctl_lock_device(const char *op, u32 index,
					     u32 flags)
{
	struct mars_dev *dev;

	if (flags)
		return ERR_PTR(mars_ctl_reject(op, -EINVAL,
					       "unknown flags 0x%x", flags));

	mutex_lock(&mars_ctl_lock);
	dev = index < MARS_CTL_MAX_DEVICES ?
		idr_find(&mars_devices, index) : NULL;
	if (!dev) {
		mutex_unlock(&mars_ctl_lock);
		return ERR_PTR(mars_ctl_reject(op, -ENOENT, "no device mars%u",
					       index));
	}
	return dev;
}

static long mars_ctl_remove_device(unsigned int cmd, void __user *uarg)
{
	const char *op = "REMOVE_DEVICE";
	struct mars_ctl_remove_device a;
	struct mars_dev *dev;
	int usize;
	long ret;

	usize = mars_ctl_copy_in(op, cmd, uarg, &a, sizeof(a),
				 MARS_CTL_REMOVE_DEVICE_SIZE_V1);
	if (usize < 0)
		return usize;
	dev = mars_ctl_lock_device(op, a.index, a.flags);
	if (IS_ERR(dev))
		return PTR_ERR(dev);

	ret = mars_dev_begin_remove(dev);
	if (ret)
		ret = mars_ctl_reject(op, ret, "mars%u is open", a.index);
	else
		mars_ctl_destroy(dev);
	mutex_unlock(&mars_ctl_lock);
	return ret;
}

static long mars_ctl_query(unsigned int cmd, void __user *uarg)
{
	const char *op = "QUERY";
	struct mars_ctl_query a;
	struct mars_dev *dev;
	int usize;

	usize = mars_ctl_copy_in(op, cmd, uarg, &a, sizeof(a),
				 MARS_CTL_QUERY_SIZE_V1);
	if (usize < 0)
		return usize;
	dev = mars_ctl_lock_device(op, a.index, a.flags);
	if (IS_ERR(dev))
		return PTR_ERR(dev);

	mars_dev_fill_query(dev, &a);
	mutex_unlock(&mars_ctl_lock);
	return mars_ctl_copy_out(uarg, &a, sizeof(a), usize);
}

/* The commands for a device's logger find a device that logs. */
static struct mars_dev *mars_ctl_lock_logger(const char *op, u32 index,
					     u32 flags)
{
	struct mars_dev *dev = mars_ctl_lock_device(op, index, flags);

	if (!IS_ERR(dev) && !dev->logger) {
		mutex_unlock(&mars_ctl_lock);
		return ERR_PTR(mars_ctl_reject(op, -EINVAL,
					       "mars%u was added without a log",
					       index));
	}
	return dev;
}

static long mars_ctl_rotate_log(unsigned int cmd, void __user *uarg)
{
	const char *op = "ROTATE_LOG";
	struct mars_ctl_rotate_log a;
	struct mars_log_event ev = {};
	struct mars_dev *dev;
	loff_t bytes;
	int usize;
	long ret;

	usize = mars_ctl_copy_in(op, cmd, uarg, &a, sizeof(a),
				 MARS_CTL_ROTATE_LOG_SIZE_V1);
	if (usize < 0)
		return usize;
	if (a.log_fd < 0)
		return mars_ctl_reject(op, -EBADF, "invalid log fd %d", a.log_fd);
	ev.new_log = fget(a.log_fd);
	if (!ev.new_log)
		return mars_ctl_reject(op, -EBADF, "log fd %d is not open",
				       a.log_fd);
	dev = mars_ctl_lock_logger(op, a.index, a.flags);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto out_fput;
	}
	ret = mars_ctl_check_log(op, ev.new_log, dev->backing, &bytes);
	if (!ret && !S_ISREG(file_inode(ev.new_log)->i_mode))
		ret = mars_ctl_reject(op, -EINVAL,
				      "the new logfile is not a regular file");
	if (!ret && bytes)
		ret = mars_ctl_reject(op, -EINVAL,
				      "the new logfile is not empty (%lld bytes)",
				      (long long)bytes);
	if (!ret && file_inode(ev.new_log) == file_inode(dev->logger->log))
		ret = mars_ctl_reject(op, -EINVAL,
				      "the new logfile is the current one");
	if (!ret) {
		ret = mars_logger_event(dev, &ev, MARS_LOG_ITEM_ROTATE);
		if (ret)
			ret = mars_ctl_reject(op, ret, "mars%u cannot rotate now",
					      a.index);
	}
	mutex_unlock(&mars_ctl_lock);
	if (ret)
		goto out_fput;
	a.generation = ev.generation;
	a.old_end_offset = ev.old_end;
	a.marker_seq = ev.marker_seq;
	return mars_ctl_copy_out(uarg, &a, sizeof(a), usize);

out_fput:
	/* NULL once the logger took it */
	if (ev.new_log)
		fput(ev.new_log);
	return ret;
}

static long mars_ctl_set_emergency(unsigned int cmd, void __user *uarg)
{
	const char *op = "SET_EMERGENCY";
	struct mars_ctl_set_emergency a;
	struct mars_log_event ev = {};
	struct mars_dev *dev;
	int usize;
	long ret;

	usize = mars_ctl_copy_in(op, cmd, uarg, &a, sizeof(a),
				 MARS_CTL_SET_EMERGENCY_SIZE_V1);
	if (usize < 0)
		return usize;
	dev = mars_ctl_lock_logger(op, a.index, a.flags);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = mars_logger_event(dev, &ev, MARS_LOG_ITEM_EMERGENCY);
	if (ret)
		ret = mars_ctl_reject(op, ret, "mars%u is not logging", a.index);
	mutex_unlock(&mars_ctl_lock);
	if (ret)
		return ret;
	a.marker_seq = ev.marker_seq;
	return mars_ctl_copy_out(uarg, &a, sizeof(a), usize);
}

static long mars_ctl_ioctl(struct file *f, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (mars_ctl_cmd_is(cmd, MARS_CTL_GET_INFO))
		return mars_ctl_get_info(cmd, uarg);
	if (mars_ctl_cmd_is(cmd, MARS_CTL_ADD_DEVICE))
		return mars_ctl_add_device(cmd, uarg);
	if (mars_ctl_cmd_is(cmd, MARS_CTL_REMOVE_DEVICE))
		return mars_ctl_remove_device(cmd, uarg);
	if (mars_ctl_cmd_is(cmd, MARS_CTL_QUERY))
		return mars_ctl_query(cmd, uarg);
	if (mars_ctl_cmd_is(cmd, MARS_CTL_ROTATE_LOG))
		return mars_ctl_rotate_log(cmd, uarg);
	if (mars_ctl_cmd_is(cmd, MARS_CTL_SET_EMERGENCY))
		return mars_ctl_set_emergency(cmd, uarg);
	return mars_ctl_reject("ioctl", -ENOTTY, "unknown command 0x%08x", cmd);
}

static const struct file_operations mars_ctl_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = mars_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice mars_ctl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mars-control",
	.fops = &mars_ctl_fops,
	.mode = 0600,
};

int mars_ctl_init(void)
{
	return misc_register(&mars_ctl_misc);
}

/*
 * Module exit: nobody can hold the control device or a mars device open
 * (both pin the module), so every remaining device is idle.
 */
void mars_ctl_exit(void)
{
	struct mars_dev *dev;
	int id;

	misc_deregister(&mars_ctl_misc);
	mutex_lock(&mars_ctl_lock);
	idr_for_each_entry(&mars_devices, dev, id) {
		if (WARN_ON_ONCE(mars_dev_begin_remove(dev)))
			continue;
		mars_ctl_destroy(dev);
	}
	mutex_unlock(&mars_ctl_lock);
	idr_destroy(&mars_devices);
}
