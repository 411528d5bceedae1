#!/usr/bin/env python3
"""Where a process's resident memory goes, from /proc/PID/smaps.

    memory_breakdown.py PID [--interval S]

Samples /proc/PID/status every INTERVAL seconds and keeps /proc/PID/smaps from the sample with the
highest VmRSS (VmHWM is a peak, so a breakdown taken only at the end can miss what made it). On
SIGTERM or SIGINT, or when the process is gone, takes one last sample and prints two breakdowns: at
the highest sample and at the last one.

The split that matters on a small device:
  - anonymous: the heap ([heap] and glibc's per-thread malloc arenas, which are anonymous mappings),
    thread stacks, and anything else mmap'ed without a file. This is the process's own memory.
  - file-backed: shared libraries and the executable. Their clean pages (code, read-only data: the
    ICU tables of _FoundationICU, for instance) are counted in RSS but shared with every other process
    mapping the same file and dropped by the kernel under pressure; their private dirty pages
    (relocated pointers, .data, .bss) are the process's own, like anonymous memory.
"""

import argparse
import os
import re
import signal
import sys
import time

HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


def read_smaps(pid):
    """The mappings of PID: (name, perms, size kB, fields kB)."""
    mappings = []
    current = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            if HEADER.match(line):
                parts = line.split(None, 5)
                name = parts[5].strip() if len(parts) > 5 else ""
                current = {"name": name, "perms": parts[1], "fields": {}}
                mappings.append(current)
            elif current is not None and line.rstrip().endswith(" kB"):
                key, value = line.split(":", 1)
                current["fields"][key] = int(value.split()[0])
    return mappings


def read_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def kb(status, key):
    return int(status.get(key, "0 kB").split()[0])


def classify(mapping):
    """anonymous or file, and the label it is summed under."""
    name = mapping["name"]
    if name == "" or name.startswith("[anon") or name == "[heap]":
        return "anonymous", "[heap]" if name == "[heap]" else "anonymous mmap (malloc arenas, thread stacks, runtime)"
    if name.startswith("[stack"):
        return "anonymous", "[stack] (main thread)"
    if name.startswith("["):  # [vdso], [vvar], [vsyscall]
        return "kernel", name
    if name.startswith("/memfd:") or " (deleted)" in name:
        return "anonymous", name
    return "file", os.path.basename(name)


def breakdown(mappings):
    totals = {"anonymous": {}, "file": {}, "kernel": {}}
    for mapping in mappings:
        kind, label = classify(mapping)
        fields = mapping["fields"]
        entry = totals[kind].setdefault(
            label, {"rss": 0, "pss": 0, "dirty": 0, "clean": 0, "swap": 0, "count": 0}
        )
        entry["rss"] += fields.get("Rss", 0)
        entry["pss"] += fields.get("Pss", 0)
        entry["dirty"] += fields.get("Private_Dirty", 0) + fields.get("Shared_Dirty", 0)
        entry["clean"] += fields.get("Private_Clean", 0) + fields.get("Shared_Clean", 0)
        entry["swap"] += fields.get("Swap", 0)
        entry["count"] += 1
    return totals


def report(title, status, mappings, top=12):
    totals = breakdown(mappings)
    anon = sum(e["rss"] for e in totals["anonymous"].values())
    files = totals["file"]
    file_rss = sum(e["rss"] for e in files.values())
    file_dirty = sum(e["dirty"] for e in files.values())
    file_clean = sum(e["clean"] for e in files.values())
    file_pss = sum(e["pss"] for e in files.values())
    mb = lambda k: k / 1024  # noqa: E731
    lines = [
        f"{title}: VmRSS {mb(kb(status, 'VmRSS')):.1f} MB (VmHWM {mb(kb(status, 'VmHWM')):.1f} MB), "
        f"{status.get('Threads', '?')} threads",
        f"  anonymous (the process's own: heap, malloc arenas, stacks): {mb(anon):.1f} MB "
        f"(RssAnon {mb(kb(status, 'RssAnon')):.1f} MB)",
    ]
    for label, entry in sorted(totals["anonymous"].items(), key=lambda item: -item[1]["rss"]):
        if entry["rss"] >= 64:
            lines.append(f"    {mb(entry['rss']):6.1f} MB  {label} ({entry['count']} mappings)")
    lines.append(
        f"  file-backed: {mb(file_rss):.1f} MB = {mb(file_dirty):.1f} MB private dirty (relocations, .data: "
        f"the process's own) + {mb(file_clean):.1f} MB clean (code, read-only data: shared, reclaimable); "
        f"Pss {mb(file_pss):.1f} MB (its share of pages other processes map too)"
    )
    for label, entry in sorted(files.items(), key=lambda item: -item[1]["rss"])[:top]:
        lines.append(
            f"    {mb(entry['rss']):6.1f} MB  {label} (dirty {mb(entry['dirty']):.1f}, clean {mb(entry['clean']):.1f}, "
            f"Pss {mb(entry['pss']):.1f})"
        )
    rest = sorted(files.items(), key=lambda item: -item[1]["rss"])[top:]
    if rest:
        lines.append(f"    {mb(sum(e['rss'] for _, e in rest)):6.1f} MB  {len(rest)} other files")
    lines.append(
        f"  own memory (anonymous + file-backed dirty): {mb(anon + file_dirty):.1f} MB; "
        f"shared/clean file pages: {mb(file_clean):.1f} MB"
    )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pid", type=int)
    parser.add_argument("--interval", type=float, default=1.0)
    arguments = parser.parse_args()
    pid = arguments.pid

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))

    peak = None  # (rss, status, mappings)
    last = None
    while True:
        try:
            status = read_status(pid)
            mappings = read_smaps(pid)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            break
        last = (kb(status, "VmRSS"), status, mappings)
        if peak is None or last[0] > peak[0]:
            peak = last
        if stop:
            break
        time.sleep(arguments.interval)
    if peak is None:
        print("memory breakdown: the process was gone before the first sample", file=sys.stderr)
        return 1
    print(report("at the highest sample", peak[1], peak[2]))
    if last is not peak:
        print(report("at the end", last[1], last[2], top=6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
