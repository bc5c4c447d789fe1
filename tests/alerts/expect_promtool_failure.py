#!/usr/bin/env python3
"""Negative test: `promtool test rules` must FAIL on a test file with a wrong expectation.

Passes only when promtool exits 1 and reports the expectation mismatch (not when it fails for
another reason, such as a missing file), proving the alert unit tests can fail.
usage: expect_promtool_failure.py PROMTOOL TEST_FILE ALERTNAME
"""
import subprocess
import sys


def main() -> int:
    promtool, test_file, alertname = sys.argv[1:4]
    proc = subprocess.run([promtool, "test", "rules", test_file], capture_output=True, text=True,
                          timeout=120)
    output = proc.stdout + proc.stderr
    if proc.returncode == 0:
        print(f"FAIL: promtool accepted the wrong expectation in {test_file}:\n{output}")
        return 1
    if "FAILED" not in output or f"alertname: {alertname}" not in output or "got:" not in output:
        print(f"FAIL: promtool failed, but not on the expectation of {alertname}:\n{output}")
        return 1
    print(f"ok: promtool rejected the wrong expectation for {alertname} (exit {proc.returncode})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
