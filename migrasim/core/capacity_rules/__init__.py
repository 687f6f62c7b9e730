"""Capacity rules beyond the built-in four (``migrasim.core.kinds``): each module here is one
rule, a :class:`~migrasim.core.kinds.CapacityRule` named ``RULE``, registered when the core is
imported (``kinds.load_rules``). Adding a capacity rule is adding a module here, its tests and
its label's catalogue entries (docs/design.md, "How to add a capacity rule")."""
