"""errors.Message and N_: an error's text is English (the msgid filled in) wherever it is used
as a string, and the command line translates it with the catalogue of --lang; pydantic's own
error types are mapped to catalogue messages whose English is pydantic's."""

from __future__ import annotations

import pickle

import pytest
from pydantic_core import PydanticKnownError

from migrasim.errors import N_, Message, Problem, ScenarioError, UnitError, translated
from migrasim.render.i18n import translator
from migrasim.scenario.model import _PYDANTIC_PROBLEMS
from migrasim.scenario.types import parse_scenario

WELSH = translator("cy").gettext


def _data(**link: object) -> dict[str, object]:
    return {
        "name": "t",
        "start": "2025-07-07",
        "links": {"wire": {"bandwidth": "100 Mbit/s", **link}},
        "flows": [{"name": "a", "source": "s", "target": "t", "volume": "1 GB", "links": ["wire"]}],
    }


def _problems(data: dict[str, object]) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "plan.yaml")
    return caught.value


def test_a_message_is_its_english_text_and_keeps_its_msgid() -> None:
    message = N_("unknown flow %(flow)s", flow="'Cardif'")
    assert message == "unknown flow 'Cardif'"
    assert isinstance(message, str)
    assert message.msgid == "unknown flow %(flow)s"
    assert message.translated(WELSH) == "llif anhysbys 'Cardif'"
    assert translated(message, None) == "unknown flow 'Cardif'"
    assert translated("plain text", WELSH) == "plain text"  # not a message: as it is


def test_a_message_inside_a_message_is_translated_too() -> None:
    fix = N_("give %(what)s", what=N_("a size per working day, e.g. '1 GB' or '1 GB/day'"))
    assert fix == "give a size per working day, e.g. '1 GB' or '1 GB/day'"
    assert fix.translated(WELSH) == (
        "rhowch werth o'r math hwn: maint fesul diwrnod gwaith, e.e. '1 GB' neu '1 GB/day'"
    )


def test_a_percent_sign_and_a_template_without_values() -> None:
    assert N_("give a fraction, e.g. 0.05 for 5%%") == "give a fraction, e.g. 0.05 for 5%"
    assert N_("got %(value)s") == "got %(value)s"  # a template, kept for later filling


def test_a_translation_with_other_placeholders_falls_back_to_the_english() -> None:
    message = N_("unknown flow %(flow)s", flow="'x'")
    assert message.translated(lambda _: "llif %(enw)s") == "unknown flow 'x'"


def test_a_message_survives_pickling() -> None:
    message = N_("there is no link %(link)s", link="'wan'")
    back = pickle.loads(pickle.dumps(message))
    assert (back, back.msgid, back.values) == (message, message.msgid, {"link": "'wan'"})
    assert isinstance(back, Message)


def test_a_problem_renders_in_welsh_with_file_key_path_and_value() -> None:
    error = _problems(_data(bandwidth="5 XB/s"))
    english = str(error)
    assert english == (
        "plan.yaml: links.wire.bandwidth: unknown unit 'XB' in '5 XB/s'; did you mean 'B'? "
        "Fix: give a rate with a unit, e.g. '100 Mbit/s', '12.5 MB/s' or '20 GB/day'"
    )
    assert error.translated(None) == english
    welsh = error.translated(WELSH)
    assert welsh.startswith(
        "plan.yaml: links.wire.bandwidth: uned anhysbys 'XB' yn '5 XB/s'; ai 'B' oeddech chi'n "
        "ei olygu? Ateb:"
    )
    assert "Ateb: rhowch werth o'r math hwn: cyfradd gydag uned" in welsh
    assert "unknown" not in welsh
    assert "Fix:" not in welsh


def test_an_unknown_key_in_welsh() -> None:
    error = _problems(_data(bandwith="1 Gbit/s"))
    assert str(error).startswith(
        "plan.yaml: links.wire.bandwith: unknown key. Fix: did you mean 'bandwidth'? allowed "
        "keys: daily_cap, bandwidth,"
    )
    assert error.translated(WELSH).startswith(
        "plan.yaml: links.wire.bandwith: allwedd anhysbys. Ateb: ai 'bandwidth' oeddech chi'n "
        "ei olygu? allweddi a ganiateir: daily_cap, bandwidth,"
    )


def test_a_unit_error_is_a_message() -> None:
    error = UnitError(N_("%(text)s is a rate", text="'5 GB/s'"), "a size")
    assert str(error) == "'5 GB/s' is a rate; expected a size"
    assert error.translated(WELSH) == "cyfradd yw '5 GB/s'; disgwylid a size"


def test_a_problem_without_a_message_stays_as_written() -> None:
    problem = Problem("flows[0]", "some English text", "")
    assert problem.render("f.yaml", WELSH) == "f.yaml: flows[0]: some English text."


@pytest.mark.parametrize("kind", sorted(_PYDANTIC_PROBLEMS))
def test_mapped_pydantic_messages_keep_pydantic_english(kind: str) -> None:
    """English is unchanged by the mapping: each message is pydantic's own, lower-cased at the
    start, with the bad value after it."""
    context = {"gt": 0, "ge": 0, "lt": 1, "le": 1, "class_name": "LinkSpec"}
    needed = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt",
              "less_than_equal": "le", "model_type": "class_name"}  # fmt: skip
    ctx = {needed[kind]: context[needed[kind]]} if kind in needed else None
    own = PydanticKnownError(kind, ctx).message()  # type: ignore[arg-type]
    mapped = N_(_PYDANTIC_PROBLEMS[kind].msgid, **(ctx or {}), value="3")
    assert mapped == f"{own[0].lower()}{own[1:]}, got 3"


def test_a_wrong_type_is_a_catalogue_message() -> None:
    error = _problems({**_data(), "replications": "many"})
    assert "replications: input should be a valid integer" in str(error)
    welsh = error.translated(WELSH)
    assert "replications: dylai'r mewnbwn fod yn gyfanrif dilys" in welsh
    assert "'many'" in welsh
