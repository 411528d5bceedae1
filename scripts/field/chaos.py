#!/usr/bin/env python3
"""Crash and power-cut safety, proven: kills passantd with SIGKILL at random moments, many times.

Runs a simulated counter node on a pty (passant-sim, 30x real time, 60 s bins), passantd with an MQTT
uplink (a real Mosquitto, watched by a real mosquitto_sub) and a SensorThings uplink (the real test
server, scripts/sensorthings/serve), and then, KILLS times: starts passantd on the same store, lets it
run for a random while (from a few milliseconds, inside start-up, to a few bins), kills it with SIGKILL
and runs `PRAGMA integrity_check` on the store. Now and then the broker and the SensorThings server are
restarted too. At the end one passantd runs until every closed bin is delivered, and the checks are:

  - integrity: `ok` after every kill;
  - MQTT: every closed bin in the store arrived, every copy with the stored values, no key that the
    store does not hold (QoS 1 may repeat a message: receivers drop a key they have, so raw repeats are
    a figure, not a failure);
  - SensorThings: every closed bin's two Observations exactly once with the stored values, nothing else;
  - counts: bins the kills did not touch (full coverage, no trouble flag) equal a kill-free replay of
    the same byte stream (`passant replay`), and the simulator's ground truth is quoted as a figure.

Prints the figures; exit status 0 when nothing was lost, duplicated or damaged.

    scripts/chaos [KILLS] [--seed N] [--bin DIR]     (see scripts/chaos)
"""

import argparse
import json
import os
import pwd
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START = "2026-06-01T08:00:00Z"
START_UNIX = 1780300800  # START in Unix seconds
SPEED = 30.0  # a 60 s bin closes every 2 s of real time
TROUBLE = {"link-down", "data-lost", "sensor-degraded", "sensor-restarted", "closed-early", "clock-unsynchronised"}


