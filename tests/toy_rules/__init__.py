"""Capacity rules for the toy-rule test (tests/unit/test_toy_rule.py): a package laid out as
``migrasim/core/capacity_rules/`` is, each module one rule (``RULE``), loaded by the same
``migrasim.core.kinds.load_rules``."""
