"""Why a flow never finishes, in words: the one place a never-reason record becomes a sentence.

The engine reports a flow that does not complete within the horizon as a
:class:`~migrasim.core.model.NotFinished` record (a :class:`~migrasim.core.model.NeverReason`
code and its figures), never as text, so the wording lives here alone and can be translated
without touching the engine.
"""

from __future__ import annotations

from migrasim.core.model import NeverReason, NotFinished

_SECONDS_PER_YEAR = 365.25 * 86400


def never_reason_text(reason: NotFinished | None) -> str:
    """The sentence saying why a flow never finishes ('' for a flow that finishes)."""
    if reason is None:
        return ""
    years = reason.horizon_s / _SECONDS_PER_YEAR
    code = reason.code
    if code is NeverReason.DEPENDENCY:
        return f"waits for {', '.join(reason.waiting_for)}, which never complete(s)"
    if code is NeverReason.STARTS_AFTER_HORIZON:
        return f"would start after the horizon ({years:g} years)"
    if code is NeverReason.GROWTH:
        return (
            f"growth of {reason.growth_bytes_per_s * 86400 / 1e9:.3g} GB/day outpaces the "
            f"{reason.moved_bytes_per_s * 86400 / 1e9:.3g} GB/day it moves on average"
        )
    if code is NeverReason.NO_CAPACITY:
        return f"nothing can move: {reason.link or 'its links'} never has capacity"
    return f"not finished within the horizon ({years:g} years)"
