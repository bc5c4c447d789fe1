#!/usr/bin/env python3
"""Differential test: `inferwatch parse --format=json` against Python's prometheus_client parsers.

Usage: differential_test.py INFERWATCH_BINARY FIXTURE_DIR

Parses every *.prom file (0.0.4) and *.om file (OpenMetrics) under FIXTURE_DIR with both parsers
and requires the same multiset of samples: name, labels, value and timestamp. prometheus_client
renames 0.0.4 counter samples that lack "_total" (it appends the suffix), and leaves "x_total"
under "# TYPE x counter" untyped where inferwatch groups it into the counter; so sample names are
compared without a trailing "_total" on both sides, and families and types are not compared.
"""
import json
import math
import pathlib
import subprocess
import sys
from collections import Counter

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text


def normal_name(name):
    if name.endswith("_total"):
        return name[: -len("_total")]
    return name


def normal_value(value):
    if isinstance(value, str):
        return {"NaN": "NaN", "+Inf": "+Inf", "-Inf": "-Inf"}[value]
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def timestamp_ms(timestamp):
    if timestamp is None:
        return None
    if hasattr(timestamp, "sec"):
        return timestamp.sec * 1000 + round(timestamp.nsec / 1e6)
    return round(timestamp * 1000)


def key(name, labels, value, timestamp):
    return (normal_name(name), tuple(sorted(labels.items())), normal_value(value),
            timestamp)


def ours(binary, path, input_format):
    result = subprocess.run([binary, "parse", "--format=json", f"--input-format={input_format}",
                             str(path)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"inferwatch failed on {path}: {result.stderr.strip()}")
    samples = Counter()
    for line in result.stdout.splitlines():
        sample = json.loads(line)
        samples[key(sample["name"], sample["labels"], sample["value"], sample["timestamp_ms"])] += 1
    return samples


def theirs(path, input_format):
    text = path.read_text(encoding="utf-8")
    parse = parse_openmetrics if input_format == "openmetrics" else parse_text
    samples = Counter()
    for family in parse(text):
        for sample in family.samples:
            samples[key(sample.name, sample.labels, sample.value, timestamp_ms(sample.timestamp))] += 1
    return samples


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, root = sys.argv[1], pathlib.Path(sys.argv[2])
    files = sorted(root.rglob("*.prom")) + sorted(root.rglob("*.om"))
    if not files:
        print(f"no fixtures under {root}", file=sys.stderr)
        return 1
    failures = 0
    for path in files:
        input_format = "openmetrics" if path.suffix == ".om" else "prometheus"
        mine, reference = ours(binary, path, input_format), theirs(path, input_format)
        only_mine, only_reference = mine - reference, reference - mine
        total = sum(reference.values())
        if only_mine or only_reference or total == 0:
            failures += 1
            print(f"FAIL {path.name}: {total} reference samples", file=sys.stderr)
            for sample in list(only_mine)[:5]:
                print(f"  only inferwatch:        {sample}", file=sys.stderr)
            for sample in list(only_reference)[:5]:
                print(f"  only prometheus_client: {sample}", file=sys.stderr)
        else:
            print(f"ok   {path.name}: {total} samples agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
