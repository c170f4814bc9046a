"""Hypothesis profiles for the test suite: deterministic "ci", exploratory "dev"."""

import os

from hypothesis import HealthCheck, settings

# CI runs must be reproducible and bounded: the same examples every run, no timing flakes.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=25,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

# Local runs explore new examples each time but stay quick enough to run often.
settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

settings.load_profile("ci" if os.environ.get("CI") else "dev")
