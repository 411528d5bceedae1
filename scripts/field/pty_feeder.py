#!/usr/bin/env python3
"""A hostile serial line: plays a capture into a pseudo-terminal, with garbage bursts and a port that
disappears and comes back, as a loose USB connector or electrical noise would.

    pty_feeder.py CAPTURE LINK [--rate BYTES_PER_S] [--garbage-every BYTES] [--garbage-bytes N]
                  [--flap-every SECONDS] [--seed N]

LINK is a symbolic link to the current pty, like a udev name (/dev/passant-door): passantd is given
LINK. A flap closes the pty (the reader sees the line hang up), removes LINK for a moment, and opens a
new pty behind LINK. Prints `pty LINK` once ready and a summary line `fed ... garbage ... flaps ...`
at the end.
"""

import argparse
import os
import random
import sys
import time
import tty


def open_pty(link):
    master, slave = os.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    temporary = link + ".new"
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(name, temporary)
    os.replace(temporary, link)
    return master, slave


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("capture")
    parser.add_argument("link")
    parser.add_argument("--rate", type=float, default=20000, help="bytes per second")
    parser.add_argument("--garbage-every", type=int, default=0, help="a garbage burst every N bytes (0: none)")
    parser.add_argument("--garbage-bytes", type=int, default=200)
    parser.add_argument("--flap-every", type=float, default=0, help="seconds between flaps (0: none)")
    parser.add_argument("--start-delay", type=float, default=1.0, help="seconds before the first byte")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    data = open(args.capture, "rb").read()
    master, slave = open_pty(args.link)
    print(f"pty {args.link}", flush=True)
    time.sleep(args.start_delay)
    fed = garbage = flaps = 0
    chunk = max(1, int(args.rate / 50))
    next_garbage = args.garbage_every or None
    next_flap = time.monotonic() + args.flap_every if args.flap_every else None
    began = time.monotonic()
    position = 0
    while position < len(data):
        piece = data[position:position + chunk]
        position += len(piece)
        if next_garbage is not None and position >= next_garbage:
            # Noise: random bytes, with the framing characters a decoder resynchronises on.
            burst = bytes(random.choice(b"$*,\r\n0123456789ABCDEF\x00\xff") if random.random() < 0.3
                          else random.randrange(256) for _ in range(args.garbage_bytes))
            piece += burst
            garbage += len(burst)
            next_garbage += args.garbage_every
        try:
            os.write(master, piece)
        except OSError:
            pass
        fed += len(piece)
        if next_flap is not None and time.monotonic() >= next_flap:
            os.close(master)
            os.close(slave)
            os.unlink(args.link)
            time.sleep(random.uniform(0.2, 0.8))
            master, slave = open_pty(args.link)
            flaps += 1
            next_flap = time.monotonic() + args.flap_every
        # Pace to the rate.
        behind = began + fed / args.rate - time.monotonic()
        if behind > 0:
            time.sleep(behind)
    time.sleep(1.0)  # let the reader drain the last bytes
    print(f"fed {fed} garbage {garbage} flaps {flaps}", flush=True)
    os.close(master)
    os.close(slave)


if __name__ == "__main__":
    sys.exit(main())
