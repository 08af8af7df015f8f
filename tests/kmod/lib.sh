# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/kmod/lib.sh: what tests/kmod/run and bench/kmod share to get mars.ko
# into a qemu guest: host packages, Debian kernel packages (downloaded and
# unpacked into a cache, never installed), the bootable ELF vmlinux, the
# module build, and the in-tree modules of an initramfs. Sourced, not run.
#
# The sourcing script sets, before calling anything here:
#   SRC    the source tree (the directory with kmod/)
#   CACHE  the download cache (MARS_KMOD_CACHE, default /var/tmp/mars-kmod-cache)
# and may set LOG_TAG (the tag of log lines, default "kmod") and T0 (the
# start time in ns for the log lines, default: when this file was sourced).
#
# prepare_kernel FLAVOUR sets K_VER, K_ROOT, K_DIR and K_VMLINUX; the other
# functions read them.

# Host packages the kernel build, the initramfs and qemu need.
# shellcheck disable=SC2034 # used by the sourcing scripts
KMOD_PACKAGES=(qemu-system-x86 busybox-static kmod cpio liburing-dev gcc make libc6-dev xz-utils zstd perl)

T0=${T0:-$(date +%s%N)}
elapsed() {   # elapsed START_NS: seconds since then, one decimal
	local ds=$((($(date +%s%N) - $1) / 100000000))
	printf '%d.%d' $((ds / 10)) $((ds % 10))
}
log() { printf '[%s %6ss] %s\n' "${LOG_TAG:-kmod}" "$(elapsed "$T0")" "$*"; }
die() { log "ERROR: $*"; exit 1; }

# install_packages PACKAGE...: apt-get installs those that are missing (root)
install_packages() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- kernel packages ----------------------------------------------------------
# apt options per flavour: 6.1 uses the system lists, 6.12 a private list for
# bookworm-backports (the system's apt configuration stays untouched).
apt_opts() {
	if [ "$1" = 6.12 ]; then
		echo "-o Dir::Etc::SourceList=$CACHE/apt-bp/sources.list -o Dir::Etc::SourceParts=/dev/null" \
			"-o Dir::State::Lists=$CACHE/apt-bp/lists"
	fi
}

refresh_lists() {   # refresh_lists FLAVOUR [force]
	local fl=$1 force=${2:-}
	if [ "$fl" = 6.12 ]; then
		local mirror
		# shellcheck disable=SC2016 # apt's own $(...) format fields
		mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' | awk '$1=="bookworm"{print $2; exit}')
		[ -n "$mirror" ] || mirror=http://deb.debian.org/debian/
		mkdir -p "$CACHE/apt-bp/lists/partial"
		echo "deb $mirror bookworm-backports main" > "$CACHE/apt-bp/sources.list"
		if [ -n "$force" ] || [ -z "$(find "$CACHE/apt-bp/lists" -maxdepth 1 -name '*Packages*' -mmin -1440)" ]; then
			# shellcheck disable=SC2046
			apt-get $(apt_opts 6.12) -qq update || log "warning: backports list update failed, using cached lists"
		fi
	elif [ -n "$force" ] || ! apt-cache show linux-headers-amd64 >/dev/null 2>&1; then
		apt-get update -qq || log "warning: apt-get update failed"
	fi
}

resolve_kver() {   # resolve_kver FLAVOUR -> prints e.g. 6.1.0-56-amd64
	# shellcheck disable=SC2046
	apt-cache $(apt_opts "$1") depends linux-headers-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-headers-\(.*-amd64\)$/\1/p' | head -1
}

extract_vmlinux() {   # extract_vmlinux BZIMAGE OUT: the ELF kernel, booted via PVH
	local s po pl
	s=$(od -An -tu1 -j $((0x1f1)) -N1 "$1")
	po=$(od -An -tu4 -j $((0x248)) -N4 "$1")
	pl=$(od -An -tu4 -j $((0x24c)) -N4 "$1")
	dd if="$1" of="$2.z" iflag=skip_bytes,count_bytes skip=$(((s + 1) * 512 + po)) \
		count=$((pl - 4)) bs=1M status=none
	case $(od -An -tx1 -N4 "$2.z" | tr -d ' ') in
	fd377a58) xz -dc "$2.z" > "$2.tmp" ;;
	28b52ffd) zstd -qdc "$2.z" > "$2.tmp" ;;
	*) echo "unknown kernel compression in $1" >&2; return 1 ;;
	esac
	rm -f "$2.z"
	mv "$2.tmp" "$2"
}

