#!/usr/bin/env python3
"""Runs one Rung study across real network hosts made of Linux network namespaces, and checks it.

One namespace per host: the coordinator at 10.213.0.1, workers w1..wN at 10.213.0.2.. (a subnet
that exists only inside these namespaces). link.py joins them with a delay, jitter and loss; with
--partition-seconds S the first worker that starts a trial from a checkpoint is cut off for S
seconds (longer than the lease timeout), then the link heals. --mode loopback runs the same study
on 127.0.0.1 for comparison. Checks: the study completes; no trial is lost or failed; no epoch is
recorded twice for an attempt; every recorded score equals the trial's closed form (so each
resume read the right checkpoint); with a partition, the cut-off attempt was re-run elsewhere from
the downloaded checkpoint and its reports after the partition were refused (STALE_ATTEMPT in the
coordinator's log) and not recorded. Prints `RESULT {json}`; exit 0 pass, 1 fail, 77 skipped.
Use through deploy/netns/run-study.sh (checks root, iproute2 and /dev/net/tun first).
"""
import argparse, glob, json, os, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
SUBNET = "10.213.0"


def skip(reason: str) -> None:
    print(f"SKIP: {reason}", flush=True)
    sys.exit(77)


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), check=check, capture_output=True, text=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expected_score(lr: float, epoch: int) -> float:
    state = 1.0
    for _ in range(epoch):
        state = 0.8 * state + lr
    return state


