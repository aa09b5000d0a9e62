#!/usr/bin/env python3
"""The netns study's trial: a deterministic `task: command:` whose values depend on its checkpoint.

state(0) = 1; state(e) = 0.8 * state(e-1) + lr, so score(e) has a closed form the checker knows.
A resumed attempt reads the state from $RUNG_CHECKPOINT_DIR/state.json; a wrong or missing
checkpoint changes every later value (or fails the trial). `moved` is 1 when the checkpoint was
written on another host ($RUNG_TEST_HOST names the host, set on each worker).
"""
import json, os, sys, time

cfg = json.loads(os.environ["RUNG_CONFIG"])
lr = float(cfg["lr"])
ckdir = os.environ["RUNG_CHECKPOINT_DIR"]
start, end = int(os.environ["RUNG_FROM_EPOCH"]), int(os.environ["RUNG_TO_EPOCH"])
host = os.environ.get("RUNG_TEST_HOST", "?")
state, writer = 1.0, None
if start > 0:
    with open(os.path.join(ckdir, "state.json")) as f:
        ck = json.load(f)
    if ck["epoch"] != start:
        sys.exit(f"checkpoint is at epoch {ck['epoch']}, expected {start}")
    state, writer = ck["state"], ck["host"]
    print(f"resumed at epoch {start} on {host} from a checkpoint written on {writer}", file=sys.stderr, flush=True)
for epoch in range(start + 1, end + 1):
    time.sleep(float(os.environ.get("RUNG_TEST_EPOCH_SECONDS", "0.5")))
    state = 0.8 * state + lr
    moved = int(writer is not None and writer != host)
    print(json.dumps({"epoch": epoch, "score": state, "moved": moved}), flush=True)
with open(os.path.join(ckdir, "state.json"), "w") as f:
    json.dump({"epoch": end, "state": state, "host": host}, f)
