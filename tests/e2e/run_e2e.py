#!/usr/bin/env python3
"""End-to-end test: simulated inference servers -> inferwatch -> real Prometheus -> real
Alertmanager -> a webhook this test runs (issue #6).

Everything listens on loopback, on free ports, in a temporary directory; every process is killed
at the end. The alert rules are alerts/inferwatch-alerts.yml and the Alertmanager configuration
is alerts/alertmanager.yml, templated only to shorten durations and to point the receivers at
the test's webhook; the rule pack is rules/pack/*.yml with its `for` durations shortened.

Asserts:
  1. under `kv-pressure` the KV-cache alert reaches the webhook with its labels and annotations
     (evidence in the description, runbook_url), and llm_recommendation_info names the
     parameter to change;
  2. under `healthy` no bottleneck or SLO alert fires (and its bottlenecks are evaluated, at 0);
  3. every dashboard panel query, with variables substituted, runs against Prometheus without
     error, and the panels listed in EXPECT_DATA return data;
  4. when the kv-pressure server stops, InferwatchTargetDown reaches the webhook and the target's
     bottleneck alerts show as inhibited in Alertmanager's /api/v2/alerts.

Exit codes: 0 pass, 1 fail, 77 skipped because a piece it needs is not built yet (ctest
SKIP_RETURN_CODE), with the missing piece named.
usage: run_e2e.py --inferwatch BIN --repo ROOT [--prometheus BIN] [--alertmanager BIN] [--keep]
"""
import argparse
import glob
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

