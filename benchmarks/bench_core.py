"""The core benchmarks of issue 2 (workloads 1, 2, 6 and 7 of ``run.py``), kept for old habits.

    python benchmarks/bench_core.py            # same as: python benchmarks/run.py --only 1,2,6,7
    python benchmarks/bench_core.py --quick    # every option of run.py works here too

See ``run.py`` for what is measured and how.
"""

from __future__ import annotations

import sys

import run

CORE_WORKLOADS = "1,2,6,7"

if __name__ == "__main__":
    sys.exit(run.main(["--only", CORE_WORKLOADS, *sys.argv[1:]]))
