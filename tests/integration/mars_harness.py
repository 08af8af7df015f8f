"""Test hosts for mars integration tests: real marsd processes, each in its
own network namespace with its own /mars, its own mars.conf and its own
private system-type dbus-daemon that loads the bus policy we ship.

    with Cluster(build_dir, ["alpha", "beta"]) as c:
        c["alpha"].marsadm("create-cluster")
        c.wait_until(lambda: ..., "what we wait for")

Every wait is bounded; no verdict depends on timing.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <policy user="root">   <!-- lets root use "busctl monitor" -->
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


class CommandFailed(AssertionError):
    pass


def run(cmd, check=True, env=None, timeout=60):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, timeout=timeout)
    if check and p.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def wait_until(predicate, what, timeout=30.0, interval=0.1):
    """Polls `predicate` until it returns a true value; fails naming `what`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the state may not exist yet
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" +
                         (f" (last error: {last_error})" if last_error else ""))


class Host:
    def __init__(self, cluster, name, index):
        self.cluster = cluster
        self.name = name
        self.netns = f"{cluster.prefix}{name}"
        self.ip = f"10.{cluster.subnet}.0.{index + 1}"
        self.dir = os.path.join(cluster.tmp, name)
        self.home = os.path.join(self.dir, "mars")
        self.config = os.path.join(self.dir, "mars.conf")
        self.bus_socket = os.path.join(self.dir, "bus.sock")
        self.bus_address = f"unix:path={self.bus_socket}"
        self.bus_pid = None
        self.marsd = None
        self.log_path = os.path.join(self.dir, "marsd.log")
        # Each host's /dev/mars lives in its own directory: all hosts share
        # this machine's /dev.
        self.dev_dir = os.path.join(self.dir, "dev")
        os.makedirs(self.dir)
        os.chmod(cluster.tmp, 0o755)
        os.chmod(self.dir, 0o755)  # so a non-root caller can reach the bus socket

    def write_config(self, security=None, extra=""):
        """mars.conf; [security] defaults to psk with the key in the host's dir."""
        security = security if security is not None else f"mode = psk\npsk-file = {self.dir}/psk"
        with open(self.config, "w") as f:
            f.write(f"[host]\nname = {self.name}\nlisten = {self.ip}\nhome = {self.home}\n"
                    f"port-base = {self.cluster.port_base}\n"
                    f"device-directory = {self.dev_dir}\nrun-directory = {self.dir}/run\n"
                    f"resource-directory = {self.dir}/resources\n"
                    f"[security]\n{security}\n{extra}")

    def copy_key_from(self, other):
        shutil.copy(os.path.join(other.dir, "psk"), os.path.join(self.dir, "psk"))
        os.chmod(os.path.join(self.dir, "psk"), 0o600)

    def start_bus(self):
        conf = os.path.join(self.dir, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONFIG.format(socket=self.bus_socket, policy=os.path.join(SRC, "dbus", "org.mars.Mars1.conf")))
        out = run(["dbus-daemon", f"--config-file={conf}", "--fork", "--print-pid=1"]).stdout
        self.bus_pid = int(out.split()[0])

    def env(self):
        e = dict(os.environ)
        e["DBUS_SYSTEM_BUS_ADDRESS"] = self.bus_address
        return e

    def in_netns(self, cmd):
        return ["ip", "netns", "exec", self.netns] + cmd

    def start_marsd(self, wait=True):
        with open(self.log_path, "a") as log:
            self.marsd = subprocess.Popen(self.in_netns([self.cluster.marsd, "--config", self.config]),
                                          stdout=log, stderr=log, env=self.env())
        if wait:
            wait_until(lambda: self.busctl("get-property", "Host", check=False).returncode == 0,
                       f"marsd on {self.name} to serve D-Bus", timeout=20)

    def stop_marsd(self, sig=signal.SIGTERM):
        if self.marsd and self.marsd.poll() is None:
            self.marsd.send_signal(sig)
            self.marsd.wait(timeout=20)
        self.marsd = None

    def marsadm(self, *args, check=True, user=None):
        cmd = self.in_netns((user or []) + [self.cluster.marsadm] + list(args))
        return run(cmd, check=check, env=self.env())

    def busctl(self, verb, *args, check=True, user=None, manager=True):
        """busctl on this host's bus; get-property, call and introspect address
        the manager object unless manager=False."""
        base = ["busctl", f"--address={self.bus_address}"]
        if manager and verb in ("get-property", "call"):
            args = ("org.mars.Mars1", "/org/mars/Mars1", "org.mars.Mars1.Manager") + args
        elif manager and verb == "introspect":
            args = ("org.mars.Mars1", "/org/mars/Mars1") + args
        return run((user or []) + base + [verb] + list(args), check=check)

    def resource_property(self, res, prop):
        """A property of resource `res` on this host, as a Python value."""
        out = self.busctl("get-property", "org.mars.Mars1", f"/org/mars/Mars1/resource/{res}",
                          "org.mars.Mars1.Resource", prop, "--json=short", manager=False).stdout
        import json
        return json.loads(out)["data"]

    def device(self, res):
        return os.path.join(self.dev_dir, res)

    def make_disk(self, name, size):
        """A sparse backing file in the host's directory."""
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.truncate(size)
        return path

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""


