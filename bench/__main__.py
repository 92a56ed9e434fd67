"""`make bench`: python -m bench [name ...]; names: pipeline (default: all available)."""

from __future__ import annotations

import sys

from bench import stack
from bench.stats import Report

BENCHES = ["pipeline", "webhooks", "pages", "admin_list", "dashboard"]


def main(argv: list[str]) -> int:
    chosen = argv or BENCHES
    unknown = set(chosen) - set(BENCHES)
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}"
        )
        return 2
    stack.configure_environment()
    stack.setup_django()
    report = Report()
    with stack.s3_server():
        for name in chosen:
            module = __import__(f"bench.{name}", fromlist=["run"])
            module.run(report)
    print(f"results written to {report.write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
