#!/usr/bin/env python3
"""The test network's wire: one TUN device per network namespace, joined by this switch.

Every IPv4 packet a host sends is delivered to the host that owns its destination address after
DELAY ± JITTER ms, dropped with probability LOSS, and dropped while either end is listed in the
control file (a partition; remove the name to heal it). It does what `tc netem` would on veth
pairs, in user space, because this project's machines run a kernel built without sch_netem.

    link.py --control FILE --delay-ms 20 --jitter-ms 5 --loss 0.01 ns1=10.213.0.1 ns2=10.213.0.2 ...

Each NAME=ADDRESS makes device `rungnet0` in namespace NAME (/run/netns/NAME); the caller gives
it ADDRESS/24 and brings it up after this prints "ready". The devices vanish when it exits
(SIGTERM). It prints counters (forwarded, lost, partitioned) on exit, as JSON.
"""
import argparse, ctypes, fcntl, heapq, json, os, random, select, signal, struct, sys, time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
DEVICE = "rungnet0"


def open_tun_in(namespace: str) -> int:
    """Enters `namespace`, opens a TUN device there, and returns to the original namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace}")
        fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", DEVICE.encode(), IFF_TUN | IFF_NO_PI))
        os.set_blocking(fd, False)
        return fd
    finally:
        if libc.setns(home, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back home")
        os.close(home)
        os.close(target)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--control", required=True, help="file listing partitioned namespaces, one a line")
    p.add_argument("--delay-ms", type=float, default=20)
    p.add_argument("--jitter-ms", type=float, default=5)
    p.add_argument("--loss", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("hosts", nargs="+", help="NAMESPACE=IPV4")
    a = p.parse_args()
    signal.pthread_sigmask(signal.SIG_SETMASK, set())  # a caller may have blocked SIGTERM; children inherit the mask
    rng = random.Random(a.seed)

    fds, owner, name_of = {}, {}, {}
    for h in a.hosts:
        ns, addr = h.split("=")
        fd = open_tun_in(ns)
        fds[ns] = fd
        owner[bytes(int(x) for x in addr.split("."))] = fd
        name_of[fd] = ns
    addr_name = {k: name_of[v] for k, v in owner.items()}
    counts = {"forwarded": 0, "lost": 0, "partitioned": 0, "unroutable": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)

    queue, seq = [], 0
    cut, cut_checked, cut_mtime = set(), 0.0, None
    while not stop:
        now = time.monotonic()
        if now - cut_checked > 0.05:
            cut_checked = now
            try:
                m = os.stat(a.control).st_mtime_ns
                if m != cut_mtime:
                    cut_mtime = m
                    with open(a.control) as f:
                        cut = {line.strip() for line in f if line.strip()}
            except FileNotFoundError:
                cut, cut_mtime = set(), None
        timeout = 0.05 if not queue else max(0.0, min(0.05, queue[0][0] - now))
        try:
            ready, _, _ = select.select(list(fds.values()), [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in ready:
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if len(pkt) < 20 or pkt[0] >> 4 != 4:
                    continue  # IPv4 only (the kernel's IPv6 router solicitations are dropped)
                dst = owner.get(pkt[16:20])
                if dst is None:
                    counts["unroutable"] += 1
                    continue
                if name_of[fd] in cut or name_of[dst] in cut:
                    counts["partitioned"] += 1
                    continue
                if rng.random() < a.loss:
                    counts["lost"] += 1
                    continue
                delay = max(0.0, a.delay_ms + rng.uniform(-a.jitter_ms, a.jitter_ms)) / 1000
                seq += 1
                heapq.heappush(queue, (now + delay, seq, dst, pkt))
        while queue and queue[0][0] <= time.monotonic():
            _, _, dst, pkt = heapq.heappop(queue)
            if name_of[dst] in cut:
                counts["partitioned"] += 1
                continue
            try:
                os.write(dst, pkt)
                counts["forwarded"] += 1
            except OSError:
                counts["lost"] += 1
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
