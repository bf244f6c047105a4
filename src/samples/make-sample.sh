#!/usr/bin/env bash
# Records src/samples/sample.pcap: real loopback traffic from real tools, as a small capture the
# project keeps for its README example and its own tests. Needs root, tcpdump, python3, curl, dig,
# nc and nmap. Addresses are in 127.77.0.0/16 (and ::1 port 8443) so other loopback traffic stays out.
#   HTTP/1.0 from 4 clients to 127.77.0.10:8080 (python http.server), 24 sessions
#   HTTP over IPv6 to [::1]:8443, 4 sessions
#   DNS over UDP from 2 clients to 127.77.0.10:53 (a python responder), 12 queries
#   connection attempts to a closed port (127.77.0.10:3306): RST answers
#   a UDP datagram to a closed port (ICMP port unreachable, which quotes it)
#   an nmap SYN scan from 127.77.0.66 of ports 1-100 of 127.77.0.10
set -euo pipefail
out=${1:-$(dirname "$0")/sample.pcap}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
for i in 10 21 22 23 24 31 32 66; do ip addr add 127.77.0.$i/8 dev lo 2>/dev/null || true; done
mkdir -p "$work/www" && head -c 3000 /dev/urandom | base64 > "$work/www/index.html"
(cd "$work/www" && exec python3 -m http.server 8080 --bind 127.77.0.10) >/dev/null 2>&1 &
(cd "$work/www" && exec python3 -m http.server 8443 --bind ::1) >/dev/null 2>&1 &
python3 - <<'PY' >/dev/null 2>&1 &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.77.0.10", 53))
while True:
    q, a = s.recvfrom(2048)
    # answer: same id, QR and RA set, no records (a real, if empty, DNS response)
    s.sendto(q[:2] + bytes([0x81, 0x80]) + q[4:6] + b"\x00\x00\x00\x00\x00\x00" + q[12:], a)
PY
sleep 1
tcpdump -i lo -s 256 -w "$out" -U 'net 127.77.0.0/16 or (ip6 and tcp port 8443)' 2>/dev/null &
dump=$!
sleep 1
for round in 1 2 3 4 5 6; do
  for c in 21 22 23 24; do curl -s -o /dev/null --http1.0 --interface 127.77.0.$c http://127.77.0.10:8080/index.html; done
done
for round in 1 2 3 4; do curl -s -o /dev/null --http1.0 -g 'http://[::1]:8443/index.html'; done
for name in example.org portwatch.test www.example.net a.b.c d.e.f g.h.i; do
  for c in 31 32; do dig +tries=1 +time=1 -b 127.77.0.$c @127.77.0.10 "$name" >/dev/null || true; done
done
for round in 1 2 3; do nc -z -w1 -s 127.77.0.21 127.77.0.10 3306 || true; done
echo probe | nc -u -w1 -s 127.77.0.31 127.77.0.10 9999 || true
nmap -sS -Pn -n -e lo -S 127.77.0.66 -p 1-100 --max-retries 0 127.77.0.10 >/dev/null 2>&1 || true
sleep 1
kill -INT $dump; wait $dump 2>/dev/null || true
echo "wrote $out"
