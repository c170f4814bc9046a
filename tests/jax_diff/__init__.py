"""Differential comparison of functional_ad with JAX over the op table (see ``cases``)."""
