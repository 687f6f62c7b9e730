"""Draw one replication's concrete inputs from a scenario's uncertain ones. Pure.

Replication ``r`` is row ``r % BLOCK_SIZE`` of block ``r // BLOCK_SIZE`` of the batch's draws
(``analysis/draws.py``): every uncertain input draws from its own sub-stream of the block's,
named by the input's key path (``flows[Cardiff].volume``, ``links[hardwired].lead_time``), so
the same input gets the same draw in every scenario run with the same seed (the common random
numbers that make two scenarios' difference due to the change, not to noise), and the engine
run one replication at a time sees the very draws the batch solver does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pydantic import BaseModel

from migrasim.analysis.draws import BLOCK_SIZE, draw_rows, inputs_for
from migrasim.core.model import Inputs, Model
from migrasim.scenario.types import EstimateSpec, Scenario


@dataclass(frozen=True)
class Sampler:
    """Draws :class:`~migrasim.core.model.Inputs` for a model; ``seed`` fixes every draw."""

    model: Model
    seed: int

    def inputs(self, replication: int, outages_until: float | None = None) -> Inputs:
        """The concrete inputs of ``replication`` (0-based): row ``replication % BLOCK_SIZE``
        of block ``replication // BLOCK_SIZE`` as the batch draws it (``draws.draw_block``),
        so both samplers draw every input by the same function on the same streams.

        Random outages are drawn up to ``outages_until`` (default: the horizon). The draws are a
        prefix of the same sequence however far they go, so a run whose flows all finish before
        ``outages_until`` is exactly the run with every outage drawn.
        """
        until = self.model.horizon if outages_until is None else outages_until
        block, row = divmod(replication, BLOCK_SIZE)
        drawn = draw_rows(self.model, self.seed, block, until, rows=row + 1)
        return replace(inputs_for(self.model, drawn, row), outages_until=until)


def has_uncertainty(scenario: Scenario) -> bool:
    """Whether any input is a range or any link can fail at random."""

    def uncertain(value: object) -> bool:
        if isinstance(value, EstimateSpec):
            return bool(value.high > value.low)
        if isinstance(value, BaseModel):
            return any(uncertain(getattr(value, name)) for name in type(value).model_fields)
        if isinstance(value, dict):
            return any(uncertain(v) for v in value.values())
        if isinstance(value, (list, tuple)):
            return any(uncertain(v) for v in value)
        return False

    unplanned = any(
        link.outages is not None and link.outages.mtbf is not None
        for link in scenario.links.values()
    )
    return unplanned or uncertain(scenario.flows) or uncertain(scenario.links)
