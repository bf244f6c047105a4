#!/usr/bin/env python3
"""Writes NAME.reference.json for a capture from tshark's dissection, in the format of the shared
corpus' reference files, so the project's own tests compare portwatch with an independent decoder.

  python3 src/samples/make-reference.py src/samples/sample.pcap

Counted: frames whose outer IP header carries TCP or UDP (a header quoted inside an ICMP error is not
traffic; non-first IP fragments are not counted). A flow is an unordered pair of (ip, port) endpoints
and a transport. The client is the sender of the flow's first SYN without ACK, else of its first
packet. bytes are IP-layer bytes (IPv4 total length; 40 + IPv6 payload length).
"""
import json
import subprocess
import sys

FIELDS = ["frame.len", "ip.src", "ip.dst", "ip.len", "ip.proto", "ip.frag_offset", "ipv6.src", "ipv6.dst",
          "ipv6.plen", "ipv6.nxt", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack",
          "udp.srcport", "udp.dstport", "icmp.type", "icmpv6.type"]


def main(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    frames = tcp_n = udp_n = 0
    flows = {}
    for line in out.splitlines():
        frames += 1
        v = dict(zip(FIELDS, line.split("\t")))
        if v["icmp.type"] or v["icmpv6.type"]:
            continue
        if v["ip.src"]:
            if v["ip.frag_offset"] not in ("", "0"):
                continue
            src, dst, nbytes = v["ip.src"], v["ip.dst"], int(v["ip.len"])
        elif v["ipv6.src"]:
            src, dst, nbytes = v["ipv6.src"], v["ipv6.dst"], 40 + int(v["ipv6.plen"])
        else:
            continue
        if v["tcp.srcport"]:
            transport, sport, dport = "tcp", int(v["tcp.srcport"]), int(v["tcp.dstport"])
            syn_only = v["tcp.flags.syn"] in ("1", "True") and v["tcp.flags.ack"] not in ("1", "True")
            tcp_n += 1
        elif v["udp.srcport"]:
            transport, sport, dport = "udp", int(v["udp.srcport"]), int(v["udp.dstport"])
            syn_only = False
            udp_n += 1
        else:
            continue
        a, b = (src, sport), (dst, dport)
        key = (transport,) + tuple(sorted([a, b]))
        f = flows.get(key)
        if f is None:
            f = flows[key] = {"transport": transport, "client": list(a), "server": list(b), "packets": 0,
                              "bytes": 0, "frame_bytes": 0, "syn_seen": False}
        if syn_only and not f["syn_seen"]:
            f["syn_seen"] = True
            f["client"], f["server"] = list(a), list(b)
        f["packets"] += 1
        f["bytes"] += nbytes
        f["frame_bytes"] += int(v["frame.len"])
    ports = {}
    clients = {}
    for f in flows.values():
        k = "%s/%d" % (f["transport"], f["server"][1])
        p = ports.setdefault(k, {"flows": 0, "packets": 0, "bytes": 0, "unique_clients": 0})
        p["flows"] += 1
        p["packets"] += f["packets"]
        p["bytes"] += f["bytes"]
        clients.setdefault(k, set()).add(f["client"][0])
    for k, c in clients.items():
        ports[k]["unique_clients"] = len(c)
    ref = {"capture": path.rsplit("/", 1)[-1],
           "totals": {"frames": frames, "tcp_packets": tcp_n, "udp_packets": udp_n,
                      "other_packets": frames - tcp_n - udp_n},
           "ports": dict(sorted(ports.items())), "flows": list(flows.values())}
    with open(path + ".reference.json", "w") as fh:
        json.dump(ref, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        main(p)