# download_kernel FLAVOUR DIR: fetches and unpacks image and headers of K_VER
download_kernel() {
	local fl=$1 dir=$2 deps
	rm -rf "$dir"
	mkdir -p "$dir/debs"
	chmod 777 "$dir/debs"   # apt's _apt user writes there
	# shellcheck disable=SC2046
	deps=$(apt-cache $(apt_opts "$fl") depends "linux-headers-$K_VER" |
		sed -n 's/^ *Depends: \(linux-headers-.*-common\|linux-kbuild-.*\)$/\1/p')
	[ -n "$deps" ] || return 1
	# shellcheck disable=SC2046,SC2086
	(cd "$dir/debs" && apt-get $(apt_opts "$fl") -qq download \
		"linux-image-$K_VER" "linux-headers-$K_VER" $deps) || return 1
	for d in "$dir"/debs/*.deb; do dpkg-deb -x "$d" "$K_ROOT" || return 1; done
	rm -rf "$dir/debs"
	# the headers Makefile includes the -common tree by absolute path
	sed -i "s|/usr/src/|$K_ROOT/usr/src/|" "$K_DIR/Makefile"
	depmod -b "$K_ROOT" "$K_VER" || return 1
	extract_vmlinux "$K_ROOT/boot/vmlinuz-$K_VER" "$K_VMLINUX" || return 1
	touch "$dir/complete"
}

# prepare_kernel FLAVOUR: sets K_VER, K_ROOT, K_DIR, K_VMLINUX (downloads once)
prepare_kernel() {
	local fl=$1 attempt dir
	refresh_lists "$fl"
	for attempt in 1 2; do
		# a second attempt with fresh lists: the mirror drops old ABIs
		[ $attempt = 1 ] || refresh_lists "$fl" force
		K_VER=$(resolve_kver "$fl")
		[ -n "$K_VER" ] || continue
		dir=$CACHE/$fl/kernel-$K_VER
		K_ROOT=$dir/root
		K_DIR=$K_ROOT/usr/src/linux-headers-$K_VER
		K_VMLINUX=$dir/vmlinux
		[ -e "$dir/complete" ] && return 0
		log "$fl: downloading kernel $K_VER"
		if download_kernel "$fl" "$dir"; then
			# older ABIs of the same flavour are of no use any more
			for old in "$CACHE/$fl"/kernel-*; do
				[ "$old" = "$dir" ] || rm -rf "$old"
			done
			return 0
		fi
		log "$fl: download of kernel $K_VER failed"
	done
	die "$fl: cannot get a kernel (apt lists, mirror?)"
}

# --- mars.ko and the initramfs --------------------------------------------------
build_module() {   # build_module FLAVOUR WORKDIR: WORKDIR/kmod/mars.ko for K_VER
	local fl=$1 w=$2
	rm -rf "$w/kmod"
	cp -r "$SRC/kmod" "$w/kmod"   # kbuild writes objects next to the sources
	# CONFIG_DEBUG_INFO_BTF_MODULES=: the 6.12 headers would call pahole for BTF
	if ! make -C "$K_DIR" M="$w/kmod" W=1 MARS_WERROR=y CONFIG_DEBUG_INFO_BTF_MODULES= \
		modules > "$w/build.log" 2>&1; then
		cat "$w/build.log"
		die "$fl: build of mars.ko failed"
	fi
	if grep -iE 'warning|error' "$w/build.log"; then
		die "$fl: build of mars.ko printed warnings (W=1)"
	fi
	local vermagic
	vermagic=$(modinfo -F vermagic "$w/kmod/mars.ko")
	[ "${vermagic%% *}" = "$K_VER" ] || die "$fl: vermagic '$vermagic' is not for $K_VER"
}

# add_intree_modules INITRAMFS_DIR MODULE...: the in-tree modules of K_VER
# that the guest needs, with their dependencies, decompressed into
# INITRAMFS_DIR/lib/modules/intree/, and their load order appended to its
# file "order" (busybox insmod neither decompresses nor resolves
# dependencies). Parameters go into "order" after a module's name.
add_intree_modules() {
	local d=$1/lib/modules/intree mod f b
	shift
	mkdir -p "$d"
	touch "$d/order"
	for mod in "$@"; do
		for f in $(modprobe -d "$K_ROOT" -S "$K_VER" --show-depends "$mod" | awk '$1=="insmod"{print $2}'); do
			b=$(basename "$f")
			b=${b%.xz}
			grep -qx "$b.*" "$d/order" && continue
			case $f in
			*.xz) xz -dc "$f" > "$d/$b" ;;
			*) cp "$f" "$d/$b" ;;
			esac
			echo "$b" >> "$d/order"
		done
	done
}