SKIP = 77
KV_ALERT = "InferwatchKVCachePressure"
# Panels that must return data with one kv-pressure and one healthy simulated vLLM server.
# (Panels on GPU series need a DCGM target; SLO burn alerts and recommendations-over-time
# depend on the scenario, so they only have to run without error.)
EXPECT_DATA = {
    "inferwatch-fleet": ["Targets up", "Targets down", "Active bottlenecks",
                         "Health score per target", "Generated tokens/s by model",
                         "Requests/s by model and outcome", "TTFT p95 by model",
                         "Running requests by target", "KV cache usage by target"],
    "inferwatch-instance": ["Health score", "Scrape up", "Engine and configuration",
                            "Token throughput", "Requests by outcome", "TTFT percentiles",
                            "Inter-token latency percentiles", "End-to-end latency percentiles",
                            "Queue and running", "KV cache usage and forecast",
                            "Active findings on this target",
                            "Recommended changes for this target"],
    "inferwatch-findings": ["Active findings", "Evidence", "Recommended parameter changes",
                            "Findings history", "Health score"],
    "inferwatch-slos": ["Objectives", "SLI per window", "Burn rate per window",
                        "Error budget remaining"],
    "inferwatch-self": ["Target scrape state", "Scrape duration", "Samples per scrape",
                        "Rule group evaluation time", "Time since last rule evaluation",
                        "Last reload successful", "inferwatch build", "Short-term store"],
}


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def log(message):
    print(f"[e2e {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url, timeout=3):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(description, check, timeout, interval=1.0):
    """Polls check() until it returns a truthy value or the timeout passes (bounded)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (OSError, urllib.error.URLError, ValueError, KeyError) as error:
            last_error = error
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {description}"
                  + (f" (last error: {last_error})" if last_error else ""))


class Processes:
    def __init__(self, workdir):
        self.workdir = workdir
        self.running = {}

    def start(self, name, argv):
        log_path = os.path.join(self.workdir, f"{name}.log")
        handle = open(log_path, "w")
        process = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT,
                                   cwd=self.workdir, start_new_session=True)
        self.running[name] = (process, handle, log_path)
        return process

    def tail(self, name, lines=25):
        _, _, path = self.running[name]
        try:
            return "".join(open(path).readlines()[-lines:])
        except OSError:
            return ""

    def exited(self, name):
        process = self.running[name][0]
        return process.poll() is not None

    def stop(self, name):
        process, handle, _ = self.running[name]
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        handle.close()

    def stop_all(self):
        for name in list(self.running):
            self.stop(name)


class Webhook:
    """Alertmanager webhook receiver: keeps every notification with the path it came to."""

    def __init__(self):
        self.notifications = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with outer.lock:
                    outer.notifications.append((self.path, body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def alerts(self):
        with self.lock:
            return [(path, alert) for path, body in self.notifications
                    for alert in body.get("alerts", [])]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"

    def query(self, expr):
        url = f"{self.base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            body = json.loads(http_get(url, timeout=10))
        except urllib.error.HTTPError as error:
            body = json.loads(error.read().decode() or "{}")
        if body.get("status") != "success":
            raise Failure(f"query failed: {expr}\n  {body.get('errorType')}: {body.get('error')}")
        return body["data"]["result"]


# ---------------------------------------------------------------------------------------------
def preflight(args, workdir):
    for name, path in (("inferwatch", args.inferwatch), ("prometheus", args.prometheus),
                       ("alertmanager", args.alertmanager)):
        if not path or not os.access(path, os.X_OK):
            raise Failure(f"{name} binary not found ({path}); build it first")
    pack = sorted(glob.glob(os.path.join(args.repo, "rules", "pack", "*.yml")))
    if not pack:
        raise Skip("the default rule pack rules/pack/*.yml does not exist yet")
    for sub in ("simulate", None):
        argv = [args.inferwatch] + ([sub] if sub else []) + ["--help"]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=workdir)
        text = proc.stdout + proc.stderr
        if "not implemented" in text:
            raise Skip(f"`inferwatch {sub or '(daemon)'}` is not implemented yet: {text.strip()}")
    return pack


def shorten_rule_pack(pack, workdir):
    """Copies the rule pack with every `for:` at 2s so findings hold within seconds."""
    out_dir = os.path.join(workdir, "pack")
    os.makedirs(out_dir)
    for path in pack:
        text = open(path).read()
        text = re.sub(r"^(\s*(?:-\s+)?for:\s*)\S+", r"\g<1>2s", text, flags=re.M)
        with open(os.path.join(out_dir, os.path.basename(path)), "w") as handle:
            handle.write(text)
    return os.path.join(out_dir, "*.yml")


def write_configs(args, workdir, ports, targets, rule_glob, webhook_port):
    daemon = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [rule_glob],
        "scrape_configs": [{
            "job_name": "e2e-llm",
            "engine": "auto",
            "static_configs": [{
                "targets": [targets["kv"], targets["healthy"]],
                "labels": {"cluster": "e2e"},
                "facts": {"gpu_model": "NVIDIA H100 80GB HBM3", "gpu_count": 1,
                          "gpu_memory_bytes": "80GiB", "tensor_parallel_size": 1,
                          "model_params": 8e9},
            }],
        }],
    }
    alerts = open(os.path.join(args.repo, "alerts", "inferwatch-alerts.yml")).read()
    alerts = re.sub(r"^(\s*for:\s*)\S+", r"\g<1>2s", alerts, flags=re.M)
    alerts = re.sub(r"^(\s*keep_firing_for:\s*)\S+", r"\g<1>3m", alerts, flags=re.M)
    prometheus = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "alerting": {"alertmanagers": [
            {"static_configs": [{"targets": [f"127.0.0.1:{ports['alertmanager']}"]}]}]},
        "scrape_configs": [{
            "job_name": "inferwatch", "honor_labels": True,
            "static_configs": [{"targets": [f"127.0.0.1:{ports['inferwatch']}"]}],
        }],
    }
    manager = yaml.safe_load(open(os.path.join(args.repo, "alerts", "alertmanager.yml")))

    def shorten(route):
        for key, value in (("group_wait", "1s"), ("group_interval", "1s"),
                           ("repeat_interval", "1m")):
            if key in route:
                route[key] = value
        for child in route.get("routes", []):
            shorten(child)
    shorten(manager["route"])
    for receiver in manager["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            path = urllib.parse.urlparse(hook["url"]).path
            hook["url"] = f"http://127.0.0.1:{webhook_port}{path}"
            hook["send_resolved"] = True

    files = {"inferwatch.yml": yaml.safe_dump(daemon, sort_keys=False),
             "alerts.yml": alerts,
             "prometheus.yml": yaml.safe_dump(prometheus, sort_keys=False),
             "alertmanager.yml": yaml.safe_dump(manager, sort_keys=False)}
    for name, text in files.items():
        with open(os.path.join(workdir, name), "w") as handle:
            handle.write(text)


def start_everything(args, workdir, procs, webhook):
    ports = {name: free_port() for name in ("kv", "healthy", "inferwatch", "prometheus",
                                            "alertmanager")}
    targets = {"kv": f"127.0.0.1:{ports['kv']}", "healthy": f"127.0.0.1:{ports['healthy']}"}
    for name, scenario in (("kv", "kv-pressure"), ("healthy", "healthy")):
        procs.start(f"simulate-{name}", [args.inferwatch, "simulate", "--engine=vllm",
                                         f"--scenario={scenario}", f"--listen={targets[name]}"])
    rule_glob = shorten_rule_pack(args.pack, workdir)
    write_configs(args, workdir, ports, targets, rule_glob, webhook.port)

    for name in ("kv", "healthy"):
        wait_for(f"simulated server {targets[name]}",
                 lambda n=name: len(http_get(f"http://{targets[n]}/metrics")) > 0, 30, 0.5)
    procs.start("inferwatch", [args.inferwatch, "--config.file=inferwatch.yml",
                               f"--web.listen-address=127.0.0.1:{ports['inferwatch']}"])
    procs.start("alertmanager", [args.alertmanager, "--config.file=alertmanager.yml",
                                 "--storage.path=am-data",
                                 f"--web.listen-address=127.0.0.1:{ports['alertmanager']}",
                                 "--cluster.listen-address="])
    procs.start("prometheus", [args.prometheus, "--config.file=prometheus.yml",
                               "--storage.tsdb.path=prom-data",
                               f"--web.listen-address=127.0.0.1:{ports['prometheus']}",
                               "--rules.alert.resend-delay=1s"])

    def up(name, url):
        if procs.exited(name):
            raise Failure(f"{name} exited:\n{procs.tail(name)}")
        return http_get(url)
    wait_for("inferwatch /metrics",
             lambda: "inferwatch_" in up("inferwatch", f"http://127.0.0.1:{ports['inferwatch']}/metrics"),
             30, 0.5)
    wait_for("alertmanager ready",
             lambda: up("alertmanager", f"http://127.0.0.1:{ports['alertmanager']}/-/ready") is not None,
             30, 0.5)
    wait_for("prometheus ready",
             lambda: up("prometheus", f"http://127.0.0.1:{ports['prometheus']}/-/ready") is not None,
             60, 0.5)
    return ports, targets


# ---------------------------------------------------------------------------------------------
def check_kv_alert(webhook, prom, targets):
    def kv_alert():
        for path, alert in webhook.alerts():
            labels = alert.get("labels", {})
            if (labels.get("alertname") == KV_ALERT and labels.get("target") == targets["kv"]
                    and alert.get("status") == "firing"):
                return path, alert
        return None
    path, alert = wait_for(f"{KV_ALERT} for {targets['kv']} at the webhook", kv_alert, 180, 1.0)
    labels, annotations = alert["labels"], alert["annotations"]
    problems = []
    if labels.get("bottleneck") != "kv_cache_pressure":
        problems.append(f"bottleneck label {labels.get('bottleneck')}")
    if labels.get("category") != "bottleneck":
        problems.append(f"category label {labels.get('category')}")
    severity = labels.get("severity")
    if severity not in ("warning", "critical"):
        problems.append(f"severity {severity}")
    elif path != f"/alerts/{severity}":
        problems.append(f"routed to {path}, expected /alerts/{severity}")
    if labels.get("engine") != "vllm":
        problems.append(f"engine label {labels.get('engine')}")
    if not annotations.get("runbook_url", "").endswith("/docs/runbooks.md#inferwatchkvcachepressure"):
        problems.append(f"runbook_url {annotations.get('runbook_url')}")
    if targets["kv"] not in annotations.get("summary", ""):
        problems.append(f"summary {annotations.get('summary')!r} does not name the target")
    evidence = re.search(r"Evidence: (.+)\.$", annotations.get("description", ""))
    if not evidence or not re.search(r"kv_cache\w*=[0-9.e+-]+", evidence.group(1)):
        problems.append("description lacks the KV-cache evidence value: "
                        f"{annotations.get('description')!r}")
    if problems:
        raise Failure(f"{KV_ALERT} arrived with wrong content ({'; '.join(problems)}):\n"
                      f"{json.dumps(alert, indent=2)}")
    log(f"ok: {KV_ALERT} reached {path}: {annotations['description']}")

    def recommendation():
        series = prom.query(f'llm_recommendation_info{{target="{targets["kv"]}"}} == 1')
        return [s["metric"] for s in series if s["metric"].get("parameter")]
    recs = wait_for(f"llm_recommendation_info for {targets['kv']}", recommendation, 60, 1.0)
    # The engine flags that give a full KV cache more room (the pack names them as flags,
    # e.g. --gpu-memory-utilization).
    kv_parameters = {"gpu_memory_utilization", "mem_fraction_static", "kv_cache_dtype",
                     "quantization"}
    named = [r for r in recs if r["parameter"].lstrip("-").replace("-", "_") in kv_parameters
             and r.get("current", "") != r.get("suggested", "")]
    if not named:
        raise Failure(f"no recommendation for {targets['kv']} names a KV-relevant parameter with "
                      f"a suggested value different from the current one: {recs}")
    for rec in named:
        log(f"ok: recommendation {rec.get('recommendation')}: {rec['parameter']} "
            f"{rec.get('current')} -> {rec.get('suggested')} (priority {rec.get('priority')})")


def check_healthy_silent(webhook, prom, targets):
    target = targets["healthy"]
    evaluated = prom.query(f'llm_bottleneck_active{{target="{target}"}}')
    if not evaluated:
        raise Failure(f"no llm_bottleneck_active series for the healthy target {target}: "
                      "the 'silent' check would mean nothing")
    holding = [s["metric"] for s in evaluated if float(s["value"][1]) != 0]
    if holding:
        raise Failure(f"bottlenecks hold on the healthy target {target}: {holding}")
    alerts = prom.query(f'ALERTS{{target="{target}",category=~"bottleneck|slo"}}')
    if alerts:
        raise Failure("bottleneck/SLO alerts pending or firing for the healthy target: "
                      f"{[a['metric'] for a in alerts]}")
    delivered = [a["labels"] for _, a in webhook.alerts()
                 if a["labels"].get("target") == target
                 and a["labels"].get("category") in ("bottleneck", "slo")]
    if delivered:
        raise Failure(f"webhook received bottleneck/SLO alerts for the healthy target: {delivered}")
    log(f"ok: healthy target {target}: {len(evaluated)} bottleneck series evaluated, all 0, "
        "no bottleneck or SLO alert")


def substitute(expr, target):
    values = {"__rate_interval": "15s", "__interval": "15s", "__range": "1m",
              "target": target, "model": ".*", "engine": ".*", "slo": ".*"}
    return re.sub(r"\$\{?(\w+)\}?", lambda m: values.get(m.group(1), m.group(0)), expr)


def check_dashboards(args, prom, targets):
    errors, empty, ran = [], [], 0
    for path in sorted(glob.glob(os.path.join(args.repo, "dashboards", "*.json"))):
        board = json.load(open(path))
        variables = {v["name"]: v for v in board["templating"]["list"]}
        multi = variables["target"].get("multi", False)
        # Grafana inserts a single-valued variable as is (a dot in a regex matches itself too).
        target = ".*" if multi else targets["kv"]
        for variable in variables.values():
            query = variable.get("query")
            query = query.get("query") if isinstance(query, dict) else query
            if variable.get("type") == "query":
                inner = re.fullmatch(r"label_values\((.*),\s*\w+\)", query).group(1)
                try:
                    ran += 1
                    prom.query(substitute(inner, target))
                except Failure as error:
                    errors.append(f"{board['uid']} variable {variable['name']}: {error}")
        for panel in board["panels"]:
            results = []
            for t in panel.get("targets", []):
                try:
                    ran += 1
                    results += prom.query(substitute(t["expr"], target))
                except Failure as error:
                    errors.append(f"{board['uid']} / {panel['title']} / {t['refId']}: {error}")
            if panel["title"] in EXPECT_DATA.get(board["uid"], []) and not results:
                empty.append(f"{board['uid']} / {panel['title']}")
    if errors:
        raise Failure("dashboard queries failed:\n  " + "\n  ".join(errors))
    if empty:
        raise Failure("dashboard panels without data:\n  " + "\n  ".join(empty))
    expected = sum(len(v) for v in EXPECT_DATA.values())
    log(f"ok: {ran} dashboard queries ran without error; {expected} panels have data")


def check_target_down_inhibits(webhook, procs, targets, ports):
    procs.stop("simulate-kv")
    log(f"stopped the kv-pressure server {targets['kv']}")

    def target_down():
        return next((a for path, a in webhook.alerts()
                     if a["labels"].get("alertname") == "InferwatchTargetDown"
                     and a["labels"].get("target") == targets["kv"]
                     and a["status"] == "firing" and path == "/alerts/critical"), None)
    alert = wait_for(f"InferwatchTargetDown for {targets['kv']} at /alerts/critical",
                     target_down, 90, 1.0)
    log(f"ok: InferwatchTargetDown arrived: {alert['annotations'].get('description')}")

    def inhibited():
        url = f"http://127.0.0.1:{ports['alertmanager']}/api/v2/alerts"
        alerts = json.loads(http_get(url))
        mine = [a for a in alerts if a["labels"].get("target") == targets["kv"]
                and a["labels"].get("category") == "bottleneck"]
        kv = [a for a in mine if a["labels"].get("alertname") == KV_ALERT]
        if kv and all(a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]
                      for a in mine):
            return mine
        return None
    mine = wait_for(f"{targets['kv']}'s bottleneck alerts inhibited in Alertmanager",
                    inhibited, 60, 1.0)
    names = sorted(a["labels"]["alertname"] for a in mine)
    log(f"ok: inhibited by InferwatchTargetDown in Alertmanager: {names}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--inferwatch", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    parser.add_argument("--alertmanager", default=shutil.which("prometheus-alertmanager")
                        or shutil.which("alertmanager") or "/usr/bin/prometheus-alertmanager")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="inferwatch-e2e-")
    procs, webhook = Processes(workdir), None
    started = time.monotonic()
    status = 1
    try:
        args.pack = preflight(args, workdir)
        webhook = Webhook()
        ports, targets = start_everything(args, workdir, procs, webhook)
        log(f"running in {workdir}: targets {targets}, ports {ports}")
        prom = Prometheus(ports["prometheus"])
        wait_for("both targets in Prometheus",
                 lambda: len(prom.query("inferwatch_target_up == 1")) >= 2, 60, 1.0)
        settled = time.monotonic() + 20  # the healthy target gets time to show any finding
        check_kv_alert(webhook, prom, targets)
        time.sleep(max(0.0, settled - time.monotonic()))
        check_healthy_silent(webhook, prom, targets)
        check_dashboards(args, prom, targets)
        check_target_down_inhibits(webhook, procs, targets, ports)
        status = 0
        log(f"PASS in {time.monotonic() - started:.0f}s")
    except Skip as skip:
        log(f"SKIP: {skip}")
        status = SKIP
    except Failure as failure:
        log(f"FAIL: {failure}")
        for name in procs.running:
            log(f"--- last lines of {name}.log ---\n{procs.tail(name)}")
    finally:
        procs.stop_all()
        if webhook:
            webhook.close()
        if args.keep or status == 1:
            log(f"logs and configs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
