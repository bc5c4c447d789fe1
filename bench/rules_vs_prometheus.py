#!/usr/bin/env python3
"""Rule evaluation, inferwatch against a real Prometheus, same rule file over the same data.

For each target count N and each rule set:

 1. bench/pack_bench (inferwatch) builds the canonical llm_* series of N simulated targets
    (20 scrapes, 15 s apart) in the daemon's store, writes them with --dump-openmetrics, and
    waits (--frozen --eval-start-stdin) with the data in memory. The last scrape is placed at
    now + --lead - --data-age: the set-up below takes minutes at 5,000 targets, and the data must
    still be within Prometheus's 5-minute lookback when the rounds run. Prometheus's evaluations
    before the data is --data-age old are not measured (their outputs may be refused as out of
    bounds, since a head sample may not predate the newest block).
 2. `promtool tsdb create-blocks-from openmetrics` turns the dump into blocks of a fresh TSDB.
 3. Prometheus starts on those blocks (`taskset -c CPU`, evaluation_interval 15s, rule_files = the
    rule file, no scrape configs). The script checks, after the rounds, that Prometheus saw the
    data (series and samples at the data's last timestamp, against pack_bench's counts); it lets
    every group run
    --warmup + 1 times, then measures --rounds rounds: per group the median of
    prometheus_rule_group_last_duration_seconds (their sum over groups is one round), the process
    CPU time over the measured rounds (utime+stime from /proc, read at moments when no group is
    evaluating) divided by the rounds, and peak RSS (VmHWM). Prometheus is then stopped.
 4. pack_bench (pinned to the same CPU) evaluates the same rule file over the data it dumped, at
    the timestamps Prometheus evaluated at (same data age, so the same points fall in each range),
    --warmup rounds before the measured ones, and reports its median round (over all its rounds),
    CPU per round and VmHWM.
 5. Outputs of both engines are compared: samples per round in total and per recorded name.

Rule sets: "bench" is bench/rules/bench-pack.yml; "default" is the default pack compiled to plain
Prometheus groups (`inferwatch rules compile rules/pack/*.yml`). Groups that set their own
`interval` are rewritten to 15s in a copy (both engines get the copy) so that one round is every
group once. Needs: a Release build with the targets pack_bench and inferwatch, and Debian's
prometheus and promtool (2.42 tested). Uses python3's standard library only.

Caveats printed with the table: Prometheus's RSS includes the mmapped blocks and its TSDB head; its
CPU includes everything the process does in those seconds (rule evaluation, appending the outputs
to the head, Go GC, serving this script's polls of /metrics every --poll seconds); pack_bench's
VmHWM includes the simulator payloads and the set-up. Run it on an otherwise idle machine.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from proc_stats import cpu_seconds, status_kib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVAL_INTERVAL_S = 15


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=30):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        raise RuntimeError("%s: HTTP %d: %s" % (url, error.code, error.read().decode()[:500]))


def prom_query(base, expr, at_s):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": "%.3f" % at_s})
    body = json.loads(http_get(url, timeout=300))
    if body.get("status") != "success":
        raise RuntimeError("query %s failed: %s" % (expr, body))
    return body["data"]["result"]


def scalar_result(result):
    return float(result[0]["value"][1]) if result else 0.0


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
GROUP_LABEL = re.compile(r'rule_group="([^"]*)"')


def rule_group_metrics(text):
    """{metric: {rule_group: value}} for the prometheus_rule_group_* series of a /metrics page."""
    out = {}
    for line in text.splitlines():
        if not line.startswith("prometheus_rule_group_"):
            continue
        match = METRIC_LINE.match(line)
        group = GROUP_LABEL.search(match.group(2) or "") if match else None
        if group:
            out.setdefault(match.group(1), {})[group.group(1)] = float(match.group(3))
    return out


def recorded_names(rule_file):
    names = set()
    with open(rule_file) as f:
        for line in f:
            match = re.match(r"^\s*-?\s*record:\s*['\"]?([a-zA-Z_:][a-zA-Z0-9_:]*)", line)
            if match:
                names.add(match.group(1))
    return names


def with_uniform_interval(src, dst):
    """Copies a rule file with every group-level `interval:` set to the evaluation interval."""
    changed = 0
    with open(src) as f, open(dst, "w") as out:
        for line in f:
            if re.match(r"^\s*(-\s+)?interval:\s*\S+", line):
                line = re.sub(r"interval:\s*\S+", "interval: %ds" % EVAL_INTERVAL_S, line)
                changed += 1
            out.write(line)
    return changed


def prepare_rule_sets(args, work):
    sets = {}
    inferwatch = os.path.join(args.build, "inferwatch")
    if "bench" in args.sets:
        sets["bench"] = os.path.join(REPO, "bench", "rules", "bench-pack.yml")
    if "default" in args.sets:
        pack = sorted(os.path.join(REPO, "rules", "pack", f)
                      for f in os.listdir(os.path.join(REPO, "rules", "pack")) if f.endswith(".yml"))
        compiled = subprocess.run([inferwatch, "rules", "compile"] + pack, check=True,
                                  capture_output=True, text=True).stdout
        path = os.path.join(work, "default-pack-compiled.yml")
        with open(path, "w") as f:
            f.write(compiled)
        sets["default"] = path
    prepared = {}
    for name, path in sets.items():
        uniform = os.path.join(work, name + "-15s.yml")
        changed = with_uniform_interval(path, uniform)
        for cmd in ([inferwatch, "rules", "check", uniform], [args.promtool, "check", "rules", uniform]):
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                sys.exit("rule set %s: %s failed:\n%s%s" % (name, " ".join(cmd), result.stdout,
                                                            result.stderr))
        log("rule set %s: %s (%d group intervals set to %ds, %d recorded names)"
            % (name, path, changed, EVAL_INTERVAL_S, len(recorded_names(uniform))))
        prepared[name] = uniform
    return prepared


def parse_kv(line):
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


class PackBench:
    """pack_bench holding the data in memory between the dump and its evaluation rounds."""

    def __init__(self, args, rule_file, targets, end_ms, dump, rounds):
        cmd = ["taskset", "-c", str(args.cpu), os.path.join(args.build, "bench", "pack_bench"),
               "--rules", rule_file, "--frozen", "--eval-start-stdin", "--per-rule",
               "--end-ms", str(end_ms), "--dump-openmetrics", dump, "--rounds", str(rounds),
               str(targets)]
        log("$ " + " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.data = self.dump = None
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            log("  " + line)
            if line.startswith("pack_bench data "):
                self.data = parse_kv(line)
            elif line.startswith("pack_bench dump "):
                self.dump = parse_kv(line)
            elif line == "pack_bench ready":
                return
        sys.exit("pack_bench exited before it was ready (rc %s)" % self.proc.wait())

    def evaluate(self, first_eval_ms):
        self.proc.stdin.write("%d\n" % first_eval_ms)
        self.proc.stdin.close()
        result, outputs = None, {}
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line.startswith("pack_bench output "):
                kv = parse_kv(line)
                outputs[kv["name"]] = int(kv["samples"])
                continue
            log("  " + line)
            if line.startswith("pack_bench targets="):
                result = parse_kv(line)
        if self.proc.wait() != 0 or result is None:
            sys.exit("pack_bench failed")
        return result, outputs


def run_prometheus(args, rule_file, tsdb, work, end_ms, expect, rounds_wanted):
    port = free_port()
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  evaluation_interval: %ds\nrule_files:\n  - %s\n"
                % (EVAL_INTERVAL_S, json.dumps(rule_file)))
    cmd = ["taskset", "-c", str(args.cpu), args.prometheus, "--config.file=" + config,
           "--storage.tsdb.path=" + tsdb, "--storage.tsdb.retention.time=30d",
           "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"]
    log("$ " + " ".join(cmd))
    log_path = os.path.join(work, "prometheus.log")
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT)
    base = "http://127.0.0.1:%d" % port
    try:
        deadline = time.time() + 300
        while True:
            if proc.poll() is not None:
                sys.exit("prometheus exited (rc %d), see %s" % (proc.returncode, log_path))
            try:
                if "Ready" in http_get(base + "/-/ready", timeout=2):
                    break
            except (OSError, RuntimeError):  # refused, or 503 while the TSDB opens
                pass
            if time.time() > deadline:
                sys.exit("prometheus not ready after 300 s, see " + log_path)
            time.sleep(0.5)

        # CPU time is read only at polls where no group is evaluating: a group's next evaluation
        # starts one interval after its last timestamp, and that timestamp is published when the
        # evaluation ends, so "now < timestamp + interval" for every group means all are idle.
        durations = {}  # group -> [seconds per measured evaluation]
        completed = {}  # group -> evaluations completed since cpu_start
        last_ts = {}
        first_measured_s = None
        cpu_start = cpu_end = None
        approximate = False
        missed_start = failures_start = 0.0
        warm_from = None  # evaluations done when the data reached --data-age
        poll_deadline = time.time() + args.timeout
        metrics = {}
        while True:
            metrics = rule_group_metrics(http_get(base + "/metrics"))
            now = time.time()
            iterations = metrics.get("prometheus_rule_group_iterations_total", {})
            missed = metrics.get("prometheus_rule_group_iterations_missed_total", {})
            stamps = metrics.get("prometheus_rule_group_last_evaluation_timestamp_seconds", {})
            lasts = metrics.get("prometheus_rule_group_last_duration_seconds", {})
            idle = bool(stamps) and all(now < stamps[g] + EVAL_INTERVAL_S - 0.2 for g in stamps)
            if (warm_from is None and stamps
                    and min(stamps.values()) >= end_ms / 1000.0 + args.data_age):
                warm_from = {g: iterations[g] - missed.get(g, 0) for g in iterations}
            if warm_from is None:
                pass
            elif cpu_start is None:
                done = [iterations[g] - missed.get(g, 0) - warm_from.get(g, 0) for g in iterations]
                # A Prometheus busier than the interval is never idle: start anyway, one round
                # later, rather than let the data age out of the lookback while waiting.
                if done and (min(done) >= args.warmup + 1 and idle or min(done) >= args.warmup + 2):
                    approximate = not idle
                    cpu_start = cpu_seconds(proc.pid)
                    last_ts = dict(stamps)
                    completed = {g: 0 for g in stamps}
                    missed_start = sum(missed.values())
                    failures_start = sum(
                        metrics.get("prometheus_rule_evaluation_failures_total", {}).values())
            else:
                for group, stamp in stamps.items():
                    if stamp != last_ts.get(group):
                        durations.setdefault(group, []).append(lasts[group])
                        completed[group] = completed.get(group, 0) + 1
                        last_ts[group] = stamp
                        if first_measured_s is None or stamp < first_measured_s:
                            first_measured_s = stamp
                fewest = min(completed.values())
                if fewest >= rounds_wanted and (idle or fewest >= rounds_wanted + 2):
                    # Never idle: a round takes longer than the interval; the CPU figure is then
                    # only as good as the rounds are many.
                    approximate = approximate or not idle
                    cpu_end = cpu_seconds(proc.pid)
                    break
            if time.time() > poll_deadline:
                sys.exit("prometheus: groups did not run %d+%d times in %d s"
                         % (args.warmup, rounds_wanted, args.timeout))
            time.sleep(args.poll)

        rounds = sum(completed.values()) / len(completed)
        memory = {key: kib / 1024.0 for key, kib in
                  status_kib(proc.pid, "VmHWM", "VmRSS", "RssAnon", "RssFile").items()}
        # The data as Prometheus sees it, at the last scrape, where no rule output exists (outputs
        # are only ever written after it). Asked after the rounds, since these queries take a
        # minute at 5,000 targets and the data must stay fresh for the rounds, and after VmHWM.
        at = end_ms / 1000.0
        # count_over_time drops the metric name, so samples are counted one name at a time.
        names = [row["metric"]["__name__"]
                 for row in prom_query(base, 'group by (__name__) ({__name__=~"llm_.+"})', at)]
        seen = {
            "series": scalar_result(prom_query(base, 'count({__name__=~"llm_.+"})', at)),
            "samples": sum(scalar_result(prom_query(base, "sum(count_over_time(%s[10m]))" % n, at))
                           for n in names),
        }
        log("  prometheus sees series=%d samples=%d (pack_bench: series=%s samples=%s)"
            % (seen["series"], seen["samples"], expect["series"], expect["samples"]))
        out_series = {}
        names = recorded_names(rule_file)
        if names:
            regex = "|".join(re.escape(n) for n in sorted(names))
            stamp = max(last_ts.values())
            for row in prom_query(base, 'count by (__name__) ({__name__=~"%s"})' % regex, stamp):
                out_series[row["metric"]["__name__"]] = int(float(row["value"][1]))
        failures = sum(metrics.get("prometheus_rule_evaluation_failures_total", {}).values()) \
            - failures_start
        samples = metrics.get("prometheus_rule_group_last_evaluation_samples", {})
        return {
            "seen": seen,
            "round_ms": 1000 * sum(statistics.median(d) for d in durations.values()),
            "round_ms_min": 1000 * sum(min(d) for d in durations.values()),
            "cpu_ms": 1000 * (cpu_end - cpu_start) / rounds,
            "rounds": rounds,
            "cpu_approximate": approximate,
            "missed_iterations": sum(missed.values()) - missed_start,
            "groups": len(durations),
            "outputs": int(sum(samples.values())),
            "out_series": out_series,
            "recorded": sorted(names),
            "failures": failures,
            # The first measured round; the warm-up rounds came one interval apart before it.
            "first_eval_ms": int((first_measured_s - args.warmup * EVAL_INTERVAL_S) * 1000),
            "memory": memory,
        }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_one(args, set_name, rule_file, targets, work):
    log("== %s, %d targets" % (set_name, targets))
    dump = os.path.join(work, "dump-%s-%d.om" % (set_name, targets))
    tsdb = os.path.join(work, "tsdb-%s-%d" % (set_name, targets))
    # The dump, promtool and Prometheus's start take minutes at 5,000 targets: the data is placed
    # that much in the future so that it is --data-age old when the warm-up rounds begin, and
    # Prometheus's rounds before that are ignored.
    lead_s = args.lead if args.lead is not None else 0.05 * targets
    end_ms = int((time.time() + lead_s - args.data_age) * 1000)
    bench = PackBench(args, rule_file, targets, end_ms, dump, args.warmup + args.rounds)
    started = time.time()
    cmd = [args.promtool, "tsdb", "create-blocks-from", "openmetrics", dump, tsdb]
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    log("  blocks created in %.1f s" % (time.time() - started))
    if not args.keep:
        os.remove(dump)
    expect = {"series": bench.data["series"], "samples": bench.data["samples"]}
    prom = run_prometheus(args, rule_file, tsdb, work, end_ms, expect, args.rounds)
    if not args.keep:
        shutil.rmtree(tsdb, ignore_errors=True)
    # The same timestamps as Prometheus's evaluations, warm-up included, so both engines see the
    # same data age and the same earlier outputs of recorded rules.
    iw, iw_outputs = bench.evaluate(prom["first_eval_ms"])
    return {
        "set": set_name, "targets": targets, "prom": prom, "iw": iw, "iw_outputs": iw_outputs,
        "data": bench.data, "data_age_s": (prom["first_eval_ms"] - end_ms) / 1000.0,
    }


def report(results):
    print()
    print("| rule set | targets | series | samples (iw / prom) | data age at 1st eval | "
          "round ms iw | round ms prom | prom/iw | CPU ms/round iw | CPU ms/round prom | prom/iw | "
          "peak RSS MiB iw | peak RSS MiB prom (anon) | prom/iw | outputs/round iw / prom |")
    print("|" + " --- |" * 15)
    for r in results:
        iw, prom = r["iw"], r["prom"]
        iw_round, iw_cpu, iw_hwm = (float(iw["round_ms_median"]), float(iw["cpu_ms_median"]),
                                    float(iw["hwm_MiB"]))
        print("| %s | %d | %s | %s / %d | %.0f s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | "
              "%.0f | %.0f (%.0f) | %.2f | %s / %d |" % (
                  r["set"], r["targets"], r["data"]["series"], r["data"]["samples"],
                  prom["seen"]["samples"], r["data_age_s"], iw_round, prom["round_ms"],
                  prom["round_ms"] / iw_round, iw_cpu, prom["cpu_ms"], prom["cpu_ms"] / iw_cpu,
                  iw_hwm, prom["memory"]["VmHWM"], prom["memory"].get("RssAnon", 0),
                  prom["memory"]["VmHWM"] / iw_hwm, iw["outputs"], prom["outputs"]))
    print()
    for r in results:
        prom = r["prom"]
        problems = []
        if int(prom["seen"]["series"]) != int(r["data"]["series"]):
            problems.append("series: pack_bench %s, prometheus %d"
                            % (r["data"]["series"], prom["seen"]["series"]))
        if int(prom["seen"]["samples"]) != int(r["data"]["samples"]):
            problems.append("samples: pack_bench %s, prometheus %d"
                            % (r["data"]["samples"], prom["seen"]["samples"]))
        if r["data_age_s"] > 240:
            problems.append("data %.0f s old at the first round: ranges nearly empty, raise --lead"
                            % r["data_age_s"])
        if prom["cpu_approximate"] or prom["missed_iterations"]:
            problems.append("prometheus rounds longer than the interval (%d missed iterations): "
                            "its CPU per round is approximate" % prom["missed_iterations"])
        if prom["failures"]:
            problems.append("prometheus rule evaluation failures: %d" % prom["failures"])
        names = set(prom["recorded"])
        differ = sorted(n for n in names
                        if prom["out_series"].get(n, 0) != r["iw_outputs"].get(n, 0))
        print("%s/%d: output series prometheus %d, inferwatch %d, in %d recorded names "
              "(%d names differ)%s" % (
                  r["set"], r["targets"], sum(prom["out_series"].values()),
                  sum(r["iw_outputs"].get(n, 0) for n in names),
                  len(names), len(differ), "; " + "; ".join(problems) if problems else ""))
        for n in differ[:10]:
            print("    %s: prometheus %d, inferwatch %d"
                  % (n, prom["out_series"].get(n, 0), r["iw_outputs"].get(n, 0)))
    print()
    print("Round: sum over groups of the per-group median evaluation time (Prometheus: "
          "prometheus_rule_group_last_duration_seconds; inferwatch: median of whole rounds).")
    print("CPU: process CPU time over the measured rounds / rounds. RSS: VmHWM of each process; "
          "Prometheus's includes mmapped blocks (anon part in brackets).")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: python3 bench/rules_vs_prometheus.py --build build-bench --targets 100 1000")
    parser.add_argument("--build", default=os.path.join(REPO, "build"),
                        help="build dir with inferwatch and bench/pack_bench (default: build)")
    parser.add_argument("--targets", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--sets", nargs="+", choices=["bench", "default"],
                        default=["bench", "default"], help="rule sets (default: both)")
    parser.add_argument("--rounds", type=int, default=4, help="measured rounds (default 4)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds before the measured ones (default 1); Prometheus runs one "
                        "more before the script reads its CPU time at an idle moment")
    parser.add_argument("--data-age", type=int, default=30,
                        help="seconds between the last data point and the evaluations, before "
                        "the warm-up (default 30)")
    parser.add_argument("--lead", type=float,
                        help="seconds the set-up (dump, promtool, Prometheus start) is expected "
                        "to take; the data is shifted forward by that much (default: 0.05 s per "
                        "target)")
    parser.add_argument("--cpu", type=int, default=1, help="CPU both engines are pinned to")
    parser.add_argument("--poll", type=float, default=3.0, help="seconds between /metrics polls")
    parser.add_argument("--timeout", type=int, default=900,
                        help="seconds to wait for Prometheus's rounds (default 900)")
    parser.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    parser.add_argument("--promtool", default=shutil.which("promtool") or "/usr/bin/promtool")
    parser.add_argument("--workdir", help="where dumps and TSDBs go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep dumps, TSDBs and the work dir")
    parser.add_argument("--json", help="also write the raw results to this file")
    args = parser.parse_args()
    args.build = os.path.abspath(args.build)
    for tool in (os.path.join(args.build, "inferwatch"), os.path.join(args.build, "bench", "pack_bench"),
                 args.prometheus, args.promtool):
        if not os.access(tool, os.X_OK):
            sys.exit("missing %s (build: cmake --build %s --target inferwatch pack_bench)"
                     % (tool, args.build))

    work = args.workdir or tempfile.mkdtemp(prefix="rules_vs_prometheus.")
    os.makedirs(work, exist_ok=True)
    log("work dir " + work)
    results = []
    try:
        rule_sets = prepare_rule_sets(args, work)
        for targets in args.targets:
            for set_name, rule_file in rule_sets.items():
                results.append(run_one(args, set_name, rule_file, targets, work))
                if args.json:
                    with open(args.json, "w") as f:
                        json.dump(results, f, indent=1)
    finally:
        if results:
            report(results)
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
