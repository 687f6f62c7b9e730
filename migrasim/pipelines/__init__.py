"""The pipelines each command runs, one module per command (load -> analyse -> render ->
write, atomically); what they share is in :mod:`~migrasim.pipelines.common`. Only the library
API (:mod:`migrasim.api`) calls them."""
