"""The NumPy front end: NumPy's API mapped onto the engine's primitives."""
