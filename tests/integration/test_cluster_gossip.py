#!/usr/bin/env python3
"""Three real marsd hosts in three network namespaces, each on its own
private system bus, talking TLS with the cluster's pre-shared key:
create-cluster on one, join-cluster on the others, entries spread,
conflicting writes converge to the newest, a partition heals, and a host
with the wrong key or another cluster changes nothing.

    test_cluster_gossip.py BUILD_DIR
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mars_harness import Cluster, wait_until  # noqa: E402

BUILD = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "build")
HOSTS = ["alpha", "beta", "gamma"]


def link_value(host, key):
    """The entry as the host's marsd sees it, or None."""
    r = host.marsadm("get-link", key, check=False)
    return r.stdout.strip() if r.returncode == 0 else None


def view(host):
    return json.loads(host.marsadm("view", "--json").stdout)


class ThreeHosts(unittest.TestCase):
    def start(self, c):
        for name in HOSTS:
            c[name].start_marsd()
        a = c["alpha"]
        a.marsadm("create-cluster")  # generates the cluster key
        for name in HOSTS[1:]:
            c[name].copy_key_from(a)
            c[name].marsadm("join-cluster", "alpha", a.ip)
        uuid = view(a)["cluster"]
        for name in HOSTS:
            h = c[name]
            wait_until(lambda: view(h)["cluster"] == uuid and
                       sorted(p["host"] for p in view(h)["peers"]) == HOSTS and
                       all(p["alive"] for p in view(h)["peers"]),
                       f"{name} to see all three hosts alive in {uuid}", timeout=60)
        return uuid

    def test_join_spread_converge_partition(self):
        with Cluster(BUILD, HOSTS) as c:
            self.start(c)
            for name in HOSTS:
                c[name].marsadm("wait-cluster", "--timeout", "60")

            # An entry set on one host appears on all.
            c["beta"].marsadm("set-link", "userspace/greeting", "hello-from-beta")
            for name in HOSTS:
                wait_until(lambda: link_value(c[name], "userspace/greeting") == "hello-from-beta",
                           f"the greeting on {name}")

            # Concurrent conflicting writes converge to the newest everywhere.
            for name in HOSTS:
                c[name].marsadm("set-link", "userspace/conflict", f"from-{name}")
            stamps = {n: c[n].marsadm("get-link", "userspace/conflict", "--verbose").stdout.split()
                      for n in HOSTS}
            newest = max(stamps.values(), key=lambda v: tuple(int(x) for x in v[1].split(".")))[0]
            for name in HOSTS:
                wait_until(lambda: link_value(c[name], "userspace/conflict") == newest,
                           f"{name} to converge on {newest}")

            # A partition: gamma is cut off; both sides go on writing.
            c.link("gamma", up=False)
            c["alpha"].marsadm("set-link", "userspace/during-partition", "alpha-side")
            c["gamma"].marsadm("set-link", "userspace/gamma-alone", "gamma-side")
            wait_until(lambda: link_value(c["beta"], "userspace/during-partition") == "alpha-side",
                       "beta to get alpha's write during the partition")
            self.assertIsNone(link_value(c["gamma"], "userspace/during-partition"))
            c.link("gamma", up=True)
            for name in HOSTS:
                c[name].marsadm("update-cluster")
            for name in HOSTS:
                wait_until(lambda: link_value(c[name], "userspace/during-partition") == "alpha-side" and
                           link_value(c[name], "userspace/gamma-alone") == "gamma-side",
                           f"{name} to have both sides' writes after the heal", timeout=60)

            # A deletion spreads as a tombstone.
            c["gamma"].marsadm("delete-file", "userspace/greeting")
            for name in HOSTS:
                wait_until(lambda: link_value(c[name], "userspace/greeting") is None,
                           f"the deletion on {name}")

            # gamma leaves: every host stops listing it; it keeps the tree as a witness.
            c["gamma"].marsadm("leave-cluster")
            for name in HOSTS:
                wait_until(lambda: [p["host"] for p in view(c[name])["peers"]] == ["alpha", "beta"],
                           f"{name} to list only alpha and beta")
            self.assertEqual(view(c["gamma"])["cluster"], view(c["alpha"])["cluster"])
            again = c["gamma"].marsadm("leave-cluster", check=False)
            self.assertEqual(again.returncode, 1)
            self.assertIn("not a cluster member", again.stderr)

    def test_a_host_with_the_wrong_key_changes_nothing(self):
        with Cluster(BUILD, HOSTS) as c:
            a, b, g = c["alpha"], c["beta"], c["gamma"]
            for h in (a, b):
                h.start_marsd()
            a.marsadm("create-cluster")
            b.marsadm("create-cluster")  # another cluster, with a key of its own
            before = sorted(os.listdir(a.home))
            g.copy_key_from(b)  # gamma holds the wrong key for alpha's cluster
            g.start_marsd()
            r = g.marsadm("join-cluster", "alpha", a.ip, check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn(f"joining alpha at {a.ip}", r.stderr)
            self.assertIn("cluster key", r.stderr)
            wait_until(lambda: "cluster key" in a.log(), "alpha to log the refused handshake")
            self.assertEqual(sorted(os.listdir(a.home)), before)
            self.assertEqual([p["host"] for p in view(a)["peers"]], ["alpha"])
            self.assertIsNone(link_value(a, "ips/ip-gamma"))

    def test_another_cluster_with_the_same_key_is_refused(self):
        with Cluster(BUILD, ["alpha", "beta"]) as c:
            c["alpha"].start_marsd()
            c["alpha"].marsadm("create-cluster")
            c["beta"].copy_key_from(c["alpha"])
            c["beta"].start_marsd()
            c["beta"].marsadm("create-cluster")  # same key, but a cluster uuid of its own
            c["beta"].marsadm("set-link", "ips/ip-alpha", c["alpha"].ip)  # beta now pulls from alpha
            wait_until(lambda: "differs from ours" in c["alpha"].log() + c["beta"].log(),
                       "the uuid mismatch to be logged")
            self.assertIsNone(link_value(c["alpha"], "ips/ip-beta"))
            self.assertNotEqual(view(c["alpha"])["cluster"], view(c["beta"])["cluster"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
