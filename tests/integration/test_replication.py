#!/usr/bin/env python3
"""Replication end to end between two real marsd in network namespaces:
create + join + full sync, random writes, byte-identical secondary; pause
and resume of fetch and replay; log rotation during writes and deletion
only after every member replayed; a cut link healed without a full sync; a
corrupted local logfile detected, fetched again, never applied."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mars_harness import wait_until  # noqa: E402
from replication_support import MiB, TwoHosts, Writer  # noqa: E402


def logfiles(host):
    d = os.path.join(host.home, "resource-r0")
    return sorted(n for n in os.listdir(d) if n.startswith("log-"))


def step(text):
    print(f"--- {text}", flush=True)


def main(build_dir):
    with TwoHosts(build_dir) as t:
        a, b = t.alpha, t.beta
        step("full sync of an idle resource")
        t.wait_synced()
        t.wait_caught_up()
        t.assert_identical()

        step("a malformed resource INI is refused naming file, line and key")
        conf_dir = os.path.join(b.dir, "resources")
        os.makedirs(conf_dir, exist_ok=True)
        conf = os.path.join(conf_dir, "r0.conf")
        with open(conf, "w") as f:
            f.write(f"[resource]\ndisk = {t.beta_disk}\nfrontned = fuse\n")
        p = b.marsadm("join-resource", "r0", t.beta_disk, check=False)
        assert p.returncode == 1 and f"{conf}:3" in p.stderr and "frontned" in p.stderr, p.stderr
        os.unlink(conf)

        step("random writes on the primary reach the secondary")
        w = Writer(t.device(), t.size, seed=1)
        w.write_batches(200)
        t.wait_caught_up()
        t.assert_identical()
        assert w.verify(t.beta_disk) > 0

        step("pause-fetch: nothing new arrives; resume-fetch catches up")
        b.marsadm("pause-fetch", "r0")
        wait_until(lambda: b.resource_property("r0", "ReplState") == "PausedFetch", "PausedFetch")
        w.write_batches(100)
        a.marsadm("log-rotate", "r0")  # makes the primary's new bytes visible as lag at once
        t.wait(lambda: b.resource_property("r0", "FetchLag") > 0 or
                   b.resource_property("r0", "DiskState").startswith("OutDated"), "fetch lag while paused")
        b.marsadm("resume-fetch", "r0")
        t.wait_caught_up()
        t.assert_identical()

        step("pause-replay: fetched data waits; resume-replay applies it")
        b.marsadm("pause-replay", "r0")
        wait_until(lambda: b.resource_property("r0", "ReplState") == "PausedReplay", "PausedReplay")
        w.write_batches(100)
        t.wait(lambda: b.resource_property("r0", "ReplayLag") > 0, "replay lag while paused")
        step("log rotation during writes; no deletion while beta has not replayed")
        w.start()
        for _ in range(3):
            a.marsadm("log-rotate", "r0")
            time.sleep(0.2)
        w.stop()
        assert w.error is None, w.error
        a.marsadm("log-delete", "r0")
        # Everything from beta's replay logfile on must still be there.
        replaying = b.resource_property("r0", "ReplayPosition").split(",")[0]
        kept = logfiles(a)
        assert replaying in kept and len([n for n in kept if n >= replaying]) >= 4, \
            f"logfiles beta still needs were deleted: beta replays {replaying}, alpha has {kept}"
        b.marsadm("resume-replay", "r0")
        t.wait_caught_up()
        t.assert_identical()
        step("logfiles every member replayed are deleted on both hosts")
        a.marsadm("log-rotate", "r0")
        w.write_batches(5)
        t.wait_caught_up()
        t.wait(lambda: len(logfiles(a)) <= 2 and len(logfiles(b)) <= 2,
                   f"replayed logfiles to be deleted (alpha {logfiles(a)}, beta {logfiles(b)})", timeout=30)

        step("cut the link, write, heal: catch up without a full sync")
        t.cluster.link("beta", False)
        w.write_batches(150)
        time.sleep(1)
        t.cluster.link("beta", True)
        t.wait_caught_up(timeout=180)
        assert "full sync from" not in b.log().split("joined cluster")[-1].split("full sync done")[-1], \
            "beta started another full sync after the link came back"
        t.assert_identical()

        step("a corrupted local logfile is detected, fetched again, never applied")
        b.marsadm("pause-replay", "r0")
        wait_until(lambda: b.resource_property("r0", "ReplState") == "PausedReplay", "PausedReplay")
        w.write_batches(60)
        a.marsadm("log-rotate", "r0")
        w.write_batches(5)
        t.wait(lambda: b.resource_property("r0", "FetchLag") == 0 and
                   b.resource_property("r0", "ReplayLag") > 0, "beta to fetch while replay is paused")
        replay = b.resource_property("r0", "ReplayPosition").split(",")
        victim = os.path.join(b.home, "resource-r0", replay[0])
        size = os.path.getsize(victim)
        start = int(replay[1])
        assert size - start > 64 * 1024, f"too little unreplayed log in {victim} to corrupt"
        # Inside a record's payload somewhere in the middle: valid records follow.
        spot = start + (size - start) // 2
        with open(victim, "r+b") as f:
            f.seek(spot)
            byte = f.read(1)
            f.seek(spot)
            f.write(bytes([byte[0] ^ 0x5A]))
        b.marsadm("resume-replay", "r0")
        t.wait(lambda: "damaged" in b.log(), "beta to report the damaged logfile", timeout=60)
        t.wait_caught_up()
        t.assert_identical()
        w.verify(t.beta_disk)

        step("diverging versionlinks show as split brain in every member's view")
        d = os.path.join(b.home, "resource-r0")
        links = sorted(n for n in os.listdir(d) if n.startswith("version-") and n.endswith("-beta") and
                       os.readlink(os.path.join(d, n)) != ".deleted")
        key, value = f"resource-r0/{links[-1]}", os.readlink(os.path.join(d, links[-1]))
        digest_part, rest = value.split(",", 1)
        forged = ("f" if digest_part[0] != "f" else "e") + digest_part[1:] + "," + rest
        b.marsadm("set-link", key, forged)
        t.wait(lambda: a.resource_property("r0", "SplitBrain") != "", "alpha to see the split brain")
        assert "SPLIT BRAIN" in a.marsadm("view", "r0").stdout.upper()
        b.marsadm("set-link", key, value)
        t.wait(lambda: a.resource_property("r0", "SplitBrain") == "" and
               b.resource_property("r0", "SplitBrain") == "", "the split brain to clear")

        step("SIGTERM: both daemons stop cleanly, the device goes away")
        for h in (b, a):
            h.marsd.send_signal(signal.SIGTERM)
            rc = h.marsd.wait(timeout=60)
            h.marsd = None
            assert rc == 0, f"marsd on {h.name} exited {rc} after SIGTERM"
        assert not os.path.exists(a.device("r0")), "alpha's device link survived marsd's exit"
        print("PASS")


if __name__ == "__main__":
    main(sys.argv[1])
