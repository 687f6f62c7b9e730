"""migrasim.scenario."""
