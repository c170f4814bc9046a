"""A runner for a held-out conformance suite: another library's tests run against functional_ad."""
