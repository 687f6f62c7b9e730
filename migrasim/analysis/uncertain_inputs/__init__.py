"""Uncertain inputs beyond the built-in ones (``migrasim.analysis.uncertain``): each module here
is one kind, an :class:`~migrasim.analysis.uncertain.UncertainInput` named ``KIND``, registered
when ``analysis.uncertain`` is imported (``uncertain.load_inputs``). Adding an uncertain input is
adding a module here, its tests and its label's catalogue entries (docs/design.md, "How to add
an uncertain input")."""
