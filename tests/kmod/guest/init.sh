#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the qemu guest that tests/kmod/run boots: loads mars.ko, runs
# marstest against it, unloads and reloads it, checks the kernel log, and
# reports PASS or FAIL through isa-debug-exit (port 0xf4).
# Kernel command line variables (become environment variables here):
#   marsops=N   requests per io_uring workload (default 2000)
#   marsfuzz=N  random ioctls of the hostile test (default 2000)
#   marscase=   "crash": only the crash test (log on the raw disk /dev/vda,
#               writers until the host kills qemu); else the whole test, which
#               leaves logfiles and images for the host as a tar on /dev/vda
# /hostlog (in the initramfs, from kmod_log_check write-log) is a logfile the
# userspace writer began, for the "mixed" case.
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

RESULT=PASS
OPS=${marsops:-2000}
FUZZ=${marsfuzz:-2000}
SIZE=$((32 << 20))
LSIZE=$((8 << 20))	# logged devices: every byte also goes through the log
OUT=/tmp/out		# what the host verifier gets
MARS=/lib/modules/extra/mars.ko

say() { echo "KMODTEST: $*"; }
fail() { say "FAIL: $*"; RESULT=FAIL; }
step() { say "step [$(cut -d' ' -f1 /proc/uptime) s]: $*"; }
run() { "$@" || fail "$*"; }

finish() {
	say "RESULT=$RESULT"
	if [ "$RESULT" = PASS ]; then printf '\000'; else printf '\001'; fi |
		dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

say "kernel $(uname -r), $(nproc) CPU, cmdline: $(cat /proc/cmdline)"
while read -r m args; do
	# shellcheck disable=SC2086 # module parameters are words
	insmod "/lib/modules/intree/$m" $args || fail "insmod $m $args"
done < /lib/modules/intree/order
[ -b /dev/ram0 ] || fail "no /dev/ram0 (brd)"
[ -b /dev/vda ] || fail "no /dev/vda (virtio_blk: the host's scratch disk)"
# from here on, every kernel message belongs to the test
dmesg -c > /tmp/boot.dmesg

step "load mars.ko"
insmod $MARS || { fail "insmod mars.ko"; finish; }
[ -c /dev/mars-control ] || fail "/dev/mars-control missing"
grep -qw mars /proc/devices || fail "no block major for mars in /proc/devices"

if [ "${marscase:-}" = crash ]; then
	step "crash: 8 writers, log on /dev/vda, until the host kills qemu"
	marstest crash /dev/ram0 $((4 << 20)) /dev/vda 8 240
	fail "the crash writers ended"
	finish
fi

step "IO errors: backing file shrinks under the device"
run marstest ioerror /tmp/shrink.img
# the failed read must be reported (ours and the block layer's message), and
# nothing worse; the rest of the test must not log errors at all
dmesg -c > /tmp/ioerror.dmesg
grep -q 'mars[0-9]*: READ at sector .* failed: -5' /tmp/ioerror.dmesg ||
	fail "no kernel message for the failed read"
if grep -E 'WARNING|BUG[: ]|Oops|Call Trace' /tmp/ioerror.dmesg; then
	fail "kernel log of the IO error test has warnings (above)"
fi

step "hostile ioctls"
run marstest hostile /tmp/hostile.img "$FUZZ"

step "device on a block device (brd), direct IO"
run marstest device /dev/ram0 $SIZE r-brd 0 1 "$OPS"

step "device on a block device (brd), buffered IO"
run marstest device /dev/ram0 $SIZE r-brd-buffered 1 0 "$OPS"

step "device on a regular file (tmpfs)"
truncate -s $SIZE /tmp/backing.img
run marstest device /tmp/backing.img $SIZE r-file 0 -1 "$OPS"

mkdir -p $OUT
step "logged device (log on tmpfs): workloads, poll, writeback, positions"
run marstest logged full /dev/ram0 $LSIZE logged $OUT $((OPS / 2))

step "logged device: ROTATE_LOG under load"
run marstest logged rotate /dev/ram0 $LSIZE rotate $OUT $((OPS / 4))

step "logged device: SET_EMERGENCY under load"
run marstest logged emergency /dev/ram0 $LSIZE emergency $OUT $((OPS / 4))

step "logged device continuing a logfile of the userspace writer"
run marstest mixed /dev/ram0 mixed $OUT /hostlog $((OPS / 8))

step "the daemon's primary on mars.ko (PrimaryRole, frontend=kmod)"
mkdir -p /tmp/daemon
run kmod_primary_test /tmp/daemon
rm -rf /tmp/daemon

step "add/remove churn"
run marstest churn /tmp/backing.img $SIZE 50

step "module unload refused while a device is open"
idx=$(marstest add /tmp/backing.img $SIZE r-open)
if [ -n "$idx" ] && [ -b "/dev/mars$idx" ]; then
	exec 3< "/dev/mars$idx"
	rmmod mars 2>/dev/null && fail "rmmod succeeded while /dev/mars$idx was open"
	run marstest remove "$idx" 16	# EBUSY
	exec 3<&-
else
	fail "add r-open"
fi

step "module unload with an idle device left"
rmmod mars || fail "rmmod mars with an idle device"
[ -e /sys/module/mars ] && fail "/sys/module/mars still there after rmmod"
[ -n "$idx" ] && [ -e "/sys/block/mars$idx" ] && fail "/sys/block/mars$idx still there after rmmod"
grep -qw mars /proc/devices && fail "mars block major still registered after rmmod"
[ -e /dev/mars-control ] && fail "/dev/mars-control still there after rmmod"

step "reload and use again"
if insmod $MARS; then
	run marstest device /dev/ram0 $SIZE r-reload 0 1 $((OPS / 4))
	run marstest logged quick /dev/ram0 $LSIZE reload $OUT $((OPS / 8))
	rmmod mars || fail "final rmmod mars"
else
	fail "insmod mars.ko after rmmod"
fi

step "logfiles and images to the host (tar on /dev/vda)"
say "out: $(find $OUT -type f | wc -l) files, $(du -sk $OUT | cut -f1) KiB"
tar -cf /dev/vda -C /tmp out || fail "tar to /dev/vda"
sync

step "kernel log"
dmesg > /tmp/test.dmesg
if grep -E 'WARNING|BUG[: ]|Oops|Call Trace|general protection|[Ss]lab|SLUB|Poison|Redzone|[Cc]orrupt|refcount_t|use-after-free|list_(add|del) corruption|I/O error|mars[0-9]+: .* failed' /tmp/test.dmesg; then
	fail "kernel log has warnings or errors (above)"
fi
say "kernel log: $(wc -l < /tmp/test.dmesg) lines, $(grep -c 'mars: marstest' /tmp/test.dmesg) rejected-call messages (rate-limited)"
grep -v 'mars: marstest' /tmp/test.dmesg | tail -n 12 | sed 's/^/KMODTEST: dmesg: /'
step "done"
finish
