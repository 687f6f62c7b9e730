"""A crew slot's link description (analysis/plan.py) is a catalogue message: English as the
library's text, any language through the catalogue; the duration in words, one or many."""

from __future__ import annotations

import pytest

from migrasim.analysis.plan import slot_description
from migrasim.render.i18n import translator

WEEK, DAY = 604800.0, 86400.0


@pytest.mark.parametrize(("seconds", "when"), [
    (WEEK, "1 week"), (2 * WEEK, "2 weeks"), (DAY, "1 day"), (3 * DAY, "3 days"),
    (5 * 3600.0, "5 h"), (90.0, "90 s"),
])  # fmt: skip
def test_the_description_in_english(seconds: float, when: str) -> None:
    text = slot_description("wired", 2, "wire", seconds)
    assert text == f"wired in crew slot 2 of wire: no earlier than {when} after the start"
    assert translator("en").message(text) == text


def test_the_description_in_welsh() -> None:
    welsh = translator("cy").message(slot_description("wired", 1, "wire", 4 * WEEK))
    assert welsh == (
        "wired yn slot criw 1 yr opsiwn wire: dim cynharach na 4 wythnos ar ôl y dechrau"
    )
    welsh = translator("cy").message(slot_description("wired", 3, "wire", 2 * DAY))
    assert welsh.endswith("dim cynharach na 2 diwrnod ar ôl y dechrau")
