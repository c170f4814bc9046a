"""Tools outside the runtime path: the profiler, the coverage report, plots."""
