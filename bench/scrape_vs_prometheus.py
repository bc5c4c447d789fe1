#!/usr/bin/env python3
"""Scrape and ingest cost of the inferwatch daemon against a real Prometheus, same targets, same run.

For each fleet size N, one `inferwatch simulate --fleet=N` process (pinned to --fleet-cpu) serves
N simulated vLLM servers. Then, one after the other, the inferwatch daemon and Prometheus scrape
all of them every --interval seconds, each pinned alone to --scraper-cpu. After a warm-up the
harness measures over a steady-state window:

  - CPU seconds of the scraper (utime + stime from /proc/<pid>/stat) per 1,000 samples, where
    samples are those the fleet served to that scraper within the window;
  - peak resident memory (VmHWM from /proc/<pid>/status) per target;
  - scrape lateness as the fleet measured it: |time between successive scrapes of a target -
    interval|, p50/p99/max, computed identically for both scrapers.

Python 3 standard library only. Example:

  python3 bench/scrape_vs_prometheus.py --targets 100 1000 --duration 120
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from proc_stats import cpu_seconds, status_kib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def wait_until(check, timeout, what):
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            if check():
                return
        except OSError as error:  # not listening yet
            last_error = error
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what} ({last_error})")


def stop(process, timeout=30):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fleet_stats(port, reset):
    body = http_get(f"http://127.0.0.1:{port}/stats" + ("?reset=1" if reset else ""))
    return json.loads(body)


def inferwatch_config(workdir, sd_file, interval, timeout):
    path = os.path.join(workdir, "inferwatch.yml")
    with open(path, "w") as f:
        f.write(f"""global:
  scrape_interval: {interval}s
  scrape_timeout: {timeout}s
scrape_configs:
  - job_name: fleet
    engine: vllm
    file_sd_configs:
      - files: ['{sd_file}']
""")
    return path


def prometheus_config(workdir, sd_file, interval, timeout):
    path = os.path.join(workdir, "prometheus.yml")
    with open(path, "w") as f:
        f.write(f"""global:
  scrape_interval: {interval}s
  scrape_timeout: {timeout}s
scrape_configs:
  - job_name: fleet
    file_sd_configs:
      - files: ['{sd_file}']
""")
    return path


def target_health(api_port):
    """Targets the scraper itself reports healthy (same /api/v1/targets shape for both), and the
    most common errors of the others."""
    body = json.loads(http_get(f"http://127.0.0.1:{api_port}/api/v1/targets", timeout=60))
    up, errors = 0, {}
    for target in body["data"]["activeTargets"]:
        if target.get("health") == "up":
            up += 1
        elif target.get("lastError"):
            errors[target["lastError"]] = errors.get(target["lastError"], 0) + 1
    top = sorted(errors.items(), key=lambda item: -item[1])[:3]
    return up, {error: count for error, count in top}


def run_queue_wait_seconds(pid):
    """Time the scraper's threads spent runnable but waiting for the CPU (/proc schedstat), which
    shows when other processes on the same core, not the scraper, set the pace."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass  # thread ended meanwhile
    return total / 1e9


