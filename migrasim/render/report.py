"""The programme-board report's two entry points: the page and the workbook.

:func:`render_html` answers the board's question first (will we make go-live, the P80 date,
the bottleneck, what would fix it), then gives the per-organisation table, the charts, any
extra tables, and the STRESS-DES reporting items, with the scenario file echoed verbatim: one
self-contained page from ``templates/report.html.j2`` (view model: :mod:`migrasim.render.view`).
:func:`xlsx_bytes` gives the same results as a workbook (:mod:`migrasim.render.xlsx`).

Each job has its module: the inputs (:mod:`~migrasim.render.inputs`), the headline and advice
(:mod:`~migrasim.render.headlines`), the page (:mod:`~migrasim.render.view`,
:mod:`~migrasim.render.html`), the workbook (:mod:`~migrasim.render.xlsx`); every word comes
from the language's catalogue (:mod:`~migrasim.render.i18n`).
"""

from __future__ import annotations

from migrasim.render.headlines import Headline, headline_from
from migrasim.render.html import render_page
from migrasim.render.i18n import translator
from migrasim.render.inputs import ExtraTable, ReportInputs, assumptions_of
from migrasim.render.view import page_view
from migrasim.render.xlsx import workbook_bytes

__all__ = [
    "ExtraTable",
    "Headline",
    "ReportInputs",
    "assumptions_of",
    "headline_from",
    "render_html",
    "xlsx_bytes",
]


def render_html(inputs: ReportInputs, lang: str = "en") -> str:
    """report.html in ``lang`` (a catalogue: see :func:`migrasim.render.i18n.translator`)."""
    return render_page(page_view(inputs, translator(lang)), lang)


def xlsx_bytes(inputs: ReportInputs, lang: str = "en") -> bytes:
    """summary.xlsx with sheet names and headers in ``lang``."""
    return workbook_bytes(inputs, translator(lang))
