#!/usr/bin/env python3
"""Caught, missed, timeout and unviable mutants by file, from cargo-mutants'
`outcomes.json` files (docs/reliability.md, "Mutation testing").

    python3 scripts/mutants-summary.py mutants.out/outcomes.json [more.json ...]

Several files (runs with `--iterate`, shards, earlier runs) are merged by
mutant name, a later file's outcome replacing an earlier one's, so the
table is what the newest run of each mutant found. Prints a Markdown table
with the share caught (timeouts count as caught: the mutant was detected)
of the viable mutants, and the time spent building and testing.
"""

import json
import sys
from collections import defaultdict

KINDS = {
    "CaughtMutant": "caught",
    "MissedMutant": "missed",
    "Timeout": "timeout",
    "Unviable": "unviable",
}


def main(paths):
    if not paths:
        sys.exit(__doc__)
    latest = {}
    seconds = defaultdict(float)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            outcomes = json.load(f)["outcomes"]
        for o in outcomes:
            scenario = o["scenario"]
            if not isinstance(scenario, dict):
                continue  # the unmutated baseline
            m = scenario["Mutant"]
            latest[m["name"]] = (m["file"], KINDS.get(o["summary"], o["summary"]))
            for phase in o["phase_results"]:
                seconds[phase["phase"]] += phase["duration"]
    table = defaultdict(lambda: defaultdict(int))
    for file, kind in latest.values():
        table[file][kind] += 1
    print("| file | mutants | caught | timeout | missed | unviable | caught of viable |")
    print("|---|---|---|---|---|---|---|")
    total = defaultdict(int)
    for file in sorted(table):
        row = table[file]
        for k, v in row.items():
            total[k] += v
        print(line(f"`{file}`", row))
    print(line("**all**", total))
    print()
    n = len(latest)
    build, test = seconds["Build"], seconds["Test"]
    print(
        f"{n} mutants; build {build / 60:.1f} min, tests {test / 60:.1f} min "
        f"({(build + test) / max(n, 1):.1f} s a mutant, one job)"
    )
    missed = sorted(name for name, (_, k) in latest.items() if k == "missed")
    if missed:
        print("\nmissed:")
        for name in missed:
            print(f"  {name}")


def line(label, row):
    n = sum(row.values())
    viable = n - row["unviable"]
    caught = row["caught"] + row["timeout"]
    share = f"{100 * caught / viable:.1f}%" if viable else "-"
    return (
        f"| {label} | {n} | {row['caught']} | {row['timeout']} | {row['missed']} "
        f"| {row['unviable']} | {share} |"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
