"""migrasim.core."""
