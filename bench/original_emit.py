#!/usr/bin/env python3
"""The Python original's way of writing telemetry, for comparison: per event, serialize it,
open events.jsonl, try flock(LOCK_EX | LOCK_NB), write one line, close. A busy lock drops the
event. Usage: original_emit.py DIR < events.jsonl; prints "written dropped" on stdout."""
import fcntl
import json
import os
import sys

path = os.path.join(sys.argv[1], "events.jsonl")
written = dropped = 0
for line in sys.stdin:
    event = json.loads(line)
    data = json.dumps(event, separators=(",", ":")) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            dropped += 1
            continue
        f.write(data)
        f.flush()
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        written += 1
print(written, dropped)
