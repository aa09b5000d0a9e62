#!/usr/bin/env python3
"""A minimal Rung worker in Python, written from PROTOCOL.md alone (protocol RUNG2).

It speaks the whole worker side: HELLO/WELCOME, READY, ASSIGN, a REPORT and a LOG line per
epoch, checkpoint upload (CHECKPOINT_PUT, waits for CHECKPOINT_STORED) then PAUSED, or DONE at
the maximum resource, checkpoint download (CHECKPOINT_GET) for a resume, STOP, WAIT, SHUTDOWN,
ERROR (UNKNOWN_PEER: says HELLO again; STALE_ATTEMPT: abandons the attempt), heartbeats, BYE.
The "training" is a made-up learning curve computed from the config, so it needs only pyzmq.
Checkpoints are the portable format of PROTOCOL.md §4.5 (a stored ZIP with manifest.json), so a
checkpoint this worker writes resumes on a Swift worker and the other way round.

Run it against a coordinator:
    python3 scripts/pyworker/mini_worker.py --connect tcp://127.0.0.1:5555
Options: --name NAME, --max-assignments N (leave with BYE after N), --epoch-seconds S (pretend
each epoch takes S seconds), --send-garbage (first send one malformed message and print the
ERROR reply), --quiet.
"""

import argparse
import hashlib
import io
import json
import math
import os
import socket
import sys
import time
import zipfile

import zmq

TAG = b"RUNG2"
PROTOCOL_VERSION = 2
CHUNK = 64 * 1024


