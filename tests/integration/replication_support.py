"""Helpers for the replication tests: a two-host cluster with one resource,
a writer that records what was acknowledged, and disk checksums."""

import hashlib
import os
import random
import threading

from mars_harness import Cluster, wait_until

MiB = 1 << 20
BLOCK = 4096


def digest(path, size):
    """SHA-256 of the first `size` bytes of a file or device."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        left = size
        while left > 0:
            chunk = f.read(min(left, 4 * MiB))
            if not chunk:
                raise AssertionError(f"{path} ends {left} bytes before {size}")
            h.update(chunk)
            left -= len(chunk)
    return h.hexdigest()


class Writer:
    """Writes random 4 KiB blocks to a device, fsync after each batch, and
    remembers every block whose fsync returned (acknowledged)."""

    def __init__(self, device, size, seed=1, batch=8):
        self.device = device
        self.blocks = size // BLOCK
        self.rng = random.Random(seed)
        self.batch = batch
        self.acked = {}  # block number -> bytes
        # Writes of the batch in flight when the writer failed (a crash):
        # not acknowledged, so each may or may not be on the device.
        self.unacked = {}  # block number -> [bytes, ...]
        self.error = None
        self.batches = 0
        self._stop = threading.Event()
        self._thread = None

    def write_batches(self, count):
        fd = os.open(self.device, os.O_WRONLY)
        try:
            for _ in range(count):
                if self._stop.is_set():
                    break
                self.unacked = {}
                for _ in range(self.batch):
                    block = self.rng.randrange(self.blocks)
                    data = self.rng.randbytes(BLOCK)
                    self.unacked.setdefault(block, []).append(data)
                    os.pwrite(fd, data, block * BLOCK)
                os.fsync(fd)
                for block, versions in self.unacked.items():
                    self.acked[block] = versions[-1]
                self.unacked = {}
                self.batches += 1
        finally:
            os.close(fd)

    def start(self, count=10 ** 9):
        def body():
            try:
                self.write_batches(count)
            except OSError as e:
                self.error = e
        self._thread = threading.Thread(target=body, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=60)
            self._thread = None
        self._stop.clear()  # write_batches() works again afterwards

    def verify(self, path):
        """Every acknowledged block reads back from `path` as written, or
        as a later write that was not acknowledged (it may have become
        durable before the crash)."""
        with open(path, "rb") as f:
            for block, data in self.acked.items():
                f.seek(block * BLOCK)
                got = f.read(BLOCK)
                if got == data:
                    continue
                if got not in self.unacked.get(block, []):
                    raise AssertionError(f"block {block} of {path} differs from the acknowledged write")
                print(f"block {block}: a later, unacknowledged write of it survived the crash (allowed)")
        return len(self.acked)


class TwoHosts:
    """alpha (primary) and beta (secondary) with resource r0 on backing files."""

    def __init__(self, build_dir, size=64 * MiB, extra_config=""):
        self.cluster = Cluster(build_dir, ["alpha", "beta"])
        self.size = size
        self.extra_config = extra_config

    def __enter__(self):
        c = self.cluster.__enter__()
        try:
            self.alpha, self.beta = c["alpha"], c["beta"]
            for h in (self.alpha, self.beta):
                if self.extra_config:
                    h.write_config(extra=self.extra_config)
            self.alpha.start_marsd()
            self.alpha.marsadm("create-cluster")
            self.beta.copy_key_from(self.alpha)
            self.beta.start_marsd()
            self.beta.marsadm("join-cluster", "alpha", self.alpha.ip)
            self.alpha_disk = self.alpha.make_disk("disk-r0", self.size)
            self.beta_disk = self.beta.make_disk("disk-r0", self.size)
            self.alpha.marsadm("create-resource", "r0", self.alpha_disk)
            wait_until(lambda: os.path.exists(self.alpha.device("r0")) and
                       self.alpha.resource_property("r0", "Role") == "Primary", "alpha to serve /dev/mars/r0")
            wait_until(lambda: self.beta.marsadm("view", "r0", check=False).returncode == 0,
                       "r0 to reach beta's tree", timeout=30)
            wait_until(lambda: self.beta.marsadm("join-resource", "r0", self.beta_disk, check=False).returncode == 0,
                       "beta to join r0", timeout=30)
        except BaseException as e:
            self.cluster.__exit__(type(e), e, None)
            raise
        return self

    def __exit__(self, *exc):
        return self.cluster.__exit__(*exc)

    def device(self):
        return self.alpha.device("r0")

    def wait_synced(self, timeout=120):
        wait_until(lambda: self.beta.resource_property("r0", "SyncProgress") >= 1.0,
                   "beta's full sync of r0", timeout=timeout)

    def wait_caught_up(self, timeout=120):
        """beta has everything alpha logged so far, replayed."""
        def caught_up():
            primary = self.alpha.resource_property("r0", "PrimaryPosition")
            replay = self.beta.resource_property("r0", "ReplayPosition")
            if not primary or not replay:
                return False
            p, r = primary.split(","), replay.split(",")
            # The primary's position ends after its last write; the
            # replica's may also cover the padding after it.
            return (self.beta.resource_property("r0", "DiskState") == "UpToDate" and
                    p[0] == r[0] and int(r[1]) >= int(p[1]))
        try:
            wait_until(caught_up, "beta to catch up with alpha", timeout=timeout, interval=0.3)
        except AssertionError:
            self.print_views()
            raise

    def wait(self, predicate, what, timeout=30):
        """wait_until, printing both hosts' views if it times out."""
        try:
            return wait_until(predicate, what, timeout=timeout)
        except AssertionError:
            self.print_views()
            raise

    def print_views(self):
        for h in (self.alpha, self.beta):
            p = h.marsadm("view", "r0", check=False)
            print(f"----- marsadm view r0 on {h.name} -----\n{p.stdout}{p.stderr}")
            print(sorted(os.listdir(os.path.join(h.home, "resource-r0"))))

    def assert_identical(self):
        want = digest(self.device(), self.size)
        got = digest(self.beta_disk, self.size)
        assert want == got, f"beta's disk differs from alpha's device ({got} != {want})"