class Run:
    def __init__(self, a: argparse.Namespace):
        self.a = a
        self.dir = a.workdir or tempfile.mkdtemp(prefix="rung-netns-")
        self.tag = f"rung{os.getpid()}"
        self.namespaces: list[str] = []
        self.procs: list[subprocess.Popen] = []
        self.link = None
        self.control = os.path.join(self.dir, "partition")
        self.events: list[str] = []
        self.cut = None  # (trial, attempt, worker, from, to, t_cut)
        self.heal_time = None
        self.coordinator_flags: list[str] = []
        self.worker_flags = {}
        self.curve = False

    # --- hosts ---
    def ns(self, host: str) -> str:
        return f"{self.tag}{host}"

    def make_hosts(self) -> None:
        hosts = ["c"] + [f"w{i}" for i in range(1, self.a.workers + 1)]
        for h in hosts:
            r = sh("ip", "netns", "add", self.ns(h), check=False)
            if r.returncode != 0:
                skip(f"cannot create a network namespace ({r.stderr.strip()}); needs root / CAP_SYS_ADMIN")
            self.namespaces.append(self.ns(h))
            sh("ip", "-n", self.ns(h), "link", "set", "lo", "up")
        open(self.control, "w").close()
        spec = [f"{self.ns(h)}={SUBNET}.{i + 1}" for i, h in enumerate(hosts)]
        self.link = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "link.py"), "--control", self.control,
             "--delay-ms", str(self.a.delay_ms), "--jitter-ms", str(self.a.jitter_ms), "--loss", str(self.a.loss)] + spec,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.link.stdout.readline().strip()
        if line != "ready":
            skip(f"the link could not open TUN devices in the namespaces: {line} {self.link.stdout.read()[:500]}")
        for i, h in enumerate(hosts):
            sh("ip", "-n", self.ns(h), "addr", "add", f"{SUBNET}.{i + 1}/24", "dev", "rungnet0")
            sh("ip", "-n", self.ns(h), "link", "set", "rungnet0", "up")

    def cleanup(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if self.link and self.link.poll() is None:
            self.link.send_signal(signal.SIGTERM)
            try:
                out, _ = self.link.communicate(timeout=5)
                self.link_counts = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
            except Exception:
                self.link.kill()
        for n in self.namespaces:
            sh("ip", "netns", "del", n, check=False)

    # --- processes ---
    def prefix(self, host: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns(host)] if self.a.mode == "netns" else []

    def start(self) -> float:
        a = self.a
        if a.mode == "netns":
            self.endpoint = f"tcp://{SUBNET}.1:5555"
            publish = f"tcp://{SUBNET}.1:5556"
        else:
            self.endpoint = f"tcp://127.0.0.1:{free_port()}"
            publish = f"tcp://127.0.0.1:{free_port()}"
        study = os.path.join(self.dir, "study.yaml")
        with open(study, "w") as f:
            f.write(f"""name: netns
seed: {a.seed}
trials: {a.trials}
objective: {{metric: score, direction: maximize}}
budget: {{resource: epochs, min_resource: 1, max_resource: 9, reduction_factor: 3}}
scheduler: asha
sampler: random
space:
  lr: {{type: loguniform, low: 0.1, high: 1.0}}
task:
  command: ["python3", "{os.path.join(HERE, 'trial.py')}"]
  env: {{RUNG_TEST_EPOCH_SECONDS: "{a.epoch_seconds}"}}
""")
        self.study_dir = os.path.join(self.dir, "study")
        self.make_keys()
        t0 = time.monotonic()
        self.coord_log = open(os.path.join(self.dir, "coordinator.log"), "w")
        coord = subprocess.Popen(
            self.prefix("c") + [a.rung, "coordinator", "--study", study, "--dir", self.study_dir,
                                "--bind", self.endpoint, "--publish", publish,
                                "--lease-timeout", str(a.lease_timeout)] + self.coordinator_flags,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.procs.append(coord)
        self.coordinator = coord
        self.watcher = threading.Thread(target=self.watch, args=(coord,), daemon=True)
        self.watcher.start()
        for i in range(1, a.workers + 1):
            env = dict(os.environ, RUNG_TEST_HOST=f"w{i}")
            log = open(os.path.join(self.dir, f"worker-w{i}.log"), "w")
            self.procs.append(subprocess.Popen(
                self.prefix(f"w{i}") + [a.rung, "worker", "--connect", self.endpoint, "--name", f"w{i}",
                                        "--cache", os.path.join(self.dir, f"cache-w{i}")] + self.worker_flags.get(f"w{i}", []),
                stdout=log, stderr=subprocess.STDOUT, env=env))
        return t0

    def make_keys(self) -> None:
        """CURVE as a real deployment runs it, where this rung has it (`rung keygen`): a key pair
        for the coordinator and one per worker, each worker's public key on the allow-list, and
        the coordinator's public key pinned by the workers."""
        a = self.a
        probe = subprocess.run([a.rung, "keygen", "--help"], capture_output=True, text=True)
        if a.plain or "USAGE: rung keygen" not in probe.stdout:
            return
        keys = os.path.join(self.dir, "keys")
        allow = os.path.join(keys, "allow", "workers")
        os.makedirs(allow, exist_ok=True)
        for name in ["coordinator"] + [f"w{i}" for i in range(1, a.workers + 1)]:
            sh(a.rung, "keygen", name, "--out", keys)
            if name != "coordinator":
                shutil.copy(os.path.join(keys, f"{name}.pub"), allow)
                self.worker_flags[name] = ["--server-key", os.path.join(keys, "coordinator.pub"),
                                           "--key", os.path.join(keys, f"{name}.key")]
        self.coordinator_flags = ["--key", os.path.join(keys, "coordinator.key"), "--allow", os.path.join(keys, "allow")]
        if a.mode == "loopback":
            self.coordinator_flags.append("--curve")
            for flags in self.worker_flags.values():
                flags.append("--curve")
        self.curve = True

    def watch(self, coord: subprocess.Popen) -> None:
        pattern = re.compile(r"trial (\d+) attempt (\d+) on (w\d+) from its checkpoint at (\d+), up to (\d+)")
        for line in coord.stdout:
            self.coord_log.write(line)
            self.coord_log.flush()
            m = pattern.search(line)
            if m and self.a.partition_seconds > 0 and self.cut is None and self.a.mode == "netns":
                trial, attempt, worker, start, end = m.groups()
                if int(end) - int(start) >= 2:
                    # Cut once the attempt runs (its first epoch is reported after one epoch's
                    # time): the rest of it happens during the partition.
                    self.cut = (int(trial), int(attempt), worker, int(start), int(end), 0.0)
                    threading.Timer(self.a.epoch_seconds * 1.2, self.partition).start()

    def partition(self) -> None:
        trial, attempt, worker, start, end, _ = self.cut
        with open(self.control, "w") as f:
            f.write(self.ns(worker) + "\n")
        self.cut = (trial, attempt, worker, start, end, time.time())
        self.events.append(f"cut {worker} off while it runs trial {trial} attempt {attempt} (epochs {start} to {end})")
        threading.Timer(self.a.partition_seconds, self.heal).start()

    def heal(self) -> None:
        open(self.control, "w").close()
        self.heal_time = time.time()
        self.events.append(f"healed after {self.a.partition_seconds:g} s")

    # --- checks ---
    def check(self, wall: float, rc) -> dict:
        a, problems = self.a, []
        db = sqlite3.connect(f"file:{os.path.join(self.study_dir, 'study.sqlite')}?mode=ro", uri=True)
        log = open(os.path.join(self.dir, "coordinator.log")).read()
        if rc != 0 or "study complete" not in log:
            problems.append(f"the coordinator did not complete the study (exit {rc})")
        trials = db.execute("SELECT id, config, state FROM trials").fetchall()
        lrs = {t: json.loads(c)["lr"] for t, c, _ in trials}
        lost = a.trials - len(trials) + sum(1 for _, _, s in trials if s not in ("completed", "stopped"))
        failed = sum(1 for _, _, s in trials if s == "failed")
        duplicated = db.execute(
            "SELECT COUNT(*) FROM (SELECT trial, attempt, epoch FROM epoch_metrics GROUP BY trial, attempt, epoch HAVING COUNT(*) > 1)").fetchone()[0]
        wrong = []
        for trial, attempt, epoch, metrics in db.execute("SELECT trial, attempt, epoch, metrics FROM epoch_metrics"):
            score = json.loads(metrics)["score"]
            if abs(score - expected_score(lrs[trial], epoch)) > 1e-9:
                wrong.append((trial, attempt, epoch, score))
        rung_results = db.execute("SELECT trial, resource, value FROM rung_results").fetchall()
        for trial, resource, value in rung_results:
            if value is None or abs(value - expected_score(lrs[trial], int(resource))) > 1e-9:
                wrong.append((trial, "rung", resource, value))
        moved = db.execute("SELECT COUNT(DISTINCT trial) FROM epoch_metrics WHERE json_extract(metrics, '$.moved') = 1").fetchone()[0]
        result = {"mode": a.mode, "curve": self.curve, "wall_s": round(wall, 1), "trials": len(trials), "rung_results": len(rung_results),
                  "epoch_reports": db.execute("SELECT COUNT(*) FROM epoch_metrics").fetchone()[0],
                  "lost": lost, "failed": failed, "duplicated": duplicated, "wrong_values": len(wrong),
                  "trials_resumed_on_another_host": moved}
        if lost or failed:
            problems.append(f"{lost} trial(s) lost, {failed} failed")
        if duplicated:
            problems.append(f"{duplicated} epoch(s) recorded twice for one attempt")
        if wrong:
            problems.append(f"scores that do not follow from the checkpoints: {wrong[:5]}")
        if a.mode == "netns" and a.partition_seconds > 0:
            if self.cut is None:
                problems.append("no worker started a trial from a checkpoint, so no partition was made")
            else:
                trial, attempt, worker, start, end, t_cut = self.cut
                refused = [l for l in log.splitlines() if f"refused {worker}:" in l]
                fenced = [l for l in refused if f"trial {trial} attempt {attempt} " in l]
                after_heal = db.execute("SELECT COUNT(*) FROM epoch_metrics WHERE trial = ? AND attempt = ? AND time >= ?",
                                        (trial, attempt, self.heal_time or t_cut)).fetchone()[0]
                rerun = db.execute("SELECT attempt, worker, from_resource FROM attempts WHERE trial = ? AND attempt > ? ORDER BY attempt",
                                   (trial, attempt)).fetchall()
                result.update({"partitioned_worker": worker, "partition_s": a.partition_seconds,
                               "lease_timeout_s": a.lease_timeout, "cut_attempt": f"trial {trial} attempt {attempt}",
                               "refusals_in_log": len(refused), "refusals_of_cut_attempt": len(fenced), "reports_recorded_after_heal": after_heal,
                               "rerun": [f"attempt {n} on {w} from epoch {int(f)}" for n, w, f in rerun]})
                if not fenced:
                    problems.append(f"the coordinator's log shows no refused (STALE_ATTEMPT) report of trial {trial} attempt {attempt} from {worker}")
                if after_heal:
                    problems.append(f"{after_heal} report(s) of the fenced attempt were recorded after the partition")
                if not rerun or rerun[0][1] == worker or int(rerun[0][2]) != start:
                    problems.append(f"trial {trial} was not re-run on another worker from its checkpoint at {start}: {rerun}")
            if not moved:
                problems.append("no trial resumed on another host than the one that wrote its checkpoint")
        result["link"] = getattr(self, "link_counts", {})
        result["link_lost"] = result["link"].get("lost", 0)
        result["link_partitioned"] = result["link"].get("partitioned", 0)
        result["events"] = self.events
        result["problems"] = problems
        return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rung", required=True)
    p.add_argument("--mode", choices=["netns", "loopback"], default="netns")
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--trials", type=int, default=30)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--epoch-seconds", type=float, default=0.5)
    p.add_argument("--lease-timeout", type=float, default=3)
    p.add_argument("--partition-seconds", type=float, default=8)
    p.add_argument("--delay-ms", type=float, default=20)
    p.add_argument("--jitter-ms", type=float, default=5)
    p.add_argument("--loss", type=float, default=0.01)
    p.add_argument("--timeout", type=float, default=150, help="seconds before the run is given up")
    p.add_argument("--plain", action="store_true", help="plain TCP even where this rung has CURVE (rung keygen)")
    p.add_argument("--workdir")
    a = p.parse_args()
    signal.pthread_sigmask(signal.SIG_SETMASK, set())  # a caller may have blocked SIGTERM; children inherit the mask
    if a.mode == "netns":
        if os.geteuid() != 0:
            skip("network namespaces need root (or CAP_NET_ADMIN + CAP_SYS_ADMIN)")
        if not shutil.which("ip"):
            skip("`ip` (iproute2) is not installed")
        if not os.path.exists("/dev/net/tun"):
            skip("/dev/net/tun is missing, so the test link cannot be made")
    run = Run(a)
    rc, wall = None, 0.0
    try:
        if a.mode == "netns":
            run.make_hosts()
        t0 = run.start()
        try:
            rc = run.coordinator.wait(timeout=a.timeout)
        except subprocess.TimeoutExpired:
            rc = "timeout"
        wall = time.monotonic() - t0
        run.watcher.join(timeout=5)
    finally:
        run.cleanup()
    result = run.check(wall, rc)
    print("RESULT " + json.dumps(result), flush=True)
    print(f"study directory and logs: {run.dir}", flush=True)
    if result["problems"]:
        for w in sorted(glob.glob(os.path.join(run.dir, "*.log"))):
            print(f"--- {w} (last lines)\n" + "".join(open(w).readlines()[-25:]), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
