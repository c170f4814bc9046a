"""Run the JAX comparison and print the counts and every case that is not a plain match.

``python -m tests.jax_diff.survey [COUNT] [SHARD/SHARDS] [START]``: COUNT evenly spread
cases (``all``: every case), optionally only every SHARDS-th of them starting at SHARD (to
run several processes), from the START-th on (to resume).
``python -m tests.jax_diff.survey rerun FILE`` runs again the cases FILE (a survey's
output) lists.
"""

from __future__ import annotations

import collections
import sys
import time

from tests.jax_diff.cases import all_cases, count_rows_without_counterpart, run_case, sample


def main(argv: list[str]) -> None:
    import jax

    jax.config.update("jax_enable_x64", True)
    cases = list(all_cases())
    if argv and argv[0] == "rerun":  # the cases named in a survey's output file
        names = set()
        with open(argv[1]) as lines:
            for line in lines:
                parts = line.split(": ", 2)
                if len(parts) == 3 and " @ " in parts[1]:
                    names.add(parts[1])
        cases = [c for c in cases if c.name in names]
        argv = []
    if argv and argv[0] != "all":
        cases = sample(cases, int(argv[0]))
    if len(argv) > 1:
        shard, shards = (int(v) for v in argv[1].split("/"))
        cases = cases[shard::shards]
    if len(argv) > 2:  # resume: skip the first cases of the selection
        cases = cases[int(argv[2]) :]
    start = time.monotonic()
    counts: collections.Counter[str] = collections.Counter()
    bad = []
    for k, case in enumerate(cases):
        outcome = run_case(case, seconds=8)
        counts[outcome.kind] += 1
        if outcome.kind not in ("match", "both-refuse", "skipped"):
            bad.append(outcome)
            print(f"{outcome.kind}: {case.name}: {outcome.detail[:400]}", flush=True)
        if k % 2000 == 0:
            print(f"[{k}/{len(cases)}] {dict(counts)} {time.monotonic() - start:.0f}s",
                  file=sys.stderr, flush=True)  # fmt: skip
    print(f"cases: {len(cases)} in {time.monotonic() - start:.0f}s")
    print(f"rows without a JAX counterpart: {count_rows_without_counterpart()}")
    for kind, n in sorted(counts.items()):
        print(f"  {kind}: {n}")


if __name__ == "__main__":
    main(sys.argv[1:])
