#!/usr/bin/env python3
"""marsd reports to systemd through sd_notify, tested without systemd: the
test binds the NOTIFY_SOCKET datagram socket itself and starts marsd with
NOTIFY_SOCKET and WATCHDOG_USEC set. READY=1 (with STATUS=) comes once, and
only when the D-Bus name is owned; WATCHDOG=1 pings keep coming; SIGTERM
brings STOPPING=1 and exit status 0. A marsd that cannot get the bus name
never says READY=1.

    test_marsd_notify.py BUILD_DIR
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mars_harness import Cluster  # noqa: E402

BUILD = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else "build")
WATCHDOG_USEC = 400000  # marsd pings every 100..200 ms
WAIT = 20.0  # seconds: every wait below is bounded by this, none decides a verdict by time


class NotifyListener:
    """The NOTIFY_SOCKET end systemd would hold: a datagram socket read by a
    thread (a full queue would block marsd's sd_notify), recording every
    message with the sender's pid (SO_PASSCRED)."""

    def __init__(self, path):
        self.path = path
        if os.path.lexists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(0.1)  # only so that close() can end the thread
        self.messages = []  # (sender pid, [field, ...]) in arrival order
        self.cond = threading.Condition()
        self.stop = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop:
            try:
                data, anc, _flags, _addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(12))
            except socket.timeout:
                continue
            except OSError:
                return
            pid = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", payload[:12])[0]
            fields = [f for f in data.decode(errors="replace").split("\n") if f]
            with self.cond:
                self.messages.append((pid, fields))
                self.cond.notify_all()

    def wait_for(self, predicate, what, timeout=WAIT):
        """Waits until predicate(messages) is true; returns its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate(self.messages)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                         f"notifications so far: {self.messages}")
                self.cond.wait(left)

    def drain(self):
        """Everything sent before this call, read: a datagram queue is FIFO,
        so once our own marker arrives, nothing older is still in flight."""
        marker = f"X-TEST-MARKER={time.monotonic_ns()}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(marker.encode(), self.path)
        self.wait_for(lambda msgs: any(marker in f for _, f in msgs), "our own marker datagram")
        with self.cond:
            return [(pid, f) for pid, f in self.messages if marker not in f]

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        self.sock.close()
        if os.path.lexists(self.path):
            os.unlink(self.path)


def first_index(messages, field, start=0):
    for i in range(start, len(messages)):
        if field in messages[i][1]:
            return i
    return None


def count(messages, field, start=0):
    return sum(1 for _, f in messages[start:] if field in f)


def start_marsd_notified(host, notify_path):
    """Host.start_marsd(wait=False) with NOTIFY_SOCKET and WATCHDOG_USEC set."""
    env = host.env()
    env["NOTIFY_SOCKET"] = notify_path
    env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    env.pop("WATCHDOG_PID", None)  # a foreign pid would switch the watchdog off
    with open(host.log_path, "a") as log:
        return subprocess.Popen(host.in_netns([host.cluster.marsd, "--config", host.config]),
                                stdout=log, stderr=log, env=env)


class MarsdNotifiesSystemd(unittest.TestCase):
    def test_ready_watchdog_stopping(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            listener = NotifyListener(os.path.join(a.dir, "notify.sock"))
            try:
                a.marsd = start_marsd_notified(a, listener.path)  # the cluster kills it on failure
                listener.wait_for(lambda msgs: first_index(msgs, "READY=1") is not None, "READY=1 from marsd")
                # READY=1 promises the bus name is owned: ask at once, no retry.
                prop = a.busctl("get-property", "Host", check=False)
                self.assertEqual(prop.returncode, 0, f"busctl right after READY=1: {prop.stderr.strip()}")
                self.assertEqual(prop.stdout.strip(), 's "alpha"')

                with listener.cond:
                    ready = first_index(listener.messages, "READY=1")
                    _, fields = listener.messages[ready]
                status = [f for f in fields if f.startswith("STATUS=")]
                self.assertEqual(len(status), 1, f"READY=1 comes with one STATUS=: {fields}")
                self.assertTrue(status[0].startswith("STATUS=serving "), status)
                self.assertIn(a.home, status[0])

                # The watchdog: count pings after READY=1, within a bounded wait.
                listener.wait_for(lambda msgs: count(msgs, "WATCHDOG=1", ready + 1) >= 3,
                                  "3 WATCHDOG=1 pings after READY=1")

                a.marsd.send_signal(signal.SIGTERM)
                self.assertEqual(a.marsd.wait(timeout=WAIT), 0, "marsd exit status after SIGTERM")
                marsd_pid = a.marsd.pid
                a.marsd = None
                msgs = listener.drain()
                stopping = first_index(msgs, "STOPPING=1")
                self.assertIsNotNone(stopping, f"no STOPPING=1 after SIGTERM: {msgs}")
                self.assertGreater(stopping, ready)
                self.assertEqual(count(msgs, "READY=1"), 1, f"READY=1 more than once: {msgs}")
                # Every notification came from marsd itself (ip netns exec
                # execs it in place), none from a helper or another process.
                self.assertEqual({p for p, _ in msgs}, {marsd_pid}, msgs)
                print(f"notifications: {len(msgs)} ({count(msgs, 'WATCHDOG=1')} WATCHDOG=1); "
                      f"READY: {msgs[ready][1]}; STOPPING: {msgs[stopping][1]}")
                self.assertIn("marsd alpha stopping", a.log())
            finally:
                listener.close()

    def test_no_ready_without_the_bus_name(self):
        with Cluster(BUILD, ["alpha"]) as c:
            a = c["alpha"]
            a.start_marsd()  # owns org.mars.Mars1 on alpha's bus
            listener = NotifyListener(os.path.join(a.dir, "notify.sock"))
            second = None
            try:
                second = start_marsd_notified(a, listener.path)
                self.assertEqual(second.wait(timeout=WAIT), 1, "a second marsd on the same bus must fail")
                msgs = listener.drain()
                self.assertIsNone(first_index(msgs, "READY=1"), f"READY=1 without the bus name: {msgs}")
                self.assertIn("another marsd already owns org.mars.Mars1", a.log())
                # The first one still serves.
                self.assertEqual(a.busctl("get-property", "Host").stdout.strip(), 's "alpha"')
            finally:
                if second is not None and second.poll() is None:
                    second.kill()
                    second.wait()
                listener.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
