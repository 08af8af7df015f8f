# shellcheck shell=bash
# Helpers shared by tests/packaging/packaging-test (what "cmake --install"
# ships) and tests/packaging/packages-test (the .deb and .rpm built from it).
# Sourced, not run.

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_tool() { command -v "$1" > /dev/null || skip "$1 is not installed (tests/install-deps)"; }

MAN_PAGES="man8/marsadm.8 man8/marsd.8 man5/mars.conf.5 man5/mars-resource.conf.5 man7/mars.7"

# installed_files UNITDIR UDEVDIR TMPFILESDIR: every file of the mars
# (userspace) package, as installed with prefix /usr. The system directories
# are the only part that differs between distributions.
installed_files() {
    cat << EOF
/usr/sbin/marsd
/usr/sbin/marsadm
$1/marsd.service
$1/mars@.service
$3/mars.conf
$2/rules.d/60-mars.rules
/usr/share/dbus-1/system.d/org.mars.Mars1.conf
/usr/share/dbus-1/system-services/org.mars.Mars1.service
/usr/share/dbus-1/interfaces/org.mars.Mars1.Manager.xml
/usr/share/dbus-1/interfaces/org.mars.Mars1.Resource.xml
/usr/share/polkit-1/actions/org.mars.mars1.policy
/etc/mars/mars.conf
/etc/mars/resources/example.conf.sample
EOF
    local p
    for p in $MAN_PAGES; do echo "/usr/share/man/$p"; done
}

# project_version SOURCE_DIR: the version in CMakeLists.txt's project().
project_version() {
    sed -n 's/^project(mars VERSION \([0-9.]*\).*/\1/p' "$1/CMakeLists.txt"
}

# copy_source SOURCE_DIR DEST: the source tree without build directories or
# other ignored files. Files git knows of plus new ones it does not ignore
# (so uncommitted work is packaged too); without git, a copy minus build*/.
copy_source() {
    local src=$1 dest=$2
    rm -rf "$dest"
    mkdir -p "$dest"
    if git -C "$src" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
        # --cached also lists files deleted in the work tree: keep those out.
        (cd "$src" && git ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
            tar --null -T - -cf -) | tar -C "$dest" -xf -
    else
        tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$dest" -xf -
    fi
    [ -f "$dest/CMakeLists.txt" ] || fail "copying $src to $dest"
}