def run_phase(name, command, api_port, ready_url, fleet_port, args, log_path):
    """Starts one scraper, waits for warm-up, measures one window, stops it."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            ["taskset", "-c", str(args.scraper_cpu)] + command,
            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: http_get(ready_url, timeout=2) is not None, 60, f"{name} to start")
        time.sleep(args.warmup)
        fleet_stats(fleet_port, reset=True)
        cpu_start = cpu_seconds(process.pid)
        wait_start = run_queue_wait_seconds(process.pid)
        start = time.monotonic()
        time.sleep(args.duration)
        cpu_end = cpu_seconds(process.pid)
        wait_end = run_queue_wait_seconds(process.pid)
        window = time.monotonic() - start
        stats = fleet_stats(fleet_port, reset=True)
        hwm = status_kib(process.pid, "VmHWM")["VmHWM"]
        rss = status_kib(process.pid, "VmRSS")["VmRSS"]
        up, errors = target_health(api_port)
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early, see {log_path}")
    finally:
        stop(process)
    scraper = stats["scrapers"].get(name, {})
    return {
        "scraper": name,
        "window_s": window,
        "cpu_s": cpu_end - cpu_start,
        "vm_hwm_kib": hwm,
        "vm_rss_kib": rss,
        "run_queue_wait_s": wait_end - wait_start,
        "targets_up": up,
        "errors": errors,
        "scrapes": scraper.get("scrapes", 0),
        "samples": scraper.get("samples", 0),
        "bytes": scraper.get("bytes", 0),
        "lateness_s": scraper.get("lateness_seconds", {"p50": 0, "p99": 0, "max": 0}),
        "intervals": scraper.get("intervals", 0),
        "intervals_off_by_half": scraper.get("intervals_off_by_half", 0),
    }


def run_size(n, args):
    workdir = tempfile.mkdtemp(prefix=f"scrapebench-{n}-")
    sd_file = os.path.join(workdir, "targets.json")
    fleet_port = free_port()
    fleet_log = open(os.path.join(workdir, "fleet.log"), "w")
    fleet = subprocess.Popen(
        ["taskset", "-c", str(args.fleet_cpu), args.inferwatch, "simulate", f"--fleet={n}",
         f"--engine={args.engine}", "--scenario=healthy", f"--listen=0.0.0.0:{fleet_port}",
         f"--interval={args.interval}", f"--padding={args.padding}", f"--sd-file={sd_file}"],
        stdout=fleet_log, stderr=subprocess.STDOUT)
    results = []
    try:
        wait_until(lambda: os.path.exists(sd_file) and fleet_stats(fleet_port, False), 300,
                   "the fleet to start")
        sample = http_get(f"http://127.0.0.1:{fleet_port}/targets/0/metrics").decode()
        per_target = sum(1 for line in sample.splitlines() if line and not line.startswith("#"))
        print(f"# N={n}: fleet on port {fleet_port}, {per_target} samples/target, "
              f"{len(sample)} bytes/target, workdir {workdir}", flush=True)
        timeout = min(10, args.interval)
        for scraper in args.scrapers:
            if scraper == "inferwatch":
                port = free_port()
                config = inferwatch_config(workdir, sd_file, args.interval, timeout)
                command = [args.inferwatch, f"--config.file={config}",
                           f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
                ready = f"http://127.0.0.1:{port}/-/healthy"
            else:
                port = free_port()
                config = prometheus_config(workdir, sd_file, args.interval, timeout)
                data = os.path.join(workdir, "prometheus-data")
                command = [args.prometheus, f"--config.file={config}",
                           f"--storage.tsdb.path={data}",
                           f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
                ready = f"http://127.0.0.1:{port}/-/ready"
            result = run_phase(scraper, command, port, ready, fleet_port, args,
                               os.path.join(workdir, f"{scraper}.log"))
            result["targets"] = n
            result["samples_per_target"] = per_target
            results.append(result)
            report_row(result, args)
    finally:
        stop(fleet)
        fleet_log.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


HEADER = ("| N | scraper | CPU s / 1k samples | CPU % of a core | peak RSS / target (KiB) | "
          "peak RSS (MiB) | targets up | scrapes / expected | lateness p50 / p99 / max (s) | "
          "intervals off by > interval/2 | run-queue wait % |")


def report_row(r, args):
    n = r["targets"]
    per_1k = r["cpu_s"] / (r["samples"] / 1000) if r["samples"] else float("nan")
    expected = n * r["window_s"] / args.interval
    late = r["lateness_s"]
    print(f"| {n} | {r['scraper']} | {per_1k:.4f} | {100 * r['cpu_s'] / r['window_s']:.1f} | "
          f"{r['vm_hwm_kib'] / n:.1f} | {r['vm_hwm_kib'] / 1024:.1f} | "
          f"{r['targets_up']} | {r['scrapes']} / {expected:.0f} | "
          f"{late['p50']:.3f} / {late['p99']:.3f} / {late['max']:.3f} | "
          f"{r['intervals_off_by_half']} of {r['intervals']} | "
          f"{100 * r['run_queue_wait_s'] / r['window_s']:.1f} |", flush=True)
    if r["errors"]:
        print(f"#   {r['scraper']} errors: {r['errors']}", flush=True)


def report_ratios(results):
    print("\n| N | CPU per sample, inferwatch / Prometheus | peak RSS, inferwatch / Prometheus |")
    print("| --- | --- | --- |")
    by_n = {}
    for r in results:
        by_n.setdefault(r["targets"], {})[r["scraper"]] = r
    for n, pair in sorted(by_n.items()):
        iw, prom = pair.get("inferwatch"), pair.get("prometheus")
        if not iw or not prom or not iw["samples"] or not prom["samples"]:
            continue
        cpu = (iw["cpu_s"] / iw["samples"]) / (prom["cpu_s"] / prom["samples"])
        mem = iw["vm_hwm_kib"] / prom["vm_hwm_kib"]
        print(f"| {n} | {cpu:.2f} | {mem:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--duration", type=float, default=120,
                        help="seconds measured per scraper after the warm-up")
    parser.add_argument("--warmup", type=float, default=30,
                        help="seconds before measuring (at least one interval)")
    parser.add_argument("--interval", type=float, default=15)
    parser.add_argument("--padding", type=int, default=340,
                        help="extra counter samples per target (vLLM dialect has ~160)")
    parser.add_argument("--engine", default="vllm")
    parser.add_argument("--scrapers", nargs="+", default=["inferwatch", "prometheus"],
                        choices=["inferwatch", "prometheus"])
    parser.add_argument("--inferwatch",
                        default=os.path.join(ROOT, "build-scrapebench", "inferwatch"))
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    parser.add_argument("--fleet-cpu", type=int, default=0)
    parser.add_argument("--scraper-cpu", type=int, default=1)
    parser.add_argument("--json", help="also write the raw results here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args()
    if args.warmup < args.interval:
        parser.error("--warmup must cover at least one --interval")
    for binary in (args.inferwatch, args.prometheus, shutil.which("taskset")):
        if not binary or not os.access(binary, os.X_OK):
            parser.error(f"not executable: {binary}")

    print(HEADER)
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    results = []
    for n in args.targets:
        results += run_size(n, args)
    report_ratios(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
