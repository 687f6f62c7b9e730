"""Why a flow never finishes, in words: the one place a never-reason record becomes a sentence.

The engine reports a flow that does not complete within the horizon as a
:class:`~migrasim.core.model.NotFinished` record (a :class:`~migrasim.core.model.NeverReason`
code and its figures), never as text; the wording is the catalogue's
(:data:`migrasim.render.messages.NEVER_REASONS`), so a language is a catalogue, not code.
"""

from __future__ import annotations

from migrasim.core.model import NeverReason, NotFinished
from migrasim.render.i18n import Translator, fill, translator
from migrasim.render.messages import NEVER_REASONS

_SECONDS_PER_YEAR = 365.25 * 86400


def never_reason_text(reason: NotFinished | None, t: Translator | None = None) -> str:
    """The sentence saying why a flow never finishes ('' for a flow that finishes), in
    ``t``'s language (English by default: summary.csv's column)."""
    if reason is None:
        return ""
    t = t if t is not None else translator("en")
    years = f"{reason.horizon_s / _SECONDS_PER_YEAR:g}"
    code = reason.code
    if code is NeverReason.DEPENDENCY:
        return fill(t, NEVER_REASONS["waits_for"], flows=", ".join(reason.waiting_for))
    if code is NeverReason.STARTS_AFTER_HORIZON:
        return fill(t, NEVER_REASONS["starts_after_horizon"], years=years)
    if code is NeverReason.GROWTH:
        growth = f"{reason.growth_bytes_per_s * 86400 / 1e9:.3g}"  # GB per day
        moved = f"{reason.moved_bytes_per_s * 86400 / 1e9:.3g}"
        return fill(t, NEVER_REASONS["growth_outpaces"], growth=growth, moved=moved)
    if code is NeverReason.NO_CAPACITY:
        if reason.link:
            return fill(t, NEVER_REASONS["no_capacity"], link=reason.link)
        return fill(t, NEVER_REASONS["no_capacity_links"])
    return fill(t, NEVER_REASONS["horizon"], years=years)
