"""Uncertain inputs for the toy-input test (tests/unit/test_toy_input.py): a package laid out as
``migrasim/analysis/uncertain_inputs/`` is, each module one kind (``KIND``), loaded by the same
``migrasim.analysis.uncertain.load_inputs``."""
