"""Shared pytest set-up: the repository root on ``sys.path`` and the Hypothesis profiles.

Profiles (as cattrs does in ``tests/conftest.py``):

* ``fast`` - selected by ``FAST=1``: about 20 examples, for the edit-test loop;
* ``default`` - 60 random examples, no deadline (a simulation run's time varies with the
  scenario, so a per-example deadline would only add flakiness);
* ``ci`` - selected by ``CI=1`` (``.ci/run`` sets it): the same 60 examples on every run
  (``derandomize``), so that CI's verdict is the code's, not the draw's. New examples are
  explored by ``default`` runs and the ``deep`` soak; what they find is pinned with ``@example``;
* ``deep`` - 1,000 examples, for a soak run of the property tests (``HYPOTHESIS_PROFILE=deep``).

``HYPOTHESIS_PROFILE=<name>`` picks a profile explicitly and wins over ``FAST``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# ``from tests.strategies import ...`` must work under plain ``pytest`` too, not only
# ``python -m pytest`` (which puts the working directory on sys.path).
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("fast", max_examples=20, **_COMMON)
settings.register_profile("default", max_examples=60, **_COMMON)
settings.register_profile("ci", max_examples=60, derandomize=True, **_COMMON)
settings.register_profile("deep", max_examples=1000, **_COMMON)


def _profile_name() -> str:
    explicit = os.environ.get("HYPOTHESIS_PROFILE")
    if explicit:
        return explicit
    if os.environ.get("FAST", "") not in ("", "0"):
        return "fast"
    if os.environ.get("CI", "") not in ("", "0", "false"):
        return "ci"
    return "default"


settings.load_profile(_profile_name())
