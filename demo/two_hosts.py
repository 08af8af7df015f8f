#!/usr/bin/env python3
"""Two mars hosts on this machine (see demo/run): alpha is primary of r0,
beta joins, ext4 on alpha's /dev/mars/r0 gets files, beta catches up, and
the two disks are compared byte for byte."""

import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from mars_harness import wait_until  # noqa: E402
from replication_support import MiB, TwoHosts, digest  # noqa: E402

SIZE = 256 * MiB


def show(host, title):
    print(f"\n$ marsadm view r0    # on {host.name}: {title}")
    print(host.marsadm("view", "r0").stdout.rstrip(), flush=True)


def main(build_dir):
    print("Starting alpha and beta (two marsd in two network namespaces)...", flush=True)
    with TwoHosts(build_dir, size=SIZE) as t:
        a, b = t.alpha, t.beta
        dev = t.device()
        print(f"alpha serves {dev} -> {os.path.realpath(dev)}; beta joined and syncs.")
        t.wait_synced(timeout=300)
        show(b, "full sync done")

        print(f"\n$ mkfs.ext4 {dev} && mount it && write files   # on alpha")
        subprocess.run(["mkfs.ext4", "-q", "-F", dev], check=True)
        mnt = tempfile.mkdtemp(prefix="mars-demo-mnt.", dir="/var/tmp")
        subprocess.run(["mount", dev, mnt], check=True)
        try:
            b.marsadm("pause-replay", "r0")  # let a backlog build up, to watch it shrink
            for i in range(40):
                with open(os.path.join(mnt, f"file-{i:02d}"), "wb") as f:
                    f.write(os.urandom(1 * MiB))
            subprocess.run(["sync", "-f", mnt], check=True)
            show(b, "replay paused, 40 MiB written on alpha")
            b.marsadm("resume-replay", "r0")
            for _ in range(6):
                time.sleep(0.5)
                show(b, "catching up")
                if b.resource_property("r0", "DiskState") == "UpToDate":
                    break
        finally:
            subprocess.run(["umount", mnt], check=True)
            os.rmdir(mnt)
        t.wait_caught_up(timeout=300)
        show(b, "caught up")
        show(a, "the primary")
        want, got = digest(dev, SIZE), digest(t.beta_disk, SIZE)
        print(f"\nalpha /dev/mars/r0  sha256 {want}\nbeta  backing disk  sha256 {got}")
        if want != got:
            print("FAIL: the disks differ")
            return 1
        print("The secondary's disk is byte-identical to the primary's device. Cleaning up.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build-demo"))
