"""migrasim.analysis."""
