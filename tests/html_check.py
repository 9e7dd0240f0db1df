#!/usr/bin/env python3
"""Checks of the HTML report as a browser rendered it (tests/report.bats).

  html_check.py numbers DOM LAST_RUN RUNS   the page Chromium dumped (--dump-dom): every
      section is there; every number marked data-k equals the document's value at that
      path (last_run.json's, or with data-run the --runs line of that run); the numbers a
      reader needs are all shown; the trend table has the runs that end with this one.
  html_check.py grid REPORT OUT             a page of the report's plots, each alone in a
      cell of CELL_W x CELL_H pixels, for one screenshot; prints how many.
  html_check.py colours PNG COUNT           in the screenshot of that page, each cell holds
      pixels of more than one colour, and some of a colour that is not grey (data drawn).

Only the standard library: the PNG is decoded here (8-bit RGB or RGBA, as Chromium writes).
"""
import html.parser
import json
import re
import struct
import sys
import zlib

CELL_W, CELL_H, COLUMNS = 520, 260, 2
SECTIONS = ["latency", "cache", "lsp", "bytes", "trends", "warnings"]


class Marked(html.parser.HTMLParser):
    """Every element with data-k: (path, run or None, its text); the ids; all the text."""

    def __init__(self):
        super().__init__()
        self.found, self.ids, self.text = [], set(), []
        self.open = None  # [tag, path, run, text] while inside a marked element

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if "data-k" in a:
            self.open = [tag, json.loads(a["data-k"]), a.get("data-run"), ""]

    def handle_endtag(self, tag):
        if self.open and tag == self.open[0]:
            self.found.append(tuple(self.open[1:]))
            self.open = None

    def handle_data(self, data):
        self.text.append(data)
        if self.open:
            self.open[3] += data


def getpath(doc, path):
    for k in path:
        if not isinstance(doc, dict) or k not in doc:
            raise KeyError(path)
        doc = doc[k]
    return doc


def numbers(dom_path, last_path, runs_path):
    page = Marked()
    with open(dom_path, encoding="utf-8", newline="") as f:  # a CR in an attribute stays one
        page.feed(f.read())
    with open(last_path, encoding="utf-8") as f:
        last = json.load(f)
    with open(runs_path, encoding="utf-8") as f:
        runs = [json.loads(line) for line in f if line.strip()]
    by_id = {r["run_id"]: r for r in runs}
    bad = [f"section #{s} missing" for s in SECTIONS if s not in page.ids]
    shown = set()
    for path, run, text in page.found:
        doc = by_id.get(run) if run else last
        try:
            want = getpath(doc, path)
        except KeyError:
            if text != "-":  # a dash says the document has none
                bad.append(f"{run or 'last_run'} {path}: page shows {text!r}, the document has no such number")
            continue
        # An integer exactly as the document has it (a double would lose digits past 2^53).
        if isinstance(want, bool) or not isinstance(want, (int, float)) or \
                (text != str(want) if isinstance(want, int) else float(text) != want):
            bad.append(f"{run or 'last_run'} {path}: page shows {text!r}, document has {want!r}")
        if not run:
            shown.add(tuple(path))
    # What a reader needs: every latency figure, and each section's numbers.
    need = [("latencies", c, k) for c in last["latencies"] for k in ("count", "p50_ms", "p95_ms", "max_ms")]
    need += [("ast", k) for k in ("ast_parse_count", "ast_cache_hit_count", "ast_cache_miss_count",
                                  "ast_cache_hit_rate")]
    need += [("lsp", k) for k in last["lsp"] if k != "fallback_by_reason"]
    need += [("lsp", "fallback_by_reason", r) for r in last["lsp"]["fallback_by_reason"]]
    need += [("file_read", k) for k in last["file_read"]]
    need += [("telemetry_drops", k) for k in ("attempted", "lock_skipped")]
    need += [("events",)]
    bad += [f"{list(p)}: not shown" for p in need if p not in shown]
    text = " ".join(page.text)
    bad += [f"warning {w!r}: not shown" for w in last["top_warnings"] if w not in text]
    ids = [r["run_id"] for r in runs]
    end = ids.index(last["run_id"]) + 1
    trend = {run for _, run, _ in page.found if run}
    if trend != set(ids[max(0, end - 30):end]):
        bad.append(f"trend runs {sorted(trend)} are not the 30 that end with {last['run_id']}")
    for b in bad:
        print(b)
    print(f"{len(page.found)} numbers checked")
    return 1 if bad else 0


def grid(report_path, out_path):
    with open(report_path, encoding="utf-8") as f:
        plots = re.findall(r"<svg .*?</svg>", f.read(), re.S)
    cells = []
    for i, svg in enumerate(plots):
        x, y = i % COLUMNS * CELL_W, i // COLUMNS * CELL_H
        cells.append(f'<div style="position:absolute;left:{x}px;top:{y}px;width:{CELL_W}px;'
                     f'height:{CELL_H}px;overflow:hidden;background:#fff">{svg}</div>')
    with open(out_path, "w", encoding="utf-8") as f:
        f.write('<!DOCTYPE html><html><body style="margin:0;background:#fff">' + "".join(cells) + "</body></html>")
    print(len(plots))
    return 0


def png_pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not interlace, "an unexpected PNG format"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if ctype == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def colours(png_path, count):
    w, h, bpp, rows = png_pixels(png_path)
    bad = 0
    for i in range(int(count)):
        x0, y0 = i % COLUMNS * CELL_W, i // COLUMNS * CELL_H
        seen, vivid = set(), 0
        for y in range(y0, min(y0 + CELL_H, h)):
            row = rows[y]
            for x in range(x0, min(x0 + CELL_W, w)):
                px = tuple(row[x * bpp:x * bpp + 3])
                seen.add(px)
                vivid += max(px) - min(px) > 40
        ok = len(seen) > 1 and vivid >= 50
        print(f"plot {i + 1}: {len(seen)} colours, {vivid} coloured pixels{'' if ok else ': BLANK'}")
        bad += not ok
    return 1 if bad or int(count) == 0 else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    sys.exit({"numbers": numbers, "grid": grid, "colours": colours}[cmd](*args))