def broker_directory(work):
    """The broker's persistence directory, and a `user` line for its config if one is needed.

    Mosquitto started as root drops to its own user (`mosquitto` on Debian, as the packaged service runs),
    which cannot write our 0700 work directory: then it saves nothing, and every restart forgets the
    subscriber's session. The directory must belong to that user, as /var/lib/mosquitto does in a
    deployment."""
    directory = os.path.join(work, "broker")
    os.mkdir(directory)
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("mosquitto")
        except KeyError:
            return directory, "user root\n"  # no such user: the broker stays root rather than `nobody`
        os.chmod(work, 0o711)  # the broker may pass through, not list or read
        os.chown(directory, user.pw_uid, user.pw_gid)
    return directory, ""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.bin = args.bin
        self.db = os.path.join(work, "passant.db")
        self.log = open(os.path.join(work, "passantd.log"), "ab")
        self.received = os.path.join(work, "received.txt")
        self.broker_log = os.path.join(work, "mosquitto.log")
        self.broker_dir, self.broker_user = broker_directory(work)
        self.mqtt_port = free_port()
        self.sta_port = free_port()
        self.sta_root = f"http://127.0.0.1:{self.sta_port}/sensorthings/v1.1"
        self.broker = self.subscriber = self.server = self.daemon = None

    # MARK: receivers

    def start_broker(self):
        conf = os.path.join(self.work, "mosquitto.conf")
        with open(conf, "w") as f:
            # Persistent: a broker restarted gracefully keeps the subscriber's session and its queue, which
            # needs a persistence directory the broker's own user can write (see broker_directory). Its log
            # (every PUBLISH received and sent, every CONNACK with its session-present flag) goes to
            # stderr, which we write to mosquitto.log: with --keep, what to read when a bin is missing.
            f.write(f"listener {self.mqtt_port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
                    f"persistence_location {self.broker_dir}/\nautosave_interval 1\n"
                    f"log_dest stderr\nlog_type all\nlog_timestamp_format %H:%M:%S\n{self.broker_user}")
        self.broker = subprocess.Popen(["/usr/sbin/mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                                       stderr=open(self.broker_log, "ab"))
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.mqtt_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"chaos: mosquitto did not start; see {self.broker_log}")

    def start_subscriber(self):
        out = open(self.received, "ab")
        # A fixed client id without a clean session: what is published while it reconnects is queued.
        self.subscriber = subprocess.Popen(
            ["/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.mqtt_port), "-q", "1", "-v", "-c",
             "-i", "passant-chaos", "-t", "passant/+/+/bins"], stdout=out, stderr=subprocess.DEVNULL)

    def restart_broker(self):
        self.broker.send_signal(signal.SIGTERM)
        self.broker.wait(timeout=30)
        self.check_broker_saved()
        time.sleep(random.uniform(0.2, 2.0))
        self.start_broker()
        if self.subscriber.poll() is not None:
            self.start_subscriber()

    def check_broker_saved(self):
        """A broker that cannot save its sessions forgets the subscriber on a restart and drops, after a
        PUBACK to passantd, whatever is published before the subscriber has subscribed again: a loss
        the chaos would wrongly charge to passantd. Stop at once instead."""
        with open(self.broker_log, "rb") as f:
            log = f.read().decode("utf-8", "replace")
        errors = [line for line in log.splitlines() if "Error saving" in line]
        if errors or not os.path.exists(os.path.join(self.broker_dir, "mosquitto.db")):
            raise SystemExit(f"chaos: mosquitto did not save its persistence file in {self.broker_dir} on a "
                             f"graceful stop ({errors[-1] if errors else 'no mosquitto.db'}); see {self.broker_log}")

    def start_server(self):
        log = open(os.path.join(self.work, "sta.log"), "ab")
        self.server = subprocess.Popen([os.path.join(ROOT, "scripts/sensorthings/serve"), str(self.sta_port),
                                        os.path.join(self.work, "sta")], stdout=log, stderr=log)
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                self.sta_rows(top=1)
                return
            except Exception:
                time.sleep(0.3)
        raise SystemExit(f"chaos: the SensorThings server did not answer; see {self.work}/sta.log")

    def restart_server(self):
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=30)
        time.sleep(random.uniform(0.2, 2.0))
        self.start_server()

    def sta_rows(self, top=None):
        rows, skip = [], 0
        while True:
            query = urllib.parse.urlencode({"$select": "id,result,parameters", "$orderby": "resultTime",
                                            "$top": str(top or 100), "$skip": str(skip)})
            with urllib.request.urlopen(self.sta_root + "/Observations?" + query, timeout=60) as reply:
                page = json.load(reply).get("value", [])
            rows += [(o["parameters"]["passant_key"], o["result"]) for o in page]
            skip += len(page)
            if not page or top:
                return rows

    def mqtt_bins(self):
        bins = []
        with open(self.received, "rb") as f:
            for line in f.read().decode("utf-8", "replace").splitlines():
                parts = line.split(" ", 1)
                if len(parts) != 2:
                    continue
                try:
                    bins += json.loads(parts[1]).get("bins", [])
                except ValueError:
                    pass
        return bins

    # MARK: the gateway

    def write_config(self, pty):
        self.config = os.path.join(self.work, "passant.yaml")
        with open(self.config, "w") as f:
            f.write(f"""site: chaos
node: gw
bin_seconds: 60
grace_seconds: 5
control_socket: none
store: {{path: {self.db}}}
sensors:
  - {{name: door, port: {pty}, labels: {{a_to_b: in, b_to_a: out}}}}
uplinks:
  - {{type: mqtt, host: 127.0.0.1, port: {self.mqtt_port}, ack_timeout_s: 10, health_interval_s: 0}}
  - type: sensorthings
    url: {self.sta_root}
    phenomenon_time: start
    timeout_s: 20
    thing: {{longitude: 8.54, latitude: 47.37}}
""")

    def start_daemon(self):
        self.daemon = subprocess.Popen([os.path.join(self.bin, "passantd"), "--config", self.config,
                                        "--sensor-epoch", START], stdout=self.log, stderr=self.log,
                                       stdin=subprocess.DEVNULL)

    def integrity(self):
        if not os.path.exists(self.db):
            return "ok"  # killed before it created the store
        connection = sqlite3.connect(self.db, timeout=10)
        try:
            return ";".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        finally:
            connection.close()

    def stored(self):
        out = subprocess.run([os.path.join(self.bin, "passant"), "export", "--db", self.db], capture_output=True,
                             text=True, check=True).stdout
        bins = [json.loads(line) for line in out.splitlines() if line.strip()]
        return [b for b in bins if "closed-early" not in b.get("flags", [])]


def key(bin):
    return bin.get("key") or f"gw/door/{iso_to_unix(bin['start'])}/{bin.get('seconds', 60)}"


def iso_to_unix(text):
    return int(time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone)


