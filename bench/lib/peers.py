"""Flow meters that bench/live runs beside tcpdump in place of portwatch, so that what portwatch costs a packet can be
read against tools that do a similar job (keep a table of flows from the same live traffic), measured the same way
on the same replay: softflowd (NetFlow/IPFIX probe), argus (bidirectional flow records with TCP state) and pmacctd
(libpcap accounting, aggregated by 5-tuple into a cache printed every interval).

Each peer captures with libpcap (Debian's builds use its TPACKET_V3 ring), with the same snapshot length as portwatch
(256) and, where the tool has the option, the same kernel buffer and the same flow timeouts as portwatch's defaults.
What each counted is read back from the tool itself, to tell whether it kept up: softflowd's control socket, argus's
records (racount), pmacctd's printed cache (the sum of its packet counters).
"""

import collections
import csv
import os
import re
import shutil
import signal
import subprocess

# portwatch's flow defaults (FlowConfig.defaults): TCP idle 300 s, UDP idle 60 s, a closed TCP flow lingers 5 s
PW_MAX_FLOWS = 1 << 20


def _softflowd_cmd(iface, step_dir, buffer_mib, interval_s):
    ctl = os.path.join(step_dir, "softflowd.ctl")
    return ["softflowd", "-i", iface, "-d", "-m", str(PW_MAX_FLOWS), "-n", "127.0.0.1:2055", "-v", "10", "-b",
            "-C", "256", "-c", ctl, "-p", os.path.join(step_dir, "softflowd.pid"),
            "-t", "tcp=300", "-t", "udp=60", "-t", "tcp.rst=5", "-t", "tcp.fin=5"] \
        + (["-B", str(buffer_mib << 20)] if buffer_mib else [])


def _softflowd_counts(step_dir, ns):
    """softflowd's own statistics, asked on its control socket before it stops."""
    out = subprocess.run(["ip", "netns", "exec", ns, "softflowctl", "-c", os.path.join(step_dir, "softflowd.ctl"),
                          "statistics"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    with open(os.path.join(step_dir, "softflowd.stats"), "w") as f:
        f.write(out)
    get = lambda what: int(m.group(1)) if (m := re.search(what + r":\s+(\d+)", out)) else None  # noqa: E731
    return {"captured": get("Packets received by libpcap"), "dropped_kernel": get("Packets dropped by libpcap")}


def _argus_cmd(iface, step_dir, buffer_mib, interval_s):
    return ["argus", "-i", iface, "-s", "256", "-w", os.path.join(step_dir, "argus.out")]


def _argus_counts_after(step_dir):
    """The packets in argus's records (both directions of each flow), from racount."""
    out = subprocess.run(["racount", "-r", os.path.join(step_dir, "argus.out")], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True).stdout
    m = re.search(r"^\s*sum\s+\d+\s+(\d+)", out, re.M)
    return {"captured": int(m.group(1)) if m else None, "dropped_kernel": None}


def _pmacctd_cmd(iface, step_dir, buffer_mib, interval_s):
    """pmacctd from a configuration file: the command line has no option for the buffers between its capture
    process and its plugin, and with their defaults it lost a tenth of a 200,000 packets/s replay (QUICKSTART
    advises larger ones at such rates)."""
    conf = os.path.join(step_dir, "pmacctd.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "daemonize: false", "pcap_interface: " + iface, "snaplen: 256",
            "aggregate: src_host,dst_host,src_port,dst_port,proto", "plugins: print",
            "print_refresh_time: %d" % interval_s, "print_output: csv", "print_output_file_append: true",
            "print_output_file: " + os.path.join(step_dir, "pmacctd.csv"),
            "plugin_pipe_size: 104857600", "plugin_buffer_size: 102400", ""]))
    return ["pmacctd", "-f", conf]


def _pmacctd_counts_after(step_dir):
    """The packets in pmacctd's printed cache, every interval's (the file is appended to)."""
    total = 0
    try:
        with open(os.path.join(step_dir, "pmacctd.csv")) as f:
            for row in csv.reader(f):
                if len(row) >= 7 and row[5].isdigit():
                    total += int(row[5])
    except OSError:
        return {"captured": None, "dropped_kernel": None}
    return {"captured": total, "dropped_kernel": None}


class Peer(collections.namedtuple("Peer", "what command ready stop counts_live counts_after needs packages"
                                             " version_command")):
    """A flow meter: what it keeps; its command line (interface, step directory, buffer MiB, interval s); the text
    its stderr shows once it captures (None: wait 2 s); the signal that stops it with its last records written; its
    counts, read while it runs or after it stopped (step directory, namespace; None when not that way); the
    commands it needs, the Debian packages that bring them, and how it tells its version."""


PEERS = {
    "softflowd": Peer("IPFIX probe: bidirectional 5-tuple flows, TCP flags, timeouts as portwatch's",
                      _softflowd_cmd, "starting data collection", signal.SIGTERM, _softflowd_counts, None,
                      ("softflowd", "softflowctl"), "softflowd", ["softflowd", "-h"]),
    "argus": Peer("bidirectional flow records with TCP state, written to a file", _argus_cmd, "started",
                  signal.SIGINT, None, lambda d, ns: _argus_counts_after(d),
                  ("argus", "racount"), "argus-server argus-client", ["argus", "-h"]),
    "pmacctd": Peer("5-tuple accounting (each direction apart), its cache printed as CSV every interval",
                    _pmacctd_cmd, None, signal.SIGINT, None, lambda d, ns: _pmacctd_counts_after(d),
                    ("pmacctd",), "pmacct", ["pmacctd", "-V"]),
}


def missing_tool(peer):
    """The command a peer needs that is not installed, with the Debian packages that bring it; or None."""
    for c in PEERS[peer].needs:
        if not shutil.which(c):
            return "%s is not installed (Debian: apt-get install %s)" % (c, PEERS[peer].packages)
    return None


def version(peer):
    """The peer's name and version, as it prints them."""
    out = subprocess.run(PEERS[peer].version_command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    m = re.search(r"(?:version|Version|pmacctd) v?(\d+(?:\.\d+)*(?:-\w+)?)", out)
    return "%s %s" % (peer, m.group(1) if m else "?")


def tree_cpu(pid):
    """User + system CPU seconds of a process and its living descendants, with the children each has reaped (pmacctd
    forks a plugin process, and the plugin a writer for each print): so that a tool made of processes is measured
    whole. 0 when gone."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        total += cpu.get(p, 0.0)
        todo += [c for c, parent in parents.items() if parent == p]
    return total
