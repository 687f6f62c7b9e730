"""migrasim.render."""
