#!/usr/bin/env python3
"""Scenario tests of the default rule pack through the daemon and the simulator (issue #5).

For each engine that has the series a finding needs, one `inferwatch simulate` server per
scenario is scraped by its own `inferwatch --config.file` daemon, so that targets never compare
with one another (replica_imbalance). Everything runs on loopback. The pack is copied with its
`for` durations and range windows shortened (5m -> 20s, 10m and 15m -> 30s), so that findings
settle within seconds; the thresholds are unchanged.

Each loaded scenario must raise its bottleneck and one fitting recommendation within the timeout.
`healthy` must raise no bottleneck, and must score a higher llm_health_score than every loaded
scenario on the same engine.

Exit codes: 0 pass, 1 fail, 77 skipped (a piece it needs is missing, named on stdout).
usage: scenarios_test.py --inferwatch BIN --pack DIR --work-dir DIR [--timeout S] [--only ENGINE]
"""
import argparse
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

SKIP = 77

# engine -> scenario -> (bottleneck, recommendations of which one must stand; empty: none fits).
# Errors are not a tuning problem, so `errors` expects no recommendation.
CASES = {
    "vllm": {
        "kv-pressure": ("kv_cache_pressure", {"raise_gpu_memory_utilization", "enable_fp8_kv_cache"}),
        "queue-buildup": ("queue_buildup", {"add_replicas", "raise_max_num_seqs"}),
        "prefill-bound": ("prefill_bound", {"raise_max_num_batched_tokens"}),
        "decode-bound": ("decode_bound", {"tune_chunked_prefill_size"}),
        "errors": ("error_rate", set()),
    },
    "sglang": {
        "kv-pressure": ("kv_cache_pressure", {"raise_gpu_memory_utilization", "enable_fp8_kv_cache"}),
        "queue-buildup": ("queue_buildup", {"add_replicas", "raise_max_num_seqs"}),
        "prefill-bound": ("prefill_bound", {"tune_chunked_prefill_size"}),
        "decode-bound": ("decode_bound", {"tune_chunked_prefill_size"}),
        "errors": ("error_rate", set()),
    },
    # TGI has no KV gauge and no TTFT histogram: only the queue and error findings apply.
    "tgi": {
        "queue-buildup": ("queue_buildup",
                          {"add_replicas", "raise_max_num_seqs", "tune_schedule_conservativeness"}),
        "errors": ("error_rate", set()),
    },
}

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def log(message):
    print(f"[scenarios {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scrape(url):
    """Parses a text exposition into (name, labels, value) tuples."""
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read().decode()
    samples = []
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            continue
        labels = dict(LABEL.findall(match.group(2) or ""))
        try:
            samples.append((match.group(1), labels, float(match.group(3))))
        except ValueError:
            continue
    return samples


def shorten_pack(pack_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for path in glob.glob(os.path.join(pack_dir, "*.yml")):
        with open(path) as f:
            text = f.read()
        text = re.sub(r"^(\s*(?:-\s+)?for:\s*)\S+", r"\g<1>3s", text, flags=re.M)
        text = text.replace("[5m]", "[20s]").replace("[10m]", "[30s]").replace("[15m]", "[30s]")
        with open(os.path.join(out_dir, os.path.basename(path)), "w") as f:
            f.write(text)


class Case:
    def __init__(self, engine, scenario, expected):
        self.engine, self.scenario = engine, scenario
        self.bottleneck, self.recommendations = expected if expected else (None, set())
        self.name = f"{engine}/{scenario}"
        self.sim_port, self.daemon_port = free_port(), free_port()
        self.procs = []
        self.active, self.standing, self.health = set(), set(), None
        self.no_change = set()  # recommendations seen standing with suggested == current
        self.passed = False

    def start(self, inferwatch, pack_dir, work_dir):
        directory = os.path.join(work_dir, f"{self.engine}-{self.scenario}")
        os.makedirs(directory, exist_ok=True)
        config = os.path.join(directory, "inferwatch.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "  evaluation_interval: 1s\n"
                    f"rule_files: ['{pack_dir}/*.yml']\n"
                    f"scrape_configs:\n  - job_name: sim\n    engine: {self.engine}\n"
                    f"    static_configs:\n      - targets: ['127.0.0.1:{self.sim_port}']\n")
        self.sim_log = open(os.path.join(directory, "simulate.log"), "w")
        self.daemon_log = open(os.path.join(directory, "daemon.log"), "w")
        self.procs.append(subprocess.Popen(
            [inferwatch, "simulate", f"--engine={self.engine}", f"--scenario={self.scenario}",
             f"--listen=127.0.0.1:{self.sim_port}", "--speed=4"],
            stdout=self.sim_log, stderr=subprocess.STDOUT))
        self.procs.append(subprocess.Popen(
            [inferwatch, f"--config.file={config}",
             f"--web.listen-address=127.0.0.1:{self.daemon_port}", "--log.level=warn"],
            stdout=self.daemon_log, stderr=subprocess.STDOUT))

    def poll(self):
        try:
            samples = scrape(f"http://127.0.0.1:{self.daemon_port}/metrics")
        except OSError:
            return
        self.active = {labels.get("bottleneck") for name, labels, value in samples
                       if name == "llm_bottleneck_active" and value == 1}
        standing = [labels for name, labels, value in samples
                    if name == "llm_recommendation_info" and value == 1]
        self.standing = {labels.get("recommendation") for labels in standing}
        # Advice must change something: a suggestion equal to the current value is a defect.
        self.no_change |= {f"{labels.get('recommendation')} ({labels.get('parameter')}="
                           f"{labels.get('current')})"
                           for labels in standing
                           if "current" in labels and labels["current"] == labels.get("suggested")}
        scores = [value for name, _, value in samples if name == "llm_health_score"]
        self.health = scores[0] if scores else None
        if self.bottleneck is None:
            return
        recommended = not self.recommendations or bool(self.recommendations & self.standing)
        # The health group reads the bottleneck outputs of the previous round, so it lags them by
        # one evaluation: wait for both rather than judge one snapshot.
        self.passed = (self.bottleneck in self.active and recommended
                       and self.health is not None and self.health < 100)

    def lint(self, inferwatch):
        """What `inferwatch parse --lint` finds in the daemon's own /metrics: nothing, or the
        findings (a family without HELP, a name against the conventions)."""
        url = f"http://127.0.0.1:{self.daemon_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read()
        result = subprocess.run([inferwatch, "parse", "--lint", "-"], input=body,
                                capture_output=True)
        return [line for line in result.stdout.decode().splitlines() if line.startswith("-:")]

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inferwatch", required=True)
    parser.add_argument("--pack", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--only", help="run one engine's cases")
    args = parser.parse_args()

    if not os.access(args.inferwatch, os.X_OK):
        print(f"SKIP: {args.inferwatch} is not built")
        return SKIP
    shutil.rmtree(args.work_dir, ignore_errors=True)
    pack_dir = os.path.join(args.work_dir, "pack")
    shorten_pack(args.pack, pack_dir)

    cases = []
    for engine, scenarios in CASES.items():
        if args.only and engine != args.only:
            continue
        cases.append(Case(engine, "healthy", None))
        cases.extend(Case(engine, scenario, expected) for scenario, expected in scenarios.items())
    try:
        for case in cases:
            case.start(args.inferwatch, pack_dir, args.work_dir)
        deadline = time.time() + args.timeout
        healthy_watch_until = time.time() + min(args.timeout, 60)
        while time.time() < deadline:
            time.sleep(3)
            for case in cases:
                case.poll()
            loaded_done = all(case.passed for case in cases if case.bottleneck)
            if loaded_done and time.time() >= healthy_watch_until:
                break
        # The daemon's own output must pass its own lint (every family with HELP, conventional
        # names), with every section's series in it.
        lint_findings = cases[-1].lint(args.inferwatch) if cases else []
    finally:
        for case in cases:
            case.stop()

    failures = []
    for case in cases:
        log(f"{case.name}: active={sorted(case.active)} recommended={sorted(case.standing)} "
            f"health={case.health}")
        if case.bottleneck and not case.passed:
            failures.append(f"{case.name}: expected bottleneck {case.bottleneck} and one of "
                            f"{sorted(case.recommendations) or 'no recommendation'}")
        if case.no_change:
            failures.append(f"{case.name}: suggested the current value: {sorted(case.no_change)}")
    for engine in {case.engine for case in cases}:
        healthy = next(c for c in cases if c.engine == engine and c.bottleneck is None)
        if healthy.active:
            failures.append(f"{healthy.name}: raised {sorted(healthy.active)}")
        if healthy.health is None:
            failures.append(f"{healthy.name}: no llm_health_score")
            continue
        for case in cases:
            if case.engine == engine and case.bottleneck and case.health is not None \
                    and case.health >= healthy.health:
                failures.append(f"{case.name}: health {case.health} not below healthy's "
                                f"{healthy.health}")
    failures.extend(f"{cases[-1].name}: /metrics lint: {finding}" for finding in lint_findings)
    for failure in failures:
        log(f"FAIL {failure}")
    if not failures:
        log(f"PASS {len(cases)} cases")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
