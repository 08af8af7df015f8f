// SPDX-License-Identifier: GPL-2.0
/*
 * mars.ko: block devices for asynchronous replication with transaction logs.
 *
 * Step 1 (this code): /dev/mars-control creates and removes /dev/marsN block
 * devices that pass IO through to a backing file. The in-kernel transaction
 * logger comes next; see docs/kmod.md.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "mars_dev.h"

static int __init mars_init(void)
{
	int ret;

	ret = mars_dev_register_major();
	if (ret)
		return ret;
	/* last: from here on, userspace can create devices */
	ret = mars_ctl_init();
	if (ret) {
		mars_dev_unregister_major();
		return ret;
	}
	pr_info("loaded, control interface version %d\n", MARS_CTL_VERSION);
	return 0;
}

static void __exit mars_exit(void)
{
	mars_ctl_exit();
	mars_dev_unregister_major();
	pr_info("unloaded\n");
}

module_init(mars_init);
module_exit(mars_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mars: block devices for asynchronous replication with transaction logs");
MODULE_AUTHOR("the mars authors");
