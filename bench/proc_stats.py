"""Readers of a process's CPU time and memory from /proc, shared by the side-by-side benchmarks
(rules_vs_prometheus.py, scrape_vs_prometheus.py)."""

import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User plus system CPU time of the process so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name may hold spaces; the fields after its closing parenthesis are fixed.
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def status_kib(pid, *fields):
    """The named /proc/<pid>/status fields (VmHWM, VmRSS, RssAnon, ...) in KiB; 0 when absent."""
    out = dict.fromkeys(fields, 0)
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in out:
                out[key] = int(rest.split()[0])
    return out
