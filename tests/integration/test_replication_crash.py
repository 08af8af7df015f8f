#!/usr/bin/env python3
"""kill -9 of marsd on either side during writes and replay: after a
restart the primary recovers every acknowledged write from its log before
the device returns, and the secondary converges to the same disk."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mars_harness import wait_until  # noqa: E402
from replication_support import TwoHosts, Writer  # noqa: E402


def step(text):
    print(f"--- {text}", flush=True)


def main(build_dir):
    with TwoHosts(build_dir) as t:
        a, b = t.alpha, t.beta
        t.wait_synced()
        w = Writer(t.device(), t.size, seed=7)
        w.write_batches(50)

        for round_ in range(2):
            step(f"kill -9 of the primary's marsd during writes (round {round_ + 1})")
            w = Writer(t.device(), t.size, seed=100 + round_)
            w.start()
            wait_until(lambda: w.batches >= 30, "the writer to get going")
            a.stop_marsd(signal.SIGKILL)
            w.stop()  # its writes now fail: the FUSE server is gone
            acked = len(w.acked)
            a.start_marsd()
            wait_until(lambda: os.path.exists(a.device("r0")) and
                       a.resource_property("r0", "Role") == "Primary", "alpha to serve r0 again", timeout=60)
            assert "recovery" in a.log(), "no recovery message after the crash"
            w.verify(a.device("r0"))
            print(f"all {acked} acknowledged blocks present after recovery")

        step("kill -9 of the secondary's marsd during replay")
        w = Writer(t.device(), t.size, seed=300)
        w.write_batches(100)
        b.marsadm("pause-replay", "r0")
        w.write_batches(200)
        wait_until(lambda: b.resource_property("r0", "ReplayLag") > 0, "a backlog on beta")
        b.marsadm("resume-replay", "r0")
        time.sleep(0.3)
        b.stop_marsd(signal.SIGKILL)
        b.start_marsd()
        t.wait_caught_up(timeout=180)
        t.assert_identical()
        w.verify(t.beta_disk)
        print("PASS")


if __name__ == "__main__":
    main(sys.argv[1])
