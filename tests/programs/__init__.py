"""Random NumPy programs as data, run on plain arrays and under every transform."""
