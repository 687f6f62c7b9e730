"""migrasim."""