class Cluster:
    """Hosts joined by a bridge that lives in its own namespace."""

    def __init__(self, build_dir, names, port_base=7777):
        self.build_dir = os.path.abspath(build_dir)
        self.marsd = os.path.join(self.build_dir, "daemon", "marsd", "marsd")
        self.marsadm = os.path.join(self.build_dir, "daemon", "marsadm", "marsadm")
        self.prefix = f"mt{os.getpid() % 100000}"
        self.subnet = 100 + os.getpid() % 150
        self.port_base = port_base
        self.tmp = tempfile.mkdtemp(prefix="mars-it.", dir=os.environ.get("MARS_TEST_TMPDIR", "/var/tmp"))
        self.hub = f"{self.prefix}hub"
        self.hosts = {}
        self.names = names

    def __getitem__(self, name):
        return self.hosts[name]

    def __enter__(self):
        try:
            run(["ip", "netns", "add", self.hub])
            run(["ip", "-n", self.hub, "link", "add", "br0", "type", "bridge"])
            run(["ip", "-n", self.hub, "link", "set", "br0", "up"])
            for i, name in enumerate(self.names):
                h = Host(self, name, i)
                self.hosts[name] = h
                run(["ip", "netns", "add", h.netns])
                run(["ip", "-n", h.netns, "link", "set", "lo", "up"])
                here, there = f"{self.prefix}{i}a", f"{self.prefix}{i}b"
                run(["ip", "link", "add", here, "netns", h.netns, "type", "veth", "peer", "name", there,
                     "netns", self.hub])
                run(["ip", "-n", h.netns, "addr", "add", f"{h.ip}/24", "dev", here])
                run(["ip", "-n", h.netns, "link", "set", here, "up"])
                run(["ip", "-n", self.hub, "link", "set", there, "master", "br0"])
                run(["ip", "-n", self.hub, "link", "set", there, "up"])
                h.veth = here
                h.write_config()
                h.start_bus()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def link(self, name, up):
        """Cuts (up=False) or heals one host's network link."""
        h = self.hosts[name]
        run(["ip", "-n", h.netns, "link", "set", h.veth, "up" if up else "down"])

    def __exit__(self, exc_type, exc, tb):
        for h in self.hosts.values():
            try:
                h.stop_marsd(signal.SIGKILL)
            except Exception:
                pass
            if h.bus_pid:
                try:
                    os.kill(h.bus_pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for h in self.hosts.values():
            run(["ip", "netns", "del", h.netns], check=False)
        run(["ip", "netns", "del", self.hub], check=False)
        if exc_type is not None:
            for h in self.hosts.values():
                print(f"----- marsd log of {h.name} -----\n{h.log()}")
        if exc_type is None or not os.environ.get("MARS_KEEP_FAILED"):
            shutil.rmtree(self.tmp, ignore_errors=True)
        return False
