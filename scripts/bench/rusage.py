"""Runs one command and writes its resource usage as JSON to the file named by argv[1].

Usage: python3 rusage.py OUT.json COMMAND [ARG...]

The bench (scripts/bench/estate-bench.ts) measures the built CLI through this wrapper: the
child's user and system CPU seconds and its peak resident set come from getrusage(RUSAGE_CHILDREN)
once the child has been waited for (ru_maxrss is KiB on Linux), the wall from spawn to exit. The
command's stdout and stderr pass through; the exit code is the command's.
"""
import json
import resource
import subprocess
import sys
import time


def main() -> int:
    out, command = sys.argv[1], sys.argv[2:]
    started = time.monotonic()
    code = subprocess.call(command)
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(
            {
                "exitCode": code,
                "wallMs": wall * 1000,
                "userMs": usage.ru_utime * 1000,
                "sysMs": usage.ru_stime * 1000,
                "maxRssKiB": usage.ru_maxrss,
            },
            handle,
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