def main():
    parser = argparse.ArgumentParser(description="Kill passantd many times and check that nothing is lost.")
    parser.add_argument("kills", nargs="?", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bin", default=os.environ.get("PASSANT_BIN", os.path.join(ROOT, ".build/debug")))
    parser.add_argument("--max-run", type=float, default=5.0, help="longest life of a passantd before its kill (s)")
    parser.add_argument("--restart-every", type=int, default=25,
                        help="restart the broker every N kills, the SensorThings server every 1.6 N")
    parser.add_argument("--margin", type=float, default=20.0, help="seconds the last passantd counts for")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    # A test runner may start us with SIGTERM blocked; children inherit the mask, and a broker that
    # ignores SIGTERM cannot be restarted gracefully.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    random.seed(args.seed)
    began = time.time()
    work = tempfile.mkdtemp(prefix="passant-chaos.")
    run = Run(args, work)
    sim = None
    try:
        run.start_broker()
        run.start_subscriber()
        run.start_server()
        # Long enough for every kill (mean life, restart, check), the receivers' restarts and a final stretch.
        mean_life = 0.9 * (0.3 + args.max_run) / 2 + 0.1 * 0.15
        wall = args.kills * (mean_life + 0.5) + args.kills / args.restart_every * 2 + args.kills / (args.restart_every * 1.6) * 8
        duration = int(SPEED * (wall * 1.15 + args.margin))
        duration -= duration % 60
        truth = os.path.join(work, "truth.jsonl")
        sim = subprocess.Popen([os.path.join(args.bin, "passant-sim"), "--pty", "--scenario", "moderate",
                                "--speed", str(SPEED), "--duration", str(duration), "--start", START, "--seed",
                                str(args.seed), "--truth", truth], stdout=subprocess.PIPE,
                               stderr=open(os.path.join(work, "sim.log"), "ab"), text=True)
        line = sim.stdout.readline()
        if not line.startswith("pty "):
            raise SystemExit(f"chaos: passant-sim said {line!r}")
        run.write_config(line[4:].strip())

        integrity_failures, broker_restarts, server_restarts = [], 0, 0
        for kill in range(1, args.kills + 1):
            run.start_daemon()
            # Mostly within a few bins; one in ten within start-up (opening the store, the first save).
            life = random.uniform(0.005, 0.3) if random.random() < 0.1 else random.uniform(0.3, args.max_run)
            time.sleep(life)
            run.daemon.send_signal(signal.SIGKILL)
            run.daemon.wait()
            verdict = run.integrity()
            if verdict != "ok":
                integrity_failures.append((kill, verdict))
            if kill % args.restart_every == 0:
                run.restart_broker()
                broker_restarts += 1
            server_every = max(2, int(args.restart_every * 1.6))
            if kill % server_every == server_every // 2:
                run.restart_server()
                server_restarts += 1
            if kill % 20 == 0:
                print(f"chaos: {kill} kills, {time.time() - began:.0f} s", file=sys.stderr, flush=True)
            if sim.poll() is not None:
                raise SystemExit("chaos: the simulation ended before the kills did; raise its duration")

        # The last passantd lives to the end of the simulation and until both receivers hold every bin.
        run.start_daemon()
        sim.wait(timeout=duration / SPEED + 600)
        deadline = time.time() + 240
        while True:
            expected = {key(b): b for b in run.stored()}
            at_broker = {key(b) for b in run.mqtt_bins()}
            at_server = {k.rsplit("/", 1)[0] for k, _ in run.sta_rows()}
            if set(expected) <= at_broker and set(expected) <= at_server:
                break
            if time.time() > deadline:
                break
            time.sleep(1)
        run.daemon.send_signal(signal.SIGTERM)
        run.daemon.wait(timeout=60)
        verdict = run.integrity()
        if verdict != "ok":
            integrity_failures.append(("final", verdict))
        time.sleep(1)

        expected = {key(b): b for b in run.stored()}
        arrived = run.mqtt_bins()
        copies = {}
        for b in arrived:
            copies.setdefault(key(b), []).append(b)
        lost_mqtt = [k for k in expected if k not in copies]
        stray_mqtt = [k for k in copies if k not in expected]
        wrong_mqtt = [k for k, bs in copies.items() if k in expected and any(
            (b["a_to_b"], b["b_to_a"]) != (expected[k]["a_to_b"], expected[k]["b_to_a"]) for b in bs)]
        rows = {}
        for k, result in run.sta_rows():
            rows.setdefault(k, []).append(result)
        lost_sta, duplicated_sta, wrong_sta = [], [], []
        for k, b in expected.items():
            for direction in ("a_to_b", "b_to_a"):
                found = rows.get(f"{k}/{direction}", [])
                if not found:
                    lost_sta.append(f"{k}/{direction}")
                if len(found) > 1:
                    duplicated_sta.append(f"{k}/{direction}")
                if any(int(r) != b[direction] for r in found):
                    wrong_sta.append(f"{k}/{direction}")
        stray_sta = [k for k in rows if k.rsplit("/", 1)[0] not in expected]

        # Counts: bins the kills did not touch against a kill-free replay of the same bytes.
        capture = os.path.join(work, "reference.pcnt")
        subprocess.run([os.path.join(args.bin, "passant-sim"), "--output", capture, "--fast", "--scenario",
                        "moderate", "--duration", str(duration), "--start", START, "--seed", str(args.seed)],
                       check=True, capture_output=True)
        replay = subprocess.run([os.path.join(args.bin, "passant"), "replay", capture, "--start", START,
                                 "--bin-seconds", "60"], check=True, capture_output=True, text=True).stdout
        reference = {}
        for line in replay.splitlines():
            if line.strip():
                b = json.loads(line)
                reference[iso_to_unix(b["start"])] = (b["a_to_b"], b["b_to_a"])
        truth_bins = {}
        for line in open(truth):
            t = json.loads(line)
            if t.get("type") == "bin":
                truth_bins[iso_to_unix(t["start"])] = (t["a_to_b"], t["b_to_a"])
        clean = [b for b in expected.values() if b["coverage"] >= 1 and not TROUBLE & set(b.get("flags", []))]
        differing = [b for b in clean if reference.get(iso_to_unix(b["start"])) != (b["a_to_b"], b["b_to_a"])]
        counted = sum(b["a_to_b"] + b["b_to_a"] for b in clean)
        true = sum(sum(truth_bins.get(iso_to_unix(b["start"]), (0, 0))) for b in clean)

        elapsed = time.time() - began
        failures = (len(lost_mqtt) + len(stray_mqtt) + len(wrong_mqtt) + len(lost_sta) + len(duplicated_sta)
                    + len(wrong_sta) + len(stray_sta) + len(integrity_failures) + len(differing))
        print(f"kills: {args.kills} (passantd SIGKILLed; broker restarted {broker_restarts}x, "
              f"SensorThings server restarted {server_restarts}x)")
        print(f"bins closed in the store: {len(expected)} ({len(clean)} untouched by kills)")
        print(f"MQTT: lost {len(lost_mqtt)}, stray {len(stray_mqtt)}, with other values {len(wrong_mqtt)}; "
              f"{len(arrived)} deliveries of {len(copies)} keys ({len(arrived) - len(copies)} raw repeats, "
              f"dropped by key at the receiver)")
        print(f"SensorThings: lost {len(lost_sta)}, duplicated {len(duplicated_sta)}, with other values "
              f"{len(wrong_sta)}, stray {len(stray_sta)}; {sum(len(v) for v in rows.values())} Observations")
        print(f"integrity_check failures: {len(integrity_failures)} of {args.kills + 1} checks")
        print(f"untouched bins differing from a kill-free replay: {len(differing)} of {len(clean)}")
        print(f"untouched bins against ground truth: counted {counted}, truth {true}")
        # Each faulty bin is charged to a kill (at worst one kill each): an upper bound of failed kills.
        print(f"kills survived with zero lost and zero duplicated bins: "
              f"{max(0, args.kills - failures)} of {args.kills}")
        print(f"time: {elapsed:.0f} s")
        for name, items in [("lost at MQTT", lost_mqtt), ("stray at MQTT", stray_mqtt),
                            ("other values at MQTT", wrong_mqtt), ("lost at SensorThings", lost_sta),
                            ("duplicated at SensorThings", duplicated_sta), ("stray at SensorThings", stray_sta),
                            ("other values at SensorThings", wrong_sta), ("integrity", integrity_failures),
                            ("differing from the replay", [(b["start"], b["a_to_b"], b["b_to_a"],
                                                            reference.get(iso_to_unix(b["start"])))
                                                           for b in differing])]:
            if items:
                print(f"  {name}: {items[:10]}{' …' if len(items) > 10 else ''}")
        if failures:
            args.keep = True
        return 1 if failures else 0
    finally:
        for process in (run.daemon, sim, run.subscriber, run.broker, run.server):
            if process and process.poll() is None:
                process.send_signal(signal.SIGKILL if process is not run.server else signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    sys.exit(main())
