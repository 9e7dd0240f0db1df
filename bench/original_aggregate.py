#!/usr/bin/env python3
"""What the Python original's flush did, for comparison: read every event, keep every
timing in a list per cmd for the last run, sort, take s[floor(n*.5)], s[floor(n*.95)], s[-1].
Usage: original_aggregate.py events.jsonl; prints the latency table as JSON."""
import json
import sys
from collections import defaultdict

events = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        try:
            events.append(json.loads(line))
        except ValueError:
            pass
last = events[-1]["run_id"] if events else None
timings = defaultdict(list)
for e in events:
    if e.get("run_id") == last and isinstance(e.get("timing_ms"), (int, float)):
        timings[e["cmd"]].append(e["timing_ms"])
table = {}
for cmd, values in sorted(timings.items()):
    values.sort()
    n = len(values)
    table[cmd] = {"count": n, "p50_ms": values[int(n * 0.5)], "p95_ms": values[int(n * 0.95)], "max_ms": values[-1]}
print(json.dumps(table))
