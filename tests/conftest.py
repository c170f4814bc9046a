"""Hypothesis profiles for the test suite: deterministic "ci", exploratory "dev", "programs"."""

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

# The differential program test (tests/test_programs.py) always runs the same bounded set of
# programs unless FAD_PROGRAMS_MINUTES asks for a long run with new programs (see that module).
PROGRAM_HEALTH_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "programs",
    derandomize=True,
    max_examples=400,
    deadline=None,
    print_blob=True,
    database=None,
    report_multiple_bugs=False,  # shrink one failure per check: quicker to read and to rerun
    suppress_health_check=PROGRAM_HEALTH_CHECKS,
)
settings.register_profile(
    "programs-long",
    derandomize=False,
    max_examples=200,  # one round; the test runs rounds until the time asked for is spent
    deadline=None,
    print_blob=True,
    suppress_health_check=PROGRAM_HEALTH_CHECKS,
)
