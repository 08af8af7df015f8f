#!/usr/bin/env python3
"""marsd on a private system-type bus with our policy, driven by marsadm and
busctl: create-cluster, view, the expert tree edits, introspection, the
bus policy (root may call, others may only read), and clear errors.

    test_marsd_bus.py BUILD_DIR
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mars_harness import NOBODY, Cluster, wait_until  # noqa: E402

BUILD = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "build")


class MarsdOnTheBus(unittest.TestCase):
    def test_cluster_commands_and_properties(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            a.start_marsd()
            view = json.loads(a.marsadm("view", "--json").stdout)
            self.assertEqual(view, {"host": "alpha", "cluster": "", "peers": []})
            self.assertIn("not in a cluster", a.marsadm("view").stdout)

            a.marsadm("create-cluster")
            view = json.loads(a.marsadm("view", "--json").stdout)
            self.assertTrue(view["cluster"].startswith("alpha_"), view)
            self.assertEqual(view["peers"], [{"host": "alpha", "address": a.ip, "alive": True}])
            # The tree on disk is what the admin reads with ls -l.
            self.assertEqual(os.readlink(os.path.join(a.home, "ips", "ip-alpha")), a.ip)
            self.assertEqual(os.readlink(os.path.join(a.home, "uuid")), view["cluster"])

            again = a.marsadm("create-cluster", check=False)
            self.assertEqual(again.returncode, 1)
            self.assertIn("already in cluster " + view["cluster"], again.stderr)

            a.marsadm("set-link", "userspace/note", "hello")
            self.assertEqual(a.marsadm("get-link", "userspace/note").stdout, "hello\n")
            self.assertEqual(os.readlink(os.path.join(a.home, "userspace", "note")), "hello")
            a.marsadm("delete-file", "userspace/note")
            gone = a.marsadm("get-link", "userspace/note", check=False)
            self.assertEqual(gone.returncode, 1)
            self.assertIn("no entry 'userspace/note'", gone.stderr)
            self.assertEqual(os.readlink(os.path.join(a.home, "userspace", "note")), ".deleted")
            bad = a.marsadm("set-link", "../escape", "x", check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("may not contain '.' or '..'", bad.stderr)

            # The same API with busctl, against the bus name.
            intro = a.busctl("introspect").stdout
            for member in ("CreateCluster", "SetLink", "GetLink", "DeleteFile", "ClusterUuid", "Peers"):
                self.assertIn(member, intro)
            self.assertEqual(a.busctl("get-property", "Host").stdout.strip(), 's "alpha"')
            out = a.busctl("call", "GetLink", "s", "uuid").stdout
            self.assertTrue(out.startswith('st "alpha_'), out)

    def test_policy_lets_others_read_but_not_call(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            a.start_marsd()
            a.marsadm("create-cluster")
            self.assertIn('"alpha"', a.busctl("get-property", "Host", user=NOBODY).stdout)
            self.assertIn("CreateCluster", a.busctl("introspect", user=NOBODY).stdout)
            denied = a.busctl("call", "SetLink", "ss", "userspace/x", "y", user=NOBODY, check=False)
            self.assertNotEqual(denied.returncode, 0)
            self.assertIn("Access denied", denied.stderr)
            via_marsadm = a.marsadm("set-link", "userspace/x", "y", user=NOBODY, check=False)
            self.assertEqual(via_marsadm.returncode, 1)
            self.assertIn("permission denied", via_marsadm.stderr)
            self.assertFalse(os.path.lexists(os.path.join(a.home, "userspace", "x")))

    def test_without_marsd_marsadm_says_how_to_start_it(self):
        with Cluster(BUILD, ["alpha"]) as c:
            r = c["alpha"].marsadm("view", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, "marsadm view: marsd is not running (start it with 'systemctl start marsd')\n")

    def test_bad_config_is_reported_with_file_and_line(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            a.write_config(security="mode = sometimes")
            a.start_marsd(wait=False)
            self.assertEqual(a.marsd.wait(timeout=20), 1)
            # The line of the bad setting, counted in the file as written.
            with open(a.config) as f:
                line = f.read().splitlines().index("mode = sometimes") + 1
            self.assertIn(f"{a.config}:{line}: [security] mode: 'sometimes' is not one of psk, x509, none", a.log())

    def test_marsd_logs_with_priorities_and_restarts_with_its_state(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            a.start_marsd()
            a.marsadm("create-cluster")
            uuid = a.marsadm("get-link", "uuid").stdout
            a.stop_marsd()
            self.assertIn("<5>marsd alpha serving", a.log())
            self.assertIn("<5>created cluster alpha_", a.log())
            a.start_marsd()
            self.assertEqual(a.marsadm("get-link", "uuid").stdout, uuid)
            wait_until(lambda: "in cluster alpha_" in a.log(), "the restart message naming the cluster")


class ResourceObjects(unittest.TestCase):
    def test_resource_objects_follow_the_tree_and_announce_changes(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            a.start_marsd()
            a.marsadm("create-cluster")
            # Watch the bus (root may monitor our private system bus).
            monitor_log = os.path.join(a.dir, "monitor.log")
            with open(monitor_log, "w") as out:
                monitor = subprocess.Popen(["busctl", f"--address={a.bus_address}", "monitor", "org.mars.Mars1"],
                                           stdout=out, stderr=subprocess.STDOUT)
            try:
                a.marsadm("set-link", "resource-r0/size", "1048576")
                a.marsadm("set-link", "resource-r0/primary", "alpha")
                a.marsadm("set-link", "resource-r0/data-alpha", "/dev/vg/r0")
                path = "/org/mars/Mars1/resource/r0"
                wait_until(lambda: path in a.busctl("tree", "org.mars.Mars1").stdout, "the r0 object")
                prop = ["get-property", "org.mars.Mars1", path, "org.mars.Mars1.Resource"]

                def get(name, **kw):
                    return a.busctl(*prop, name, manager=False, **kw).stdout.strip()
                self.assertEqual(get("Size"), "t 1048576")
                self.assertEqual(get("Members"), 'as 1 "alpha"')
                self.assertIn('"r0"', a.busctl("call", "ListResources").stdout)
                a.marsadm("set-link", "resource-r0/primary", "(none)")
                wait_until(lambda: get("Primary") == 's ""', "Primary to be empty")
                wait_until(lambda: "PropertiesChanged" in open(monitor_log).read() and
                           "Primary" in open(monitor_log).read(), "a PropertiesChanged signal for Primary")
                self.assertIn("InterfacesAdded", open(monitor_log).read())
                # Everybody may read resource properties.
                self.assertEqual(get("Size", user=NOBODY), "t 1048576")
                a.marsadm("delete-file", "resource-r0/size")
                a.marsadm("delete-file", "resource-r0/primary")
                a.marsadm("delete-file", "resource-r0/data-alpha")
                wait_until(lambda: path not in a.busctl("tree", "org.mars.Mars1").stdout, "r0 to vanish")
            finally:
                monitor.terminate()
                monitor.wait()


if __name__ == "__main__":
    unittest.main(verbosity=2)
