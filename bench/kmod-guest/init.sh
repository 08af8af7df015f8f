#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the qemu guest that bench/kmod boots: two brd ramdisks (/dev/ram0
# the backing device, /dev/ram1 the log), mars.ko, then marsbench. Prints
# what marsbench prints ("MARSBENCH: " lines) and reports through
# isa-debug-exit (port 0xf4): 0 when marsbench ran to the end, 1 otherwise.
# Kernel command line variables (become environment variables here):
#   marsarea=MiB    part of /dev/ram0 the devices use (default 256)
#   marssecs=N      seconds per timed run (default 3)
#   marsramp=MS     ramp before each timed run, in ms (default 500)
#   marsrounds=N    rounds; the table shows medians (default 3)
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

RESULT=0
say() { echo "MARSBENCH: $*"; }
fail() { say "ERROR: $*"; RESULT=1; }

finish() {
	if [ "$RESULT" = 0 ]; then printf '\000'; else printf '\001'; fi |
		dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}

say "kernel $(uname -r), $(nproc) CPU, $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) MiB"
while read -r m args; do
	# shellcheck disable=SC2086 # module parameters are words
	insmod "/lib/modules/intree/$m" $args || fail "insmod $m $args"
done < /lib/modules/intree/order
insmod /lib/modules/extra/mars.ko || fail "insmod mars.ko"
{ [ -b /dev/ram0 ] && [ -b /dev/ram1 ]; } || fail "no /dev/ram0 and /dev/ram1 (brd)"
[ "$RESULT" = 0 ] || finish
dmesg -c > /tmp/boot.dmesg
# the record CRCs use the crc32c driver of the highest priority
say "crc32c drivers (priority): $(awk '/^name/ {n=$3} /^driver/ {d=$3} /^priority/ {p=$3}
	/^$/ && n == "crc32c" {printf "%s (%s) ", d, p; n=""}' /proc/crypto)"

marsbench /dev/ram0 /dev/ram1 "${marsarea:-256}" "${marssecs:-3}" "${marsramp:-500}" \
	"${marsrounds:-3}" || fail "marsbench failed (above)"

# a warning in the module during the runs makes the numbers suspect
if dmesg | grep -E 'WARNING|BUG[: ]|Oops|Call Trace|mars[0-9]+: .* failed'; then
	fail "kernel log has warnings or errors (above)"
fi
finish
