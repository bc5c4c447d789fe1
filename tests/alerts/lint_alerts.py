#!/usr/bin/env python3
"""Checks on alerts/ that promtool and amtool do not make.

- every alert has summary, description and runbook_url, and a severity (a static label, or for
  bottleneck alerts the rule pack's `severity` label, so the expr must select llm_bottleneck_active);
- runbook_url is RUNBOOK_BASE + lower-case alert name, and docs/runbooks.md has that section
  with what it means, how to confirm it and what to change;
- every expression and annotation query uses only series inferwatch produces;
- every bottleneck of the contract has its own alert;
- every alert has a promtool unit test where it fires and one where it is silent;
- the Alertmanager inhibition rules name categories and alerts that exist.
usage: lint_alerts.py REPO_ROOT
"""
import glob
import os
import re
import sys

import yaml

RUNBOOK_BASE = "https://inferwatch.example/docs/runbooks.md#"


def main() -> int:
    root = sys.argv[1]
    sys.path.insert(0, os.path.join(root, "tests", "dashboards"))
    import inferwatch_series  # noqa: E402  (shared list of inferwatch's series)

    known = inferwatch_series.known_series()
    errors = []
    rules_doc = yaml.safe_load(open(os.path.join(root, "alerts", "inferwatch-alerts.yml")))
    alerts = [r for g in rules_doc["groups"] for r in g["rules"] if "alert" in r]
    names = [a["alert"] for a in alerts]
    if len(names) != len(set(names)):
        errors.append("duplicate alert names")

    runbooks = open(os.path.join(root, "docs", "runbooks.md")).read()
    sections = dict(re.findall(r"^## (\S+)\n(.*?)(?=^## |\Z)", runbooks, re.S | re.M))

    categories = set()
    for alert in alerts:
        name = alert["alert"]
        labels = alert.get("labels", {})
        annotations = alert.get("annotations", {})
        categories.add(labels.get("category"))
        if not re.fullmatch(r"Inferwatch[A-Z][A-Za-z0-9]+", name):
            errors.append(f"{name}: alert names are PascalCase with the Inferwatch prefix")
        for key in ("summary", "description", "runbook_url"):
            if not annotations.get(key):
                errors.append(f"{name}: missing annotation {key}")
        if "category" not in labels:
            errors.append(f"{name}: missing label category (drives inhibition)")
        severity = labels.get("severity")
        if severity is None:
            if "llm_bottleneck_active" not in alert["expr"]:
                errors.append(f"{name}: no severity label and no rule-pack severity to inherit")
        elif severity not in ("info", "warning", "critical"):
            errors.append(f"{name}: severity {severity} is not info|warning|critical")
        if annotations.get("runbook_url") != RUNBOOK_BASE + name.lower():
            errors.append(f"{name}: runbook_url must be {RUNBOOK_BASE}{name.lower()}")
        section = sections.get(name)
        if section is None:
            errors.append(f"{name}: docs/runbooks.md has no '## {name}' section")
        else:
            for part in ("**Meaning.**", "**Confirm.**", "**Change.**"):
                if part not in section:
                    errors.append(f"{name}: runbook section lacks {part}")
        queries = [alert["expr"]]
        queries += re.findall(r'printf\s+"((?:\\.|[^"\\])*)"', annotations.get("description", ""))
        for query in queries:
            for metric in inferwatch_series.metric_names(query.replace('\\"', '"')):
                if metric not in known:
                    errors.append(f"{name}: queries {metric}, which inferwatch does not produce")

    for bottleneck in inferwatch_series.BOTTLENECKS:
        selector = f'bottleneck="{bottleneck}"'
        if not any(selector in a["expr"] for a in alerts):
            errors.append(f"bottleneck {bottleneck} has no alert")

    fired, silent = set(), set()
    test_files = sorted(glob.glob(os.path.join(root, "alerts", "tests", "*.yml")))
    for path in test_files:
        doc = yaml.safe_load(open(path))
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (fired if case.get("exp_alerts") else silent).add(case["alertname"])
    for name in names:
        if name not in fired:
            errors.append(f"{name}: no unit test where it fires")
        if name not in silent:
            errors.append(f"{name}: no unit test where it stays silent")

    am = yaml.safe_load(open(os.path.join(root, "alerts", "alertmanager.yml")))
    for rule in am.get("inhibit_rules", []):
        for matcher in rule.get("source_matchers", []) + rule.get("target_matchers", []):
            key, _, value = re.match(r'(\w+)(=~|!=|=)"(.*)"', matcher).groups()
            if key == "alertname" and value not in names:
                errors.append(f"alertmanager.yml: inhibition names unknown alert {value}")
            if key == "category":
                for category in value.split("|"):
                    if category not in categories:
                        errors.append(f"alertmanager.yml: inhibition names unknown category {category}")

    for error in errors:
        print("FAIL:", error)
    print(f"{len(alerts)} alerts, {len(test_files)} test files, {len(errors)} problems")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