class Worker:
    def __init__(self, args):
        self.args = args
        self.name = args.name or f"py-{socket.gethostname()}-{os.getpid()}"
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 1000)
        self.sock.setsockopt(zmq.HEARTBEAT_IVL, 1000)
        self.sock.setsockopt(zmq.HEARTBEAT_TIMEOUT, 5000)
        self.sock.setsockopt(zmq.RECONNECT_IVL, 200)
        self.sock.connect(args.connect)
        self.heartbeat_interval = 1.0
        self.last_sent = 0.0
        self.cache = {}          # checkpoint id -> bytes
        self.running = None      # (trial, attempt) while an attempt runs
        self.assignments = 0
        self.stopped = set()     # (trial, attempt) told to stop
        self.pending = []        # ASSIGNs received while busy

    # -- framing -----------------------------------------------------------------------------
    def send(self, mtype, body, binary=None):
        # One frame: the header line "RUNG2 TYPE\n", then the JSON body; a chunk goes in a second.
        frame = TAG + b" " + mtype.encode() + b"\n" + json.dumps(body, allow_nan=False).encode()
        self.sock.send_multipart([frame] if binary is None else [frame, binary])
        self.last_sent = time.monotonic()

    def recv(self, timeout):
        """One decoded message (type, body, binary) or None after `timeout` seconds."""
        if not self.sock.poll(int(timeout * 1000)):
            return None
        frames = self.sock.recv_multipart()
        header, newline, body = frames[0].partition(b"\n")
        tag, space, mtype = header.partition(b" ")
        if tag != TAG or not space or not newline or len(frames) > 2:
            self.log(f"ignoring a non-Rung message of {len(frames)} frames")
            return ("", {}, None)
        return (mtype.decode(), json.loads(body or b"{}"), frames[1] if len(frames) > 1 else None)

    def log(self, text):
        if not self.args.quiet:
            print(f"[{self.name}] {text}", file=sys.stderr, flush=True)

    # -- conversation --------------------------------------------------------------------------
    def hello(self):
        running = [] if self.running is None else [{"trial": self.running[0], "attempt": self.running[1]}]
        self.send("HELLO", {"name": self.name, "host": socket.gethostname(), "pid": os.getpid(),
                            "slots": 1, "protocolVersion": PROTOCOL_VERSION,
                            "cachedCheckpoints": sorted(self.cache), "running": running})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            msg = self.recv(deadline - time.monotonic())
            if msg and msg[0] == "WELCOME":
                self.heartbeat_interval = msg[1]["heartbeatInterval"]
                self.log(f"welcome: worker {msg[1]['worker']} in study {msg[1]['study']}")
                return
            if msg:
                self.handle(msg)
        raise SystemExit("no WELCOME within 30 s")

    def heartbeat_if_due(self):
        if time.monotonic() - self.last_sent >= self.heartbeat_interval:
            running = [] if self.running is None else [{"trial": self.running[0], "attempt": self.running[1]}]
            self.send("HEARTBEAT", {"running": running, "freeSlots": 0 if self.running else 1})

    def handle(self, msg):
        """Messages that may arrive at any time. Returns False on SHUTDOWN."""
        mtype, body, binary = msg
        if mtype == "ASSIGN":
            self.pending.append(body)
        elif mtype == "STOP":
            self.stopped.add((body["trial"], body["attempt"]))
            self.log(f"STOP trial {body['trial']} attempt {body['attempt']}: {body['reason']}")
        elif mtype == "WAIT":
            self.log(f"WAIT: {body['reason']}")
        elif mtype == "SHUTDOWN":
            self.log(f"SHUTDOWN: {body['reason']}")
            return False
        elif mtype == "ERROR":
            self.log(f"ERROR {body['code']}: {body['message']}")
            if body["code"] == "UNKNOWN_PEER":
                self.hello()
            elif body["code"] == "STALE_ATTEMPT" and body.get("trial") is not None:
                self.stopped.add((body["trial"], body.get("attempt")))
        else:
            self.log(f"ignoring {mtype}")
        return True

    def wait_for(self, wanted, timeout=30):
        """Waits for a message of type `wanted`, handling everything else meanwhile."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.recv(min(self.heartbeat_interval, max(0.0, deadline - time.monotonic())))
            if msg is None:
                self.heartbeat_if_due()
            elif msg[0] in wanted:
                return msg
            elif not self.handle(msg):
                raise SystemExit(0)
        raise SystemExit(f"no {'/'.join(wanted)} within {timeout} s")

    # -- checkpoints ----------------------------------------------------------------------------
    @staticmethod
    def pack(files):
        """The checkpoint archive (PROTOCOL.md §4.5) of {path: bytes}: a stored ZIP, manifest first."""
        manifest = {"format": "rung-checkpoint", "version": 1,
                    "files": [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                              for p, b in sorted(files.items())]}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("manifest.json", json.dumps(manifest, sort_keys=True))
            for p, b in sorted(files.items()):
                z.writestr(p, b)
        return out.getvalue()

    @staticmethod
    def unpack(data, max_total=1 << 40):
        """{path: bytes} of a checkpoint archive, checked against its manifest (PROTOCOL.md §4.5)."""
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            manifest = json.loads(z.read("manifest.json"))
            if manifest.get("format") != "rung-checkpoint" or manifest.get("version") != 1:
                raise RuntimeError(f"checkpoint: unknown format {manifest.get('format')} {manifest.get('version')}")
            listed = {}
            for f in manifest["files"]:
                p = f["path"]
                parts = p.split("/")
                if not p or p.startswith("/") or "\\" in p or any(x in ("", ".", "..") for x in parts):
                    raise RuntimeError(f"checkpoint: unsafe path {p!r}")
                listed[p] = f
            if sum(f["size"] for f in listed.values()) > max_total:
                raise RuntimeError("checkpoint: too large")
            files = {}
            for info in z.infolist():
                if info.filename == "manifest.json" or info.is_dir():
                    continue
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise RuntimeError(f"checkpoint: {info.filename} is a symlink")
                f = listed.get(info.filename)
                if f is None:
                    raise RuntimeError(f"checkpoint: {info.filename} is not in the manifest")
                if info.file_size != f["size"]:
                    raise RuntimeError(f"checkpoint: {info.filename} size differs from the manifest")
                b = z.read(info)
                if len(b) != f["size"] or hashlib.sha256(b).hexdigest() != f["sha256"]:
                    raise RuntimeError(f"checkpoint: {info.filename} does not match the manifest")
                files[info.filename] = b
            missing = set(listed) - set(files)
            if missing:
                raise RuntimeError(f"checkpoint: {sorted(missing)} listed but absent")
            return files

    def upload(self, ckpt_id, trial, attempt, resource, data):
        digest = hashlib.sha256(data).hexdigest()
        count = max(1, math.ceil(len(data) / CHUNK))
        for i in range(count):
            self.send("CHECKPOINT_PUT", {"checkpoint": ckpt_id, "trial": trial, "attempt": attempt,
                                         "resource": resource, "index": i, "count": count,
                                         "size": len(data), "sha256": digest},
                      data[i * CHUNK:(i + 1) * CHUNK])
        mtype, body, _ = self.wait_for({"CHECKPOINT_STORED", "ERROR"})
        if mtype == "ERROR":
            raise RuntimeError(f"checkpoint upload refused: {body['code']} {body['message']}")
        self.cache[ckpt_id] = data

    def download(self, ref):
        if ref["id"] in self.cache:
            return self.cache[ref["id"]]
        self.send("CHECKPOINT_GET", {"checkpoint": ref["id"]})
        parts = {}
        while True:
            mtype, body, binary = self.wait_for({"CHECKPOINT", "ERROR"})
            if mtype == "ERROR":
                raise RuntimeError(f"checkpoint {ref['id']}: {body['code']} {body['message']}")
            parts[body["index"]] = binary
            if len(parts) == body["count"]:
                break
        data = b"".join(parts[i] for i in range(len(parts)))
        if hashlib.sha256(data).hexdigest() != ref["sha256"]:
            raise RuntimeError(f"checkpoint {ref['id']}: SHA-256 mismatch")
        self.cache[ref["id"]] = data
        return data

    # -- one attempt ----------------------------------------------------------------------------
    def run(self, a):
        trial, attempt = a["trial"], a["attempt"]
        self.running = (trial, attempt)
        seq = 0

        def next_seq():
            nonlocal seq
            seq += 1
            return seq

        try:
            state = {"epoch": a["fromResource"]}
            if a.get("checkpoint"):
                state = json.loads(self.unpack(self.download(a["checkpoint"]))["state.json"])
            # The metric to report is the study's objective, named in ASSIGN (PROTOCOL.md §4.2).
            objective = (a.get("objective") or {}).get("metric", "val_loss")
            lr = float(a["config"].get("lr", 0.01))
            epoch = state["epoch"]
            while epoch < a["toResource"]:
                msg = self.recv(self.args.epoch_seconds)
                while msg is not None:
                    if not self.handle(msg):
                        raise SystemExit(0)
                    msg = self.recv(0)
                if (trial, attempt) in self.stopped:
                    self.log(f"trial {trial} attempt {attempt} stopped at epoch {epoch}")
                    return
                epoch += 1
                # A made-up learning curve: faster for lr near 0.01.
                loss = 1.0 / (1.0 + epoch * math.exp(-abs(math.log10(lr) + 2.0)))
                self.send("LOG", {"trial": trial, "attempt": attempt, "seq": next_seq(), "stream": "stdout",
                                  "lines": [f"epoch {epoch:g}: val_loss={loss:.4f}"], "time": time.time()})
                self.send("REPORT", {"trial": trial, "attempt": attempt, "seq": next_seq(), "resource": epoch,
                                     "metrics": {"val_loss": loss, "val_acc": 1.0 - loss, objective: loss},
                                     "atRung": epoch in a["reportAt"], "time": time.time()})
                self.heartbeat_if_due()
            if a["final"]:
                self.send("DONE", {"trial": trial, "attempt": attempt, "seq": next_seq(), "resource": epoch})
            else:
                ckpt = f"t{trial}-a{attempt}-r{epoch:g}"
                data = self.pack({"state.json": json.dumps({"epoch": epoch, "config": a["config"]}).encode(),
                                  "weights/model.bin": b"x" * 100_000})
                self.upload(ckpt, trial, attempt, epoch, data)
                self.send("PAUSED", {"trial": trial, "attempt": attempt, "seq": next_seq(),
                                     "resource": epoch, "checkpoint": ckpt})
        except RuntimeError as e:
            self.send("FAILED", {"trial": trial, "attempt": attempt, "seq": next_seq(), "error": str(e)})
        finally:
            self.running = None

    def main(self):
        if self.args.send_garbage:
            self.sock.send(TAG + b" HELO\n{}")
            mtype, body, _ = self.wait_for({"ERROR"})
            print(f"garbage answered: ERROR {body['code']}: {body['message']}", flush=True)
        self.hello()
        self.send("READY", {"freeSlots": 1})
        try:
            while self.args.max_assignments is None or self.assignments < self.args.max_assignments:
                if not self.pending:
                    msg = self.recv(self.heartbeat_interval)
                    if msg is None:
                        self.heartbeat_if_due()
                    elif not self.handle(msg):
                        return
                    continue
                self.assignments += 1
                self.run(self.pending.pop(0))
                if self.args.max_assignments is None or self.assignments < self.args.max_assignments:
                    self.send("READY", {"freeSlots": 1})
            self.send("BYE", {"reason": f"done after {self.assignments} assignments"})
        except KeyboardInterrupt:
            self.send("BYE", {"reason": "interrupted"})
        finally:
            self.sock.close()
            self.ctx.term()


def parse():
    p = argparse.ArgumentParser(description="A minimal Rung worker in Python (protocol RUNG2).")
    p.add_argument("--connect", default="tcp://127.0.0.1:5555", help="coordinator ROUTER endpoint")
    p.add_argument("--name", default=None, help="worker name (default py-HOST-PID)")
    p.add_argument("--max-assignments", type=int, default=None, help="leave with BYE after N assignments")
    p.add_argument("--epoch-seconds", type=float, default=0.0, help="pretend each epoch takes this long")
    p.add_argument("--send-garbage", action="store_true", help="first send a malformed message, print the ERROR")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p.parse_args()


if __name__ == "__main__":
    Worker(parse()).main()
