#!/usr/bin/env python3
"""Lint for dashboards/*.json (issue #6).

Checks: valid JSON, Grafana schemaVersion >= 39, unique uids, unique panel ids, panels inside
the 24-column grid without overlap, every target with refId and expr, every metric in every
expression one inferwatch produces (tests/dashboards/inferwatch_series.py), the datasource /
target / model / engine variables, $__rate_interval in every rate, a description, unit and
thresholds on every panel, the datasource taken from the variable, links between dashboards and
to existing runbook sections.

usage: check_dashboards.py REPO_ROOT            lint the committed dashboards
       check_dashboards.py REPO_ROOT --self-test prove each check catches a broken dashboard
"""
import copy
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inferwatch_series  # noqa: E402

RATE_FUNCTIONS = {"rate", "irate", "increase"}
REQUIRED_VARIABLES = ("datasource", "target", "model", "engine")


def range_selectors(expr):
    """Yields (innermost enclosing function, range text) for every [..] in a PromQL expr."""
    stack, i = [], 0
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    while i < len(text):
        char = text[i]
        if char == "(":
            name = re.search(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*$", text[:i])
            stack.append(name.group(1) if name else "")
        elif char == ")":
            if stack:
                stack.pop()
        elif char == "[":
            end = text.index("]", i)
            yield (stack[-1] if stack else ""), text[i + 1:end]
            i = end
        i += 1


def panel_queries(panel):
    return [t.get("expr", "") for t in panel.get("targets", [])]


def check_dashboard(path, board, runbook_anchors, all_uids):
    errors = []

    def fail(message):
        errors.append(f"{os.path.basename(path)}: {message}")

    if not isinstance(board.get("schemaVersion"), int) or board["schemaVersion"] < 39:
        fail("schemaVersion must be 39 or later")
    for key in ("uid", "title", "panels", "templating"):
        if key not in board:
            fail(f"missing {key}")
    if "inferwatch" not in board.get("tags", []):
        fail("missing tag inferwatch (the dashboards link lists dashboards by that tag)")

    variables = {v.get("name"): v for v in board.get("templating", {}).get("list", [])}
    for name in REQUIRED_VARIABLES:
        if name not in variables:
            fail(f"missing variable {name}")
    datasource_var = variables.get("datasource", {})
    if datasource_var and (datasource_var.get("type") != "datasource"
                           or datasource_var.get("query") != "prometheus"):
        fail("variable datasource must be of type datasource with query prometheus")
    for name, variable in variables.items():
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", query)
        if not match:
            fail(f"variable {name}: query must be label_values(<inferwatch series>, label)")
            continue
        for metric in inferwatch_series.metric_names(match.group(1)):
            if metric not in inferwatch_series.known_series():
                fail(f"variable {name}: {metric} is not a series inferwatch produces")

    link_types = {link.get("type") for link in board.get("links", [])}
    if "dashboards" not in link_types:
        fail("missing a link to the other inferwatch dashboards")
    urls = [link.get("url", "") for link in board.get("links", [])]

    known = inferwatch_series.known_series()
    ids, cells = set(), {}
    for panel in board.get("panels", []):
        title = panel.get("title", "<untitled>")
        where = f"panel {panel.get('id')} '{title}'"
        if panel.get("id") in ids:
            fail(f"{where}: duplicate panel id")
        ids.add(panel.get("id"))
        if not panel.get("description"):
            fail(f"{where}: missing description")
        defaults = panel.get("fieldConfig", {}).get("defaults", {})
        if not defaults.get("unit"):
            fail(f"{where}: missing unit")
        if not defaults.get("thresholds", {}).get("steps"):
            fail(f"{where}: missing thresholds")
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            fail(f"{where}: datasource must be the $datasource variable")

        grid = panel.get("gridPos", {})
        x, y, w, h = (grid.get(k) for k in ("x", "y", "w", "h"))
        if None in (x, y, w, h) or x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > 24:
            fail(f"{where}: gridPos {grid} outside the 24-column grid")
        else:
            for cx in range(x, x + w):
                for cy in range(y, y + h):
                    other = cells.setdefault((cx, cy), panel.get("id"))
                    if other != panel.get("id"):
                        fail(f"{where}: gridPos overlaps panel {other}")
                        break
                else:
                    continue
                break

        targets = panel.get("targets", [])
        if not targets:
            fail(f"{where}: no targets")
        ref_ids = [t.get("refId") for t in targets]
        if None in ref_ids or "" in ref_ids or len(set(ref_ids)) != len(ref_ids):
            fail(f"{where}: every target needs a unique refId")
        for target in targets:
            expr = target.get("expr")
            if not expr:
                fail(f"{where}: target {target.get('refId')} has no expr")
                continue
            if target.get("datasource", {}).get("uid") != "${datasource}":
                fail(f"{where}: target {target.get('refId')} datasource must be $datasource")
            for metric in sorted(inferwatch_series.metric_names(expr)):
                if metric not in known:
                    fail(f"{where}: {metric} is not a series inferwatch produces")
            for function, window in range_selectors(expr):
                if function in RATE_FUNCTIONS and window != "$__rate_interval":
                    fail(f"{where}: {function}() over [{window}] must use [$__rate_interval]")
        urls += [link.get("url", "") for link in panel.get("links", [])]
        for override in panel.get("fieldConfig", {}).get("overrides", []):
            for prop in override.get("properties", []):
                if prop.get("id") == "links":
                    urls += [link.get("url", "") for link in prop.get("value", [])]

    for annotation in board.get("annotations", {}).get("list", []):
        for metric in inferwatch_series.metric_names(annotation.get("expr", "")):
            if metric not in known:
                fail(f"annotation {annotation.get('name')}: {metric} is not an inferwatch series")

    if not any("runbooks.md" in url for url in urls):
        fail("no link to the runbooks")
    for url in urls:
        anchor = re.search(r"runbooks\.md#([\w-]+)", url)
        if anchor and anchor.group(1) not in runbook_anchors:
            fail(f"link {url}: docs/runbooks.md has no section #{anchor.group(1)}")
        target_uid = re.match(r"/d/([\w-]+)", url)
        if target_uid and target_uid.group(1) not in all_uids:
            fail(f"link {url}: no dashboard with uid {target_uid.group(1)}")
    return errors


def lint(root, boards):
    runbooks = open(os.path.join(root, "docs", "runbooks.md")).read()
    anchors = {heading.lower() for heading in re.findall(r"^## (\S+)$", runbooks, re.M)}
    uids = [board.get("uid") for board in boards.values()]
    errors = [f"duplicate uid {uid}" for uid in set(uids) if uids.count(uid) > 1]
    for path, board in boards.items():
        errors += check_dashboard(path, board, anchors, set(uids))
    return errors


def load(root):
    boards, errors = {}, []
    paths = sorted(glob.glob(os.path.join(root, "dashboards", "*.json")))
    if len(paths) < 5:
        errors.append(f"expected at least 5 dashboards, found {len(paths)}")
    for path in paths:
        try:
            boards[path] = json.load(open(path))
        except json.JSONDecodeError as error:
            errors.append(f"{path}: invalid JSON: {error}")
    return boards, errors


def self_test(root, boards):
    """Breaks a copy of a good dashboard in one way at a time; each must be reported."""
    path, good = next((p, b) for p, b in boards.items() if "instance" in p)

    def first_panel(board):
        return next(p for p in board["panels"] if p["type"] == "timeseries"
                    and "rate(" in p["targets"][0]["expr"])

    def raw_engine_metric(b):
        first_panel(b)["targets"][0]["expr"] = "sum(rate(vllm:num_preemptions_total[$__rate_interval]))"

    def fixed_rate_window(b):
        target = first_panel(b)["targets"][0]
        target["expr"] = target["expr"].replace("[$__rate_interval]", "[5m]")

    def overlap(b):
        b["panels"][1]["gridPos"] = dict(b["panels"][0]["gridPos"])

    def duplicate_id(b):
        b["panels"][1]["id"] = b["panels"][0]["id"]

    def no_description(b):
        b["panels"][0]["description"] = ""

    def no_unit(b):
        del b["panels"][0]["fieldConfig"]["defaults"]["unit"]

    def no_ref_id(b):
        del b["panels"][0]["targets"][0]["refId"]

    def no_engine_variable(b):
        b["templating"]["list"] = [v for v in b["templating"]["list"] if v["name"] != "engine"]

    def old_schema(b):
        b["schemaVersion"] = 27

    def dead_runbook_anchor(b):
        first_panel(b)["links"] = [{"title": "x", "url": "https://x/docs/runbooks.md#nosuchalert"}]

    cases = {
        raw_engine_metric: "vllm:num_preemptions_total is not a series inferwatch produces",
        fixed_rate_window: "must use [$__rate_interval]",
        overlap: "gridPos overlaps",
        duplicate_id: "duplicate panel id",
        no_description: "missing description",
        no_unit: "missing unit",
        no_ref_id: "unique refId",
        no_engine_variable: "missing variable engine",
        old_schema: "schemaVersion must be 39",
        dead_runbook_anchor: "has no section #nosuchalert",
    }
    failures = []
    for mutate, expected in cases.items():
        broken = copy.deepcopy(boards)
        mutate(broken[path])
        errors = lint(root, broken)
        if not any(expected in error for error in errors):
            failures.append(f"{mutate.__name__}: expected an error containing '{expected}', "
                            f"got {errors}")
    if lint(root, {path: good}):
        failures.append("the unmodified dashboard should pass")
    for failure in failures:
        print("FAIL:", failure)
    print(f"self-test: {len(cases) - len(failures)}/{len(cases)} broken dashboards caught")
    return 1 if failures else 0


def main():
    root = sys.argv[1]
    boards, errors = load(root)
    if "--self-test" in sys.argv:
        return self_test(root, boards)
    errors += lint(root, boards)
    panels = sum(len(b.get("panels", [])) for b in boards.values())
    for error in errors:
        print("FAIL:", error)
    print(f"{len(boards)} dashboards, {panels} panels, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
