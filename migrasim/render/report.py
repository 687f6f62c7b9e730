"""The programme-board report: one self-contained HTML page (English or Welsh) and a workbook.

:func:`render_html` answers the board's question first (will we make go-live, the P80 date,
the bottleneck, what would fix it), then gives the per-organisation table, the charts, any
extra tables, and the STRESS-DES reporting items (Monks et al. 2018: objectives, logic, data
and assumptions, experimentation, implementation) with the scenario file echoed verbatim.

The page is a single file: the figures are embedded as base64 ``data:`` URIs, the CSS is inline
and nothing is fetched from the network. A tiny inline script records, on load, how many images
decoded (``data-images-ok`` / ``data-images-total`` on ``<body>``) for the browser test.

Every fixed piece of text goes through :data:`WELSH` (English -> Welsh); a string missing from
it raises ``KeyError`` in either language, so an untranslated string cannot ship. User text
(names, descriptions, the scenario) is HTML-escaped and shown as given.

:func:`xlsx_bytes` gives the same results as a workbook (needs ``openpyxl``).
"""

from __future__ import annotations

import base64
import datetime
import html
import io
import math
import re
import struct
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

import pandas as pd

from migrasim.analysis.records import FlowSummary, RunReport
from migrasim.core.calendar import completion_date
from migrasim.core.rules import (
    LATE_BELOW,
    ON_TRACK_FROM,
    Status,
    days_late,
    in_time,
    percent_text,
    status,
)
from migrasim.render.reasons import never_reason_text

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "LANGUAGES",
    "LATE_BELOW",
    "ON_TRACK_FROM",
    "WELSH",
    "Headline",
    "ReportInputs",
    "assumptions_of",
    "date_in_words",
    "headline_from",
    "render_html",
    "xlsx_bytes",
]

LANGUAGES = ("en", "cy")
NEVER = "never"


@dataclass(frozen=True)
class Headline:
    """The programme board's answer, computed by the caller."""

    will_make_go_live: bool | None  # None when the scenario has no go_live
    go_live: datetime.date | None
    p50: datetime.date | None  # programme completion quantiles (None = never)
    p80: datetime.date | None
    p95: datetime.date | None
    prob_by_go_live: float | None  # 0..1
    prob_ci: tuple[float, float] | None
    bottleneck: str  # link name limiting the programme most
    fix: str | None  # plain-language "what would fix it" sentence, in English, or None
    fix_cy: str | None = None  # the same in Welsh, else None (then the English is shown)


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows; see the module docstring."""

    title: str
    command: str
    headline: Headline
    results: RunReport  # the run's records: the organisation table, counts, seed, replications
    figures: dict[str, bytes]  # PNG bytes by name ("burnup", "gantt", "cdf", any subset)
    assumptions: list[tuple[str, str]]  # (where, text) from the scenario's descriptions
    scenario_text: str
    version: str
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return self.results.seed

    @property
    def replications(self) -> int | None:
        """None for a deterministic run."""
        return self.results.replications


# --------------------------------------------------------------------------------------------
# Translation
# --------------------------------------------------------------------------------------------

MONTHS = {
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
    "cy": (
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    ),
}  # fmt: skip

#: Every fixed string of the report, English -> Welsh. Keys may hold ``{placeholders}``.
WELSH: dict[str, str] = {
    # Page and headline
    "Data migration forecast": "Rhagolwg mudo data",
    "Contents": "Cynnwys",
    "Summary": "Crynodeb",
    "Will we make go-live?": "A fyddwn ni'n barod erbyn y dyddiad mynd yn fyw?",
    "Yes": "Byddwn",
    "No": "Na fyddwn",
    "At risk": "Mewn perygl",
    "No go-live date": "Dim dyddiad mynd yn fyw",
    "The scenario has no go-live date, so the report gives completion dates only.": (
        "Nid oes dyddiad mynd yn fyw yn y senario, felly dim ond dyddiadau cwblhau sydd yn yr "
        "adroddiad."
    ),
    "Go-live": "Mynd yn fyw",
    "Go-live: {date}": "Mynd yn fyw: {date}",
    "Chance of finishing everything before go-live on {date}:": (
        "Tebygolrwydd gorffen popeth cyn mynd yn fyw ar {date}:"
    ),
    "95% interval {low} to {high}": "cyfwng 95% {low} i {high}",
    "P80 date": "Dyddiad P80",
    "80 in every 100 simulated runs had finished by this date.": (
        "Roedd 80 o bob 100 rhediad efelychiedig wedi gorffen erbyn y dyddiad hwn."
    ),
    "Finish date": "Dyddiad gorffen",
    "Deterministic run: no input is uncertain, so this is the only outcome.": (
        "Rhediad penderfynedig: nid oes unrhyw fewnbwn yn ansicr, felly dyma'r unig ganlyniad."
    ),
    "The programme does not finish within the simulated horizon.": (
        "Nid yw'r rhaglen yn gorffen o fewn gorwel yr efelychiad."
    ),
    "P50 {p50} · P95 {p95}": "P50 {p50} · P95 {p95}",
    "never": "byth",
    "{n} weeks late": "{n} wythnos yn hwyr",
    "{n} days late": "{n} diwrnod yn hwyr",
    "1 day late": "1 diwrnod yn hwyr",
    "{n} weeks to spare": "{n} wythnos wrth gefn",
    "{n} days to spare": "{n} diwrnod wrth gefn",
    "1 day to spare": "1 diwrnod wrth gefn",
    "no time to spare": "dim amser wrth gefn",
    "Bottleneck": "Tagfa",
    "The capacity limit that holds the programme back most.": (
        "Y terfyn capasiti sy'n dal y rhaglen yn ôl fwyaf."
    ),
    "What would fix it": "Beth fyddai'n datrys hyn",
    "No change was assessed for this run.": "Ni aseswyd unrhyw newid ar gyfer y rhediad hwn.",
    "(in English)": "(yn Saesneg)",
    "{n} replications, seed {seed}": "{n} ailadroddiad, hedyn {seed}",
    "Deterministic run": "Rhediad penderfynedig",
    # Per-organisation table
    "Results by organisation": "Canlyniadau fesul sefydliad",
    "Organisation": "Sefydliad",
    "Data to move": "Data i'w symud",
    "Baseline finish": "Gorffen (llinell sylfaen)",
    "Chance by go-live": "Tebygolrwydd erbyn mynd yn fyw",
    "Against go-live": "O'i gymharu â mynd yn fyw",
    "Status": "Statws",
    "On track": "Ar y trywydd iawn",
    "Likely late": "Tebygol o fod yn hwyr",
    "Late": "Hwyr",
    "On time": "Mewn pryd",
    "Whole programme": "Y rhaglen gyfan",
    "{p} in every 100 simulated runs had finished by this date": (
        "Roedd {p} o bob 100 rhediad efelychiedig wedi gorffen erbyn y dyddiad hwn"
    ),
    "{share} of runs": "{share} o'r rhediadau",
    "Never finishes: {reason}": "Byth yn gorffen: {reason}",
    "{late} of {n} organisations are likely to be late, {risk} are at risk and {ok} are on "
    "track.": (
        "Mae {late} o {n} sefydliad yn debygol o fod yn hwyr, mae {risk} mewn perygl ac mae "
        "{ok} ar y trywydd iawn."
    ),
    "In the baseline run (most likely inputs), {late} of {n} finish after go-live.": (
        "Yn y rhediad llinell sylfaen (mewnbynnau mwyaf tebygol), mae {late} o {n} yn gorffen ar "
        "ôl mynd yn fyw."
    ),
    "{late} of {n} organisations finish after go-live.": (
        "Mae {late} o {n} sefydliad yn gorffen ar ôl mynd yn fyw."
    ),
    "P50, P80 and P95 are the dates by which 50, 80 and 95 in every 100 simulated runs had "
    "finished. The chance by go-live is the share of runs finishing before go-live, with its "
    "95% interval in brackets. On track: a chance of 80% or more; at risk: 20% to 80%; likely "
    "late: under 20%. The baseline uses the most likely value of every input.": (
        "P50, P80 a P95 yw'r dyddiadau erbyn pryd roedd 50, 80 a 95 o bob 100 rhediad "
        "efelychiedig wedi gorffen. Y tebygolrwydd erbyn mynd yn fyw yw cyfran y rhediadau sy'n "
        "gorffen cyn mynd yn fyw, gyda'i gyfwng 95% mewn cromfachau. Ar y trywydd iawn: "
        "tebygolrwydd o 80% neu fwy; mewn perygl: 20% i 80%; tebygol o fod yn hwyr: llai nag "
        "20%. Mae'r llinell sylfaen yn defnyddio gwerth mwyaf tebygol pob mewnbwn."
    ),
    "Dates are from a single deterministic run (no input is uncertain). A flow is in time if "
    "it finishes before go-live.": (
        "Daw'r dyddiadau o un rhediad penderfynedig (nid oes unrhyw fewnbwn yn ansicr). Mae llif "
        "mewn pryd os yw'n gorffen cyn mynd yn fyw."
    ),
    # Charts
    "Charts": "Siartiau",
    "When will everything be across?": "Pryd fydd popeth wedi'i drosglwyddo?",
    "Share of simulated runs in which the whole programme has finished, by date. The dashed "
    "line is go-live; the dotted lines mark the P50, P80 and P95 dates.": (
        "Cyfran y rhediadau efelychiedig lle mae'r rhaglen gyfan wedi gorffen, yn ôl dyddiad. Y "
        "llinell doredig yw'r dyddiad mynd yn fyw; mae'r llinellau dotiog yn dangos dyddiadau "
        "P50, P80 a P95."
    ),
    "Line chart of the share of simulated runs in which the whole programme has finished, by "
    "date; the P80 date is {p80}.": (
        "Siart linell o gyfran y rhediadau efelychiedig lle mae'r rhaglen gyfan wedi gorffen, yn "
        "ôl dyddiad; dyddiad P80 yw {p80}."
    ),
    "Baseline schedule by organisation": "Amserlen y llinell sylfaen fesul sefydliad",
    "Each organisation's migration from start to finish in the baseline run (most likely "
    "inputs). Orange bars finish after go-live; the dashed line is go-live.": (
        "Mudo data pob sefydliad o'r dechrau i'r diwedd yn y rhediad llinell sylfaen (mewnbynnau "
        "mwyaf tebygol). Mae'r barrau oren yn gorffen ar ôl mynd yn fyw; y llinell doredig yw'r "
        "dyddiad mynd yn fyw."
    ),
    "Bar chart of each organisation's migration period in the baseline run; {late} of {n} "
    "finish after go-live.": (
        "Siart bar o gyfnod mudo pob sefydliad yn y rhediad llinell sylfaen; mae {late} o {n} yn "
        "gorffen ar ôl mynd yn fyw."
    ),
    "Bar chart of each organisation's migration period in the baseline run.": (
        "Siart bar o gyfnod mudo pob sefydliad yn y rhediad llinell sylfaen."
    ),
    "Data migrated over time": "Data wedi'i fudo dros amser",
    "Cumulative share of data migrated, per organisation and overall, in the baseline run, "
    "with the P10 to P90 band of the simulated runs. The dashed line is go-live.": (
        "Cyfran gronnus y data a fudwyd, fesul sefydliad ac yn gyffredinol, yn y rhediad llinell "
        "sylfaen, gyda band P10 i P90 y rhediadau efelychiedig. Y llinell doredig yw'r dyddiad "
        "mynd yn fyw."
    ),
    "Line chart of the cumulative percentage of data migrated over time, per organisation and "
    "overall.": (
        "Siart linell o ganran gronnus y data a fudwyd dros amser, fesul sefydliad ac yn "
        "gyffredinol."
    ),
    "Chart: {name}": "Siart: {name}",
    "P50": "P50",
    "P80": "P80",
    "P95": "P95",
    "P50 change (days)": "Newid P50 (dyddiau)",
    "P80 change (days)": "Newid P80 (dyddiau)",
    "P80 change, interval low": "Newid P80, cyfwng isel",
    "P80 change, interval high": "Newid P80, cyfwng uchel",
    "Mean change (days)": "Newid cymedrig (dyddiau)",
    "Mean change, interval low": "Newid cymedrig, cyfwng isel",
    "Mean change, interval high": "Newid cymedrig, cyfwng uchel",
    "Change in chance": "Newid yn y siawns",
    "Change in chance, interval low": "Newid yn y siawns, cyfwng isel",
    "Change in chance, interval high": "Newid yn y siawns, cyfwng uchel",
    "Input": "Mewnbwn",
    "Low": "Isel",
    "High": "Uchel",
    "Finish at low": "Gorffen ar y gwerth isel",
    "Finish at high": "Gorffen ar y gwerth uchel",
    "Change at low (days)": "Newid ar y gwerth isel (dyddiau)",
    "Change at high (days)": "Newid ar y gwerth uchel (dyddiau)",
    "Swing (days)": "Siglad (dyddiau)",
    "What moves the completion date most": "Beth sy'n symud y dyddiad cwblhau fwyaf",
    "Each uncertain input set to its low and then its high value with the others at their "
    "most likely: how many days the whole programme's completion moves.": (
        "Pob mewnbwn ansicr wedi'i osod i'w werth isel ac yna i'w werth uchel, gyda'r lleill ar "
        "eu gwerth mwyaf tebygol: faint o ddyddiau y mae cwblhau'r rhaglen gyfan yn symud."
    ),
    "When will everything be across, by scenario?": ("Pryd fydd popeth wedi symud, fesul senario?"),
    "Share of simulated runs in which the whole programme has finished, by date, for each "
    "scenario on the same random draws. The dashed line is go-live.": (
        "Cyfran y rhediadau efelychiedig lle mae'r rhaglen gyfan wedi gorffen, yn ôl dyddiad, "
        "ar gyfer pob senario ar yr un tyniadau ar hap. Y llinell doriad yw'r dyddiad mynd yn fyw."
    ),
    "Data migrated over time, by scenario": "Data wedi'i fudo dros amser, fesul senario",
    "Cumulative share of data migrated overall in each scenario's baseline run, with the "
    "P10 to P90 band of its simulated runs. The dashed line is go-live.": (
        "Cyfran gronnol y data a fudwyd ym mhob rhediad sylfaenol, gyda band P10 i P90 ei "
        "rediadau efelychiedig. Y llinell doriad yw'r dyddiad mynd yn fyw."
    ),
    "Effect of the swept settings": "Effaith y gosodiadau a amrywiwyd",
    "The P80 date and the chance of making go-live at each point of the sweep.": (
        "Y dyddiad P80 a'r siawns o gyrraedd y dyddiad mynd yn fyw ym mhob pwynt o'r ysgubiad."
    ),
    "Chart labels are in English.": "Mae labeli'r siartiau yn Saesneg.",
    "No charts were produced for this run.": "Ni chynhyrchwyd siartiau ar gyfer y rhediad hwn.",
    # Extra tables
    "Further results": "Canlyniadau pellach",
    "Scenario comparison": "Cymharu senarios",
    "Sensitivity sweep": "Dadansoddiad sensitifrwydd",
    "Bottlenecks by organisation": "Tagfeydd fesul sefydliad",
    "Link": "Cyswllt",
    "Share": "Cyfran",
    "Days late": "Diwrnodau'n hwyr",
    "Source": "Ffynhonnell",
    "Target": "Targed",
    "Start": "Dechrau",
    "Volume (bytes)": "Cyfaint (beitiau)",
    "Total to move (bytes)": "Cyfanswm i'w symud (beitiau)",
    "Chance interval, low": "Cyfwng y tebygolrwydd, isaf",
    "Chance interval, high": "Cyfwng y tebygolrwydd, uchaf",
    "P80 interval, low": "Cyfwng P80, isaf",
    "P80 interval, high": "Cyfwng P80, uchaf",
    "P80 ± days": "P80 ± diwrnodau",
    "Bottleneck share": "Cyfran y dagfa",
    "Why it never finishes": "Pam nad yw byth yn gorffen",
    "yes": "ie",
    "no": "na",
    "(no rows)": "(dim rhesi)",
    # Model and assumptions (STRESS-DES 1-3)
    "Model and assumptions": "Y model a'r rhagdybiaethau",
    "This section and the next two follow the STRESS-DES reporting checklist for "
    "discrete-event simulation studies (Monks et al., 2018).": (
        "Mae'r adran hon a'r ddwy nesaf yn dilyn rhestr wirio adrodd STRESS-DES ar gyfer "
        "astudiaethau efelychu digwyddiadau arwahanol (Monks et al., 2018)."
    ),
    "Objectives": "Amcanion",
    "To estimate when each organisation's bulk data migration in “{title}” will finish; how "
    "likely each organisation, and the programme as a whole, is to finish before go-live; "
    "which capacity limit holds the programme back; and what would change the answer.": (
        "Amcangyfrif pryd y bydd mudo data pob sefydliad yn “{title}” yn gorffen; pa mor "
        "debygol yw pob sefydliad, a'r rhaglen gyfan, o orffen cyn mynd yn fyw; pa derfyn "
        "capasiti sy'n dal y rhaglen yn ôl; a beth fyddai'n newid yr ateb."
    ),
    "Outputs": "Allbynnau",
    "P50, P80 and P95: the earliest dates by which 50, 80 and 95 in every 100 replications had "
    "finished (“never” if that share does not finish within the horizon).": (
        "P50, P80 a P95: y dyddiadau cynharaf erbyn pryd roedd 50, 80 a 95 o bob 100 "
        "ailadroddiad wedi gorffen (“byth” os nad yw'r gyfran honno'n gorffen o fewn y gorwel)."
    ),
    "Chance by go-live: the share of replications finishing before the go-live date, with a "
    "95% Wilson score interval.": (
        "Tebygolrwydd erbyn mynd yn fyw: cyfran yr ailadroddiadau sy'n gorffen cyn y dyddiad "
        "mynd yn fyw, gyda chyfwng sgôr Wilson 95%."
    ),
    "Bottleneck: the link that limited a flow's rate for the longest time while it was moving, "
    "most often across replications; for the whole programme, that of the organisation "
    "finishing last.": (
        "Tagfa: y cyswllt a gyfyngodd gyfradd llif am yr amser hiraf tra oedd yn symud, amlaf ar "
        "draws yr ailadroddiadau; ar gyfer y rhaglen gyfan, tagfa'r sefydliad sy'n gorffen olaf."
    ),
    "A flow finishes on the day its last byte arrives; it is in time if that day is before "
    "go-live.": (
        "Mae llif yn gorffen ar y diwrnod y mae ei feit olaf yn cyrraedd; mae mewn pryd os yw'r "
        "diwrnod hwnnw cyn mynd yn fyw."
    ),
    "How the model works": "Sut mae'r model yn gweithio",
    "Flow-level discrete-event simulation: each organisation's migration is a flow of data "
    "along one or more links. Rates stay constant between events and are recalculated only "
    "when a window opens or closes, a daily cap runs out, or a flow starts or finishes.": (
        "Efelychiad digwyddiadau arwahanol ar lefel llif: mae mudo data pob sefydliad yn llif o "
        "ddata ar hyd un cyswllt neu fwy. Mae'r cyfraddau'n gyson rhwng digwyddiadau ac yn cael "
        "eu hailgyfrifo dim ond pan fydd ffenestr yn agor neu'n cau, pan fydd cap dyddiol wedi'i "
        "ddefnyddio, neu pan fydd llif yn dechrau neu'n gorffen."
    ),
    "Working days: data moves only on working days, not at weekends, on bank holidays or "
    "during closures such as change freezes.": (
        "Diwrnodau gwaith: dim ond ar ddiwrnodau gwaith y mae data'n symud, nid ar benwythnosau, "
        "ar wyliau banc nac yn ystod cyfnodau cau fel rhewi newidiadau."
    ),
    "Daily caps: a capped link moves at most its cap on each working day.": (
        "Capiau dyddiol: mae cyswllt â chap yn symud dim mwy na'i gap ar bob diwrnod gwaith."
    ),
    "Transfer windows: a link with a window moves data only between its opening and closing "
    "times.": (
        "Ffenestri trosglwyddo: dim ond rhwng ei amseroedd agor a chau y mae cyswllt â ffenestr "
        "yn symud data."
    ),
    "Sharing: a shared link divides its capacity fairly between the flows using it (max-min "
    "fairness); a per-organisation link gives each flow its own copy.": (
        "Rhannu: mae cyswllt a rennir yn rhannu ei gapasiti'n deg rhwng y llifoedd sy'n ei "
        "ddefnyddio (tegwch max-min); mae cyswllt fesul sefydliad yn rhoi ei gopi ei hun i bob "
        "llif."
    ),
    "Uncertainty (Monte Carlo): uncertain inputs such as volumes, growth, rejected data, "
    "outages and lead times are drawn afresh in every replication, and estimates in one "
    "correlation group err together. The baseline run uses the most likely value of every "
    "input.": (
        "Ansicrwydd (Monte Carlo): mae mewnbynnau ansicr fel cyfeintiau, twf, data a wrthodwyd, "
        "toriadau ac amseroedd arwain yn cael eu tynnu o'r newydd ym mhob ailadroddiad, ac mae "
        "amcangyfrifon yn yr un grŵp cydberthynas yn cyfeiliorni gyda'i gilydd. Mae'r rhediad "
        "llinell sylfaen yn defnyddio gwerth mwyaf tebygol pob mewnbwn."
    ),
    "Data and assumptions": "Data a rhagdybiaethau",
    "Each entry comes from a description in the scenario file. Entries marked as assumptions "
    "are estimates, not measurements: replace them with your own figures as they become "
    "available.": (
        "Daw pob cofnod o ddisgrifiad yn ffeil y senario. Amcangyfrifon yw'r cofnodion a nodir "
        "fel rhagdybiaethau, nid mesuriadau: rhowch eich ffigurau eich hun yn eu lle pan fyddant "
        "ar gael."
    ),
    "Assumptions": "Rhagdybiaethau",
    "Where in the scenario": "Lle yn y senario",
    "Assumption or source": "Rhagdybiaeth neu ffynhonnell",
    "The scenario file describes none of its data.": "Nid yw ffeil y senario yn disgrifio ei data.",
    # Experimentation and implementation (STRESS-DES 4-6)
    "Experimentation": "Arbrofi",
    "Replications": "Ailadroddiadau",
    "none (deterministic run: no input is uncertain)": (
        "dim (rhediad penderfynedig: nid oes unrhyw fewnbwn yn ansicr)"
    ),
    "Seed": "Hedyn",
    "Run length": "Hyd y rhediad",
    "Each run starts at the scenario start with all data still to move and ends when every "
    "flow has finished or the horizon is reached. There is no warm-up period.": (
        "Mae pob rhediad yn dechrau ar ddechrau'r senario gyda'r holl ddata i'w symud o hyd, ac "
        "yn gorffen pan fydd pob llif wedi gorffen neu pan gyrhaeddir y gorwel. Nid oes cyfnod "
        "cynhesu."
    ),
    "Random numbers": "Haprifau",
    "Each replication draws from its own random stream derived from the seed, and each input "
    "from its own sub-stream, so the same seed gives the same results whatever the number of "
    "worker processes.": (
        "Mae pob ailadroddiad yn tynnu o'i ffrwd hap ei hun sy'n deillio o'r hedyn, a phob "
        "mewnbwn o'i is-ffrwd ei hun, felly mae'r un hedyn yn rhoi'r un canlyniadau beth bynnag "
        "yw nifer y prosesau gweithio."
    ),
    "Precision": "Manwl gywirdeb",
    "With 95% confidence the programme's P80 lies between {low} and {high} (± {half} days).": (
        "Gyda hyder o 95%, mae P80 y rhaglen rhwng {low} a {high} (± {half} diwrnod)."
    ),
    "With 95% confidence the programme's P80 lies between {low} and {high}.": (
        "Gyda hyder o 95%, mae P80 y rhaglen rhwng {low} a {high}."
    ),
    "Run more replications to narrow it.": "Rhedwch ragor o ailadroddiadau i'w gulhau.",
    "Software": "Meddalwedd",
    "Version": "Fersiwn",
    "How to reproduce": "Sut i atgynhyrchu",
    "Run this command in the project folder, with the scenario file shown below:": (
        "Rhedwch y gorchymyn hwn yn ffolder y prosiect, gyda ffeil y senario a ddangosir isod:"
    ),
    "Command": "Gorchymyn",
    "Scenario": "Senario",
    "The scenario file used for this run, exactly as given:": (
        "Ffeil y senario a ddefnyddiwyd ar gyfer y rhediad hwn, yn union fel y'i rhoddwyd:"
    ),
    "Produced by migrasim {version}.": "Cynhyrchwyd gan migrasim {version}.",
}

#: Headings for known extra tables (the key of ``extra_tables``).
EXTRA_TITLES = {
    "compare": "Scenario comparison",
    "comparison": "Scenario comparison",
    "sweep": "Sensitivity sweep",
    "bottlenecks": "Bottlenecks by organisation",
    "sensitivity": "What moves the completion date most",
}

#: Labels for known column names (summary.csv's and common extra-table columns).
COLUMN_LABELS = {
    "flow": "Organisation",
    "scenario": "Scenario",
    "source": "Source",
    "target": "Target",
    "volume_bytes": "Volume (bytes)",
    "total_bytes": "Total to move (bytes)",
    "start": "Start",
    "baseline_completion": "Baseline finish",
    "p50": "P50",
    "p80": "P80",
    "p95": "P95",
    "prob_by_go_live": "Chance by go-live",
    "prob_ci_low": "Chance interval, low",
    "prob_ci_high": "Chance interval, high",
    "p80_ci_low": "P80 interval, low",
    "p80_ci_high": "P80 interval, high",
    "p80_halfwidth_days": "P80 ± days",
    "days_late": "Days late",
    "bottleneck": "Bottleneck",
    "bottleneck_share": "Bottleneck share",
    "never_reason": "Why it never finishes",
    "link": "Link",
    "share": "Share",
    "replications": "Replications",
    "p50_diff_days": "P50 change (days)",
    "p80_diff_days": "P80 change (days)",
    "p80_diff_ci_low": "P80 change, interval low",
    "p80_diff_ci_high": "P80 change, interval high",
    "mean_diff_days": "Mean change (days)",
    "mean_diff_ci_low": "Mean change, interval low",
    "mean_diff_ci_high": "Mean change, interval high",
    "prob_diff": "Change in chance",
    "prob_diff_ci_low": "Change in chance, interval low",
    "prob_diff_ci_high": "Change in chance, interval high",
    "input": "Input",
    "low": "Low",
    "high": "High",
    "completion_at_low": "Finish at low",
    "completion_at_high": "Finish at high",
    "change_low_days": "Change at low (days)",
    "change_high_days": "Change at high (days)",
    "swing_days": "Swing (days)",
}

_FIGURE_ORDER = ("cdf", "gantt", "burnup", "tornado", "compare_cdf", "compare_burnup", "sweep")

#: Titles and captions (English; translated through WELSH) of the other charts.
_OTHER_FIGURES = {
    "tornado": (
        "What moves the completion date most",
        "Each uncertain input set to its low and then its high value with the others at their "
        "most likely: how many days the whole programme's completion moves.",
    ),
    "compare_cdf": (
        "When will everything be across, by scenario?",
        "Share of simulated runs in which the whole programme has finished, by date, for each "
        "scenario on the same random draws. The dashed line is go-live.",
    ),
    "compare_burnup": (
        "Data migrated over time, by scenario",
        "Cumulative share of data migrated overall in each scenario's baseline run, with the "
        "P10 to P90 band of its simulated runs. The dashed line is go-live.",
    ),
    "sweep": (
        "Effect of the swept settings",
        "The P80 date and the chance of making go-live at each point of the sweep.",
    ),
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_PERCENT_COLUMNS = re.compile(r"^(prob|chance)|share$|_ci_(low|high)$")
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Tr:
    """Looks fixed strings up in :data:`WELSH`; unknown strings are a bug in either language."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
        self.lang = lang

    def text(self, key: str, **values: object) -> str:
        """Plain text (escape it before use)."""
        if key not in WELSH:
            raise KeyError(f"report string without a Welsh translation: {key!r}")
        template = WELSH[key] if self.lang == "cy" else key
        return template.format(**values) if values else template

    def html(self, key: str, **fragments: str) -> str:
        """Escaped text; ``fragments`` are already HTML and are inserted as they are."""
        if key not in WELSH:
            raise KeyError(f"report string without a Welsh translation: {key!r}")
        template = html.escape(WELSH[key] if self.lang == "cy" else key)
        return template.format(**fragments) if fragments else template

    def __call__(self, key: str, **values: object) -> str:
        """Escaped text with plain (escaped here) values."""
        return html.escape(self.text(key, **values))


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def date_in_words(day: datetime.date, lang: str = "en") -> str:
    """``5 January 2026`` / ``5 Ionawr 2026``."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


# --------------------------------------------------------------------------------------------
# Reading table values (they come from summary_frame in memory or from summary.csv)
# --------------------------------------------------------------------------------------------


class _Blank(Enum):
    BLANK = "blank"


_BLANK = _Blank.BLANK
_Day = datetime.date | None | _Blank  # None = never, _BLANK = no value


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def _to_day(value: object, moment: bool = False) -> _Day:
    """A date from a date, datetime, Timestamp or ISO text; ``moment`` applies the end-of-day
    rule (a completion at 00:00 counts for the day before)."""
    if _is_missing(value):
        return _BLANK
    if isinstance(value, datetime.datetime):
        naive = value.replace(tzinfo=None)
        return completion_date(naive) if moment else naive.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if text.lower() == NEVER:
        return None
    try:
        if _DATE_RE.match(text):
            return datetime.date.fromisoformat(text)
        if _DATETIME_RE.match(text):
            parsed = datetime.datetime.fromisoformat(text).replace(tzinfo=None)
            return completion_date(parsed) if moment else parsed.date()
    except ValueError:
        return _BLANK
    return _BLANK


def _to_float(value: object) -> float | None:
    if _is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(str(value)) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _size(n_bytes: float) -> str:
    """Decimal units as migrasim uses them (1 GB = 10^9 bytes)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:,.1f} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return f"{n_bytes:,.0f} B"


def _number(value: float) -> str:
    if value.is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


# --------------------------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------------------------


def _day_html(day: _Day, tr: _Tr) -> str:
    if day is _BLANK:
        return ""
    if day is None:
        return f'<span class="never">{tr("never")}</span>'
    return _esc(date_in_words(day, tr.lang))


def _lateness(late: int, tr: _Tr) -> tuple[str, bool]:
    """'12 weeks late' / '3 days to spare' from ``core.rules.days_late``."""
    if late == 0:
        return tr("no time to spare"), False
    n = abs(late)
    if n > 14:
        key = "{n} weeks late" if late > 0 else "{n} weeks to spare"
        return tr(key, n=round(n / 7)), late > 0
    if n == 1:
        return tr("1 day late" if late > 0 else "1 day to spare"), late > 0
    return tr("{n} days late" if late > 0 else "{n} days to spare", n=n), late > 0


def _verdict(headline: Headline) -> str:
    """'yes', 'risk', 'no' or 'none' (no go-live)."""
    if headline.will_make_go_live is None or headline.go_live is None:
        return "none"
    prob = headline.prob_by_go_live
    if headline.will_make_go_live:
        return "yes" if prob is None or status(prob, None) is Status.ON_TRACK else "risk"
    return "no" if prob is None or prob < 0.5 else "risk"


def _link_description(name: str, assumptions: Iterable[tuple[str, str]]) -> str | None:
    for where, text in assumptions:
        if where in (f"links.{name}", name, f"links[{name}]"):
            return text
    return None


def _headline_html(inputs: ReportInputs, tr: _Tr) -> str:
    h = inputs.headline
    verdict = _verdict(h)
    answer = {
        "yes": tr("Yes"),
        "no": tr("No"),
        "risk": tr("At risk"),
        "none": tr("No go-live date"),
    }[verdict]
    deterministic = inputs.replications is None
    parts = [f'<div class="card answer verdict-{verdict}">']
    parts.append(f'<p class="label">{tr("Will we make go-live?")}</p>')
    parts.append(f'<p class="big" id="verdict">{answer}</p>')
    if verdict == "none":
        parts.append(
            "<p>"
            + tr("The scenario has no go-live date, so the report gives completion dates only.")
            + "</p>"
        )
    elif h.go_live is not None and h.prob_by_go_live is not None and not deterministic:
        chance = f"<strong>{_esc(percent_text(h.prob_by_go_live))}</strong>"
        if h.prob_ci is not None:
            interval = tr.html(
                "95% interval {low} to {high}",
                low=_esc(percent_text(h.prob_ci[0])),
                high=_esc(percent_text(h.prob_ci[1])),
            )
            chance += f" ({interval})"
        go_live_words = _esc(date_in_words(h.go_live, tr.lang))
        lead = tr.html(
            "Chance of finishing everything before go-live on {date}:", date=go_live_words
        )
        parts.append(f'<p class="chance">{lead} {chance}</p>')
    elif h.go_live is not None:
        parts.append(
            f"<p>{tr.html('Go-live: {date}', date=_esc(date_in_words(h.go_live, tr.lang)))}</p>"
        )
    parts.append("</div>")

    # P80 (or the single finish date of a deterministic run)
    parts.append('<div class="card">')
    label = tr("Finish date") if deterministic else tr("P80 date")
    parts.append(f'<p class="label">{label}</p>')
    parts.append(f'<p class="big" id="p80">{_day_html(h.p80, tr)}</p>')
    if h.p80 is None:
        parts.append(f"<p>{tr('The programme does not finish within the simulated horizon.')}</p>")
    elif h.go_live is not None:
        phrase, late = _lateness(days_late(h.p80, h.go_live) or 0, tr)
        parts.append(f'<p class="delta {"late" if late else "early"}">{phrase}</p>')
    if deterministic:
        parts.append(
            '<p class="small">'
            + tr("Deterministic run: no input is uncertain, so this is the only outcome.")
            + "</p>"
        )
    else:
        parts.append(
            f'<p class="small">{tr("80 in every 100 simulated runs had finished by this date.")}'
            "</p>"
        )
        others = tr.html(
            "P50 {p50} · P95 {p95}", p50=_day_html(h.p50, tr), p95=_day_html(h.p95, tr)
        )
        parts.append(f'<p class="small">{others}</p>')
    parts.append("</div>")

    # Bottleneck
    parts.append('<div class="card">')
    parts.append(f'<p class="label">{tr("Bottleneck")}</p>')
    parts.append(f'<p class="big bottleneck" id="bottleneck">{_esc(h.bottleneck or "-")}</p>')
    described = _link_description(h.bottleneck, inputs.assumptions)
    if described:
        parts.append(f'<p class="small">{_esc(described)}</p>')
    parts.append(
        f'<p class="small">{tr("The capacity limit that holds the programme back most.")}</p>'
    )
    parts.append("</div>")

    # What would fix it
    parts.append('<div class="card fix">')
    parts.append(f'<p class="label">{tr("What would fix it")}</p>')
    if tr.lang == "cy" and h.fix_cy:
        parts.append(f'<p class="fix-text" id="fix">{_esc(h.fix_cy)}</p>')
    elif h.fix:
        if tr.lang == "cy":
            parts.append(
                f'<p class="fix-text" id="fix"><span lang="en">{_esc(h.fix)}</span> '
                f'<span class="small">{tr("(in English)")}</span></p>'
            )
        else:
            parts.append(f'<p class="fix-text" id="fix">{_esc(h.fix)}</p>')
    else:
        parts.append(f'<p id="fix">{tr("No change was assessed for this run.")}</p>')
    parts.append("</div>")
    return (
        '<section id="summary" aria-labelledby="h-summary">'
        f'<h2 id="h-summary">{tr("Summary")}</h2>'
        f'<div class="cards">{"".join(parts)}</div></section>'
    )


def _badge(status: str | None, tr: _Tr, deterministic: bool) -> str:
    if status is None:
        return ""
    if deterministic:
        label = {"ok": tr("On time"), "late": tr("Late"), "risk": tr("At risk")}[status]
    else:
        label = {"ok": tr("On track"), "late": tr("Likely late"), "risk": tr("At risk")}[status]
    return f'<span class="badge badge-{status}">{label}</span>'


def _organisation_table(inputs: ReportInputs, tr: _Tr) -> str:
    report = inputs.results
    go_live = report.go_live
    deterministic = report.deterministic
    has_go_live = go_live is not None

    def abbr(p: int) -> str:
        title = tr("{p} in every 100 simulated runs had finished by this date", p=p)
        return f'<abbr title="{title}">P{p}</abbr>'

    head = [tr("Organisation")]
    if has_go_live:
        head.append(tr("Status"))
    head.append(tr("Data to move"))
    if deterministic:
        head.append(tr("Finish date"))
        if has_go_live:
            head.append(tr("Against go-live"))
    else:
        head += [tr("Baseline finish"), abbr(50), abbr(80), abbr(95)]
        if has_go_live:
            head.append(tr("Chance by go-live"))
    head.append(tr("Bottleneck"))

    body: list[str] = []
    for row in report.rows:
        status = None if row.status is None else row.status.value
        baseline = row.baseline_completed_on
        name = tr("Whole programme") if row.is_programme else _esc(row.name)
        reason = never_reason_text(row.never_reason).strip()
        if (baseline is None or row.p50 is None) and reason:
            name += (
                '<span class="reason">'
                + tr.html(
                    "Never finishes: {reason}", reason=f'<span lang="en">{_esc(reason)}</span>'
                )
                + "</span>"
            )
        cells = [f'<th scope="row">{name}</th>']
        if has_go_live:
            cells.append(f"<td>{_badge(status, tr, deterministic)}</td>")
        cells.append(f'<td class="num">{_size(round(row.total_bytes))}</td>')
        cells.append(f"<td>{_day_html(baseline, tr)}</td>")
        if deterministic:
            if go_live is not None:
                if row.days_late is not None:
                    phrase, late = _lateness(row.days_late, tr)
                    cells.append(f'<td class="{"late" if late else "early"}">{phrase}</td>')
                else:
                    cells.append("<td></td>")
        else:
            for day, cls in ((row.p50, ""), (row.p80, ' class="p80"'), (row.p95, "")):
                cells.append(f"<td{cls}>{_day_html(day, tr)}</td>")
            if has_go_live:
                chance = ""
                if row.chance is not None:
                    chance = f"<strong>{_esc(percent_text(row.chance))}</strong>"
                    if row.chance_ci is not None:
                        low, high = row.chance_ci
                        chance += (
                            f'<span class="ci">{_esc(percent_text(low))}–'
                            f"{_esc(percent_text(high))}</span>"
                        )
                cells.append(f'<td class="num">{chance}</td>')
        bottleneck = _esc(row.bottleneck)
        if bottleneck and not deterministic:
            share = percent_text(row.bottleneck_share)
            bottleneck += f'<span class="ci">{tr("{share} of runs", share=share)}</span>'
        cells.append(f"<td>{bottleneck}</td>")
        classes = []
        if status is not None:
            classes.append(f"row-{status}")
        if row.is_programme:
            classes.append("total")
        cls = f' class="{" ".join(classes)}"' if classes else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")

    counts = report.counts
    intro = ""
    if has_go_live and deterministic:
        intro = tr(
            "{late} of {n} organisations finish after go-live.", late=counts.late, n=counts.flows
        )
    elif has_go_live:
        intro = tr(
            "{late} of {n} organisations are likely to be late, {risk} are at risk and {ok} are "
            "on track.",
            late=counts.late,
            n=counts.flows,
            risk=counts.at_risk,
            ok=counts.on_track,
        )
        intro += " " + tr(
            "In the baseline run (most likely inputs), {late} of {n} finish after go-live.",
            late=counts.late_in_baseline,
            n=counts.flows,
        )
    note = tr(
        "Dates are from a single deterministic run (no input is uncertain). A flow is in time if "
        "it finishes before go-live."
        if deterministic
        else "P50, P80 and P95 are the dates by which 50, 80 and 95 in every 100 simulated runs "
        "had finished. The chance by go-live is the share of runs finishing before go-live, with "
        "its 95% interval in brackets. On track: a chance of 80% or more; at risk: 20% to 80%; "
        "likely late: under 20%. The baseline uses the most likely value of every input."
    )
    header = "".join(f'<th scope="col">{h}</th>' for h in head)
    return (
        '<section id="organisations" aria-labelledby="h-organisations">'
        f'<h2 id="h-organisations">{tr("Results by organisation")}</h2>'
        + (f'<p class="lead">{intro}</p>' if intro else "")
        + '<div class="table-wrap"><table class="orgs">'
        f'<caption class="visually-hidden">{tr("Results by organisation")}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        f'<p class="note">{note}</p></section>'
    )


def _mime(data: bytes) -> str:
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:200].lstrip()
    if head.startswith((b"<svg", b"<?xml")):
        return "image/svg+xml"
    return "image/png"


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data.startswith(_PNG_MAGIC) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def _figure_key(name: str) -> str:
    stem = name.rsplit("/", 1)[-1]
    return stem[:-4] if stem.lower().endswith(".png") else stem


def _figures_html(inputs: ReportInputs, tr: _Tr) -> str:
    h = inputs.headline
    names = sorted(
        inputs.figures,
        key=lambda k: (
            _FIGURE_ORDER.index(_figure_key(k)) if _figure_key(k) in _FIGURE_ORDER else 99,
            k,
        ),
    )
    blocks: list[str] = []
    for i, name in enumerate(names):
        data = inputs.figures[name]
        key = _figure_key(name)
        if key == "cdf":
            title = tr("When will everything be across?")
            caption = tr(
                "Share of simulated runs in which the whole programme has finished, by date. "
                "The dashed line is go-live; the dotted lines mark the P50, P80 and P95 dates."
            )
            p80 = date_in_words(h.p80, tr.lang) if h.p80 else tr.text("never")
            alt = tr(
                "Line chart of the share of simulated runs in which the whole programme has "
                "finished, by date; the P80 date is {p80}.",
                p80=p80,
            )
        elif key == "gantt":
            title = tr("Baseline schedule by organisation")
            caption = tr(
                "Each organisation's migration from start to finish in the baseline run (most "
                "likely inputs). Orange bars finish after go-live; the dashed line is go-live."
            )
            counts = inputs.results.counts
            if h.go_live is not None:
                alt = tr(
                    "Bar chart of each organisation's migration period in the baseline run; "
                    "{late} of {n} finish after go-live.",
                    late=counts.late_in_baseline,
                    n=counts.flows,
                )
            else:
                alt = tr("Bar chart of each organisation's migration period in the baseline run.")
        elif key == "burnup":
            title = tr("Data migrated over time")
            caption = tr(
                "Cumulative share of data migrated, per organisation and overall, in the baseline "
                "run, with the P10 to P90 band of the simulated runs. The dashed line is go-live."
            )
            alt = tr(
                "Line chart of the cumulative percentage of data migrated over time, per "
                "organisation and overall."
            )
        elif key in _OTHER_FIGURES:
            title_en, caption_en = _OTHER_FIGURES[key]
            title, caption, alt = tr(title_en), tr(caption_en), tr(title_en)
        else:
            title = _esc(key)
            caption = tr("Chart: {name}", name=key)
            alt = caption
        if tr.lang == "cy":
            caption += f" {tr('Chart labels are in English.')}"
        size = _png_size(data)
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        uri = f"data:{_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"
        fig_id = f"fig-{i + 1}"
        blocks.append(
            f'<figure id="{fig_id}" aria-labelledby="{fig_id}-title">'
            f'<h3 id="{fig_id}-title">{title}</h3>'
            f'<img src="{uri}" alt="{alt}"{dims} decoding="sync">'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    if not blocks:
        blocks.append(f"<p>{tr('No charts were produced for this run.')}</p>")
    return (
        '<section id="charts" aria-labelledby="h-charts">'
        f'<h2 id="h-charts">{tr("Charts")}</h2>{"".join(blocks)}</section>'
    )


def _cell_html(column: str, value: object, tr: _Tr) -> tuple[str, bool]:
    """(HTML, is numeric) for one value of an extra table."""
    if _is_missing(value):
        return "", False
    if isinstance(value, bool):
        return tr("yes" if value else "no"), False
    if isinstance(value, (datetime.date, pd.Timestamp)):
        return _day_html(_to_day(value), tr), False
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == NEVER:
            return _day_html(None, tr), False
        if _DATE_RE.match(text) or _DATETIME_RE.match(text):
            day = _to_day(text, moment=column == "baseline_completion")
            if day is not _BLANK:
                return _day_html(day, tr), False
        return _esc(value), False
    number = _to_float(value)
    if number is None:
        return _esc(value), False
    if _PERCENT_COLUMNS.search(column) and 0.0 <= number <= 1.0:
        return _esc(percent_text(number)), True
    return _esc(_number(number)), True


def _column_label(column: str, tr: _Tr) -> str:
    known = COLUMN_LABELS.get(column)
    return tr(known) if known else _esc(column)


def _extra_tables_html(inputs: ReportInputs, tr: _Tr) -> str:
    if not inputs.extra_tables:
        return ""
    blocks: list[str] = []
    for i, (key, frame) in enumerate(inputs.extra_tables.items()):
        known = EXTRA_TITLES.get(key.lower())
        title = tr(known) if known else _esc(key)
        columns = [str(c) for c in frame.columns]
        header = "".join(f'<th scope="col">{_column_label(c, tr)}</th>' for c in columns)
        body: list[str] = []
        for row in _rows(frame):
            cells = []
            for j, column in enumerate(columns):
                text, numeric = _cell_html(column, row.get(column), tr)
                if j == 0:
                    cells.append(f'<th scope="row">{text}</th>')
                else:
                    cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
            body.append(f"<tr>{''.join(cells)}</tr>")
        if not body:
            body.append(f'<tr><td colspan="{max(1, len(columns))}">{tr("(no rows)")}</td></tr>')
        blocks.append(
            f'<h3 id="extra-{i + 1}">{title}</h3><div class="table-wrap"><table>'
            f'<caption class="visually-hidden">{title}</caption>'
            f"<thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )
    return (
        '<section id="further" aria-labelledby="h-further">'
        f'<h2 id="h-further">{tr("Further results")}</h2>{"".join(blocks)}</section>'
    )


def _model_html(inputs: ReportInputs, tr: _Tr) -> str:
    outputs = [
        "P50, P80 and P95: the earliest dates by which 50, 80 and 95 in every 100 replications "
        "had finished (“never” if that share does not finish within the horizon).",
        "Chance by go-live: the share of replications finishing before the go-live date, with a "
        "95% Wilson score interval.",
        "Bottleneck: the link that limited a flow's rate for the longest time while it was "
        "moving, most often across replications; for the whole programme, that of the "
        "organisation finishing last.",
        "A flow finishes on the day its last byte arrives; it is in time if that day is before "
        "go-live.",
    ]
    logic = [
        "Flow-level discrete-event simulation: each organisation's migration is a flow of data "
        "along one or more links. Rates stay constant between events and are recalculated only "
        "when a window opens or closes, a daily cap runs out, or a flow starts or finishes.",
        "Working days: data moves only on working days, not at weekends, on bank holidays or "
        "during closures such as change freezes.",
        "Daily caps: a capped link moves at most its cap on each working day.",
        "Transfer windows: a link with a window moves data only between its opening and closing "
        "times.",
        "Sharing: a shared link divides its capacity fairly between the flows using it (max-min "
        "fairness); a per-organisation link gives each flow its own copy.",
        "Uncertainty (Monte Carlo): uncertain inputs such as volumes, growth, rejected data, "
        "outages and lead times are drawn afresh in every replication, and estimates in one "
        "correlation group err together. The baseline run uses the most likely value of every "
        "input.",
    ]
    if inputs.assumptions:
        rows = "".join(
            f'<tr><th scope="row"><code>{_esc(where)}</code></th><td>{_esc(text)}</td></tr>'
            for where, text in inputs.assumptions
        )
        table = (
            '<div class="table-wrap"><table class="assumptions">'
            f'<caption class="visually-hidden">{tr("Assumptions")}</caption>'
            f'<thead><tr><th scope="col">{tr("Where in the scenario")}</th>'
            f'<th scope="col">{tr("Assumption or source")}</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )
    else:
        table = f"<p>{tr('The scenario file describes none of its data.')}</p>"
    objective = tr.html(
        "To estimate when each organisation's bulk data migration in “{title}” will finish; how "
        "likely each organisation, and the programme as a whole, is to finish before go-live; "
        "which capacity limit holds the programme back; and what would change the answer.",
        title=_esc(inputs.title),
    )
    return (
        '<section id="model" aria-labelledby="h-model">'
        f'<h2 id="h-model">{tr("Model and assumptions")}</h2>'
        '<p class="note">'
        + tr(
            "This section and the next two follow the STRESS-DES reporting checklist for "
            "discrete-event simulation studies (Monks et al., 2018)."
        )
        + "</p>"
        f"<h3>{tr('Objectives')}</h3><p>{objective}</p>"
        f"<h3>{tr('Outputs')}</h3><ul>{''.join(f'<li>{tr(s)}</li>' for s in outputs)}</ul>"
        f"<h3>{tr('How the model works')}</h3>"
        f"<ul>{''.join(f'<li>{tr(s)}</li>' for s in logic)}</ul>"
        f'<h3 id="assumptions">{tr("Data and assumptions")}</h3>'
        "<p>"
        + tr(
            "Each entry comes from a description in the scenario file. Entries marked as "
            "assumptions are estimates, not measurements: replace them with your own figures as "
            "they become available."
        )
        + f"</p>{table}</section>"
    )


def _experimentation_html(inputs: ReportInputs, tr: _Tr) -> str:
    items: list[tuple[str, str]] = []
    if inputs.replications is None:
        items.append((tr("Replications"), tr("none (deterministic run: no input is uncertain)")))
    else:
        items.append((tr("Replications"), _esc(f"{inputs.replications:,}")))
    items.append((tr("Seed"), f"<code>{_esc(inputs.seed)}</code>"))
    items.append(
        (
            tr("Run length"),
            tr(
                "Each run starts at the scenario start with all data still to move and ends when "
                "every flow has finished or the horizon is reached. There is no warm-up period."
            ),
        )
    )
    if inputs.replications is not None:
        items.append(
            (
                tr("Random numbers"),
                tr(
                    "Each replication draws from its own random stream derived from the seed, and "
                    "each input from its own sub-stream, so the same seed gives the same results "
                    "whatever the number of worker processes."
                ),
            )
        )
        total = inputs.results.programme
        low, high = total.p80_ci
        half = total.p80_halfwidth_days
        if half is not None:
            text = tr.html(
                "With 95% confidence the programme's P80 lies between {low} and {high} "
                "(± {half} days).",
                low=_day_html(low, tr),
                high=_day_html(high, tr),
                half=_esc(_number(half)),
            )
        else:
            text = tr.html(
                "With 95% confidence the programme's P80 lies between {low} and {high}.",
                low=_day_html(low, tr),
                high=_day_html(high, tr),
            )
        if half is None or half > 3.5:
            text += " " + tr("Run more replications to narrow it.")
        items.append((tr("Precision"), text))
    items.append((tr("Software"), f"migrasim {_esc(inputs.version)} (Python, SimPy)"))
    items.append((tr("Version"), f"<code>{_esc(inputs.version)}</code>"))
    rows = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
    return (
        '<section id="experimentation" aria-labelledby="h-experimentation">'
        f'<h2 id="h-experimentation">{tr("Experimentation")}</h2><dl class="facts">{rows}</dl>'
        f'<h3 id="reproduce">{tr("How to reproduce")}</h3>'
        f"<p>{tr('Run this command in the project folder, with the scenario file shown below:')}"
        f'</p><pre class="command" aria-label="{tr("Command")}"><code>{_esc(inputs.command)}'
        "</code></pre></section>"
    )


def _scenario_html(inputs: ReportInputs, tr: _Tr) -> str:
    return (
        '<section id="scenario" aria-labelledby="h-scenario">'
        f'<h2 id="h-scenario">{tr("Scenario")}</h2>'
        f"<p>{tr('The scenario file used for this run, exactly as given:')}</p>"
        f'<pre class="scenario" lang="en"><code>{_esc(inputs.scenario_text)}</code></pre>'
        "</section>"
    )


_CSS = """
:root{--ink:#1b1f24;--muted:#4a5360;--line:#d5dae1;--bg:#f4f6f9;--navy:#12284c;
--ok:#0b6b2d;--ok-bg:#e3f4e8;--risk:#7a4a00;--risk-bg:#fff1cc;--late:#9b1c1c;--late-bg:#fde8e8}
*{box-sizing:border-box}
html{font-size:16px}
body{margin:0;color:var(--ink);background:#fff;line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header.masthead{background:var(--navy);color:#fff;padding:1.5rem 0 1.25rem}
.wrap{max-width:76rem;margin:0 auto;padding:0 1.5rem}
.eyebrow{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;color:#c9d6ea}
h1{margin:.25rem 0 .5rem;font-size:1.75rem;line-height:1.25}
.meta{margin:0;color:#dfe7f3;font-size:.95rem}
nav.toc{background:var(--bg);border-bottom:1px solid var(--line);font-size:.9rem}
nav.toc ol{list-style:none;margin:0;padding:.6rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
nav.toc a{color:var(--navy)}
h2{font-size:1.35rem;margin:2.25rem 0 .75rem;padding-bottom:.3rem;
border-bottom:2px solid var(--navy)}
h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
a{color:var(--navy)}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:1rem 1.1rem;background:#fff}
.card p{margin:.25rem 0}
.card.fix{grid-column:1/-1;background:var(--bg)}
.label{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);font-weight:600}
.big{font-size:1.6rem;font-weight:700;line-height:1.2}
.small{font-size:.88rem;color:var(--muted)}
.answer{border-width:2px}
.verdict-yes{border-color:var(--ok);background:var(--ok-bg)}.verdict-yes .big{color:var(--ok)}
.verdict-risk{border-color:#b07000;background:var(--risk-bg)}.verdict-risk .big{color:var(--risk)}
.verdict-no{border-color:var(--late);background:var(--late-bg)}.verdict-no .big{color:var(--late)}
.verdict-none .big{font-size:1.25rem}
.delta{font-weight:600}.delta.late,td.late{color:var(--late)}.delta.early,td.early{color:var(--ok)}
.fix-text{font-size:1.1rem}
.bottleneck{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.35rem}
.lead{font-size:1.05rem}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.5rem 0}
th,td{padding:.4rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--navy);color:#fff;font-weight:600;white-space:nowrap}
thead th abbr{text-decoration:none;cursor:help;border-bottom:1px dotted #fff}
tbody th{font-weight:600;min-width:11rem}
td.num{text-align:right;white-space:nowrap}
td{white-space:nowrap}
table.assumptions td{white-space:normal}
tr.row-late{background:var(--late-bg)}tr.row-late th{box-shadow:inset 4px 0 0 var(--late)}
tr.row-risk th{box-shadow:inset 4px 0 0 #b07000}
tr.row-ok th{box-shadow:inset 4px 0 0 var(--ok)}
tr.total th,tr.total td{border-top:2px solid var(--ink);font-weight:700}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;
font-weight:700;border:1px solid currentColor;white-space:nowrap}
.badge-ok{color:var(--ok);background:#fff}.badge-risk{color:var(--risk);background:#fff}
.badge-late{color:#fff;background:var(--late);border-color:var(--late)}
.never{font-style:italic;font-weight:600;color:var(--late)}
.ci{display:block;color:var(--muted);font-weight:400;font-size:.8rem}
.reason{display:block;font-weight:400;font-size:.82rem;color:var(--late);white-space:normal}
.note{font-size:.88rem;color:var(--muted)}
figure{margin:1rem 0 2rem;page-break-inside:avoid;break-inside:avoid}
figure img{display:block;max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{font-size:.9rem;color:var(--muted);margin-top:.4rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.25rem;margin:0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
pre{background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.75rem 1rem;
font-size:.82rem;line-height:1.4;white-space:pre-wrap;overflow-wrap:anywhere}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
footer{margin:2.5rem 0 2rem;padding-top:.75rem;border-top:1px solid var(--line);font-size:.85rem;
color:var(--muted)}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;
clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:48rem){.cards{grid-template-columns:1fr}}
@page{size:A4;margin:14mm}
@media print{
html{font-size:11pt}
body{-webkit-print-color-adjust:exact;print-color-adjust:exact}
nav.toc{display:none}
header.masthead{padding:.5rem 0}
.wrap{max-width:none;padding:0}
h2{break-after:avoid;page-break-after:avoid}
thead{display:table-header-group}
tr,.card{break-inside:avoid;page-break-inside:avoid}
td{white-space:normal}
.table-wrap{overflow:visible}
section#charts figure{break-before:auto}
pre{font-size:7.5pt}
}
"""

# Runs once the page (and so every embedded image) has loaded: the browser test reads these.
_SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var ok = images.filter(function (img) { return img.complete && img.naturalWidth > 0; });
  document.body.setAttribute("data-images-ok", String(ok.length));
  document.body.setAttribute("data-images-total", String(images.length));
});
"""


def render_html(inputs: ReportInputs, lang: str = "en") -> str:
    """The report as one self-contained HTML page in English (``en``) or Welsh (``cy``)."""
    tr = _Tr(lang)
    h = inputs.headline
    meta: list[str] = []
    if h.go_live is not None:
        meta.append(tr.html("Go-live: {date}", date=_esc(date_in_words(h.go_live, lang))))
    if inputs.replications is None:
        meta.append(tr("Deterministic run"))
    else:
        meta.append(
            tr("{n} replications, seed {seed}", n=f"{inputs.replications:,}", seed=inputs.seed)
        )
    meta.append(f"migrasim {_esc(inputs.version)}")
    sections = [
        ("summary", tr("Summary")),
        ("organisations", tr("Results by organisation")),
        ("charts", tr("Charts")),
    ]
    if inputs.extra_tables:
        sections.append(("further", tr("Further results")))
    sections += [
        ("model", tr("Model and assumptions")),
        ("experimentation", tr("Experimentation")),
        ("scenario", tr("Scenario")),
    ]
    toc = "".join(f'<li><a href="#{anchor}">{label}</a></li>' for anchor, label in sections)
    page_title = f"{_esc(inputs.title)} — {tr('Data migration forecast')}"
    body = "".join(
        [
            _headline_html(inputs, tr),
            _organisation_table(inputs, tr),
            _figures_html(inputs, tr),
            _extra_tables_html(inputs, tr),
            _model_html(inputs, tr),
            _experimentation_html(inputs, tr),
            _scenario_html(inputs, tr),
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="migrasim {_esc(inputs.version)}">\n'
        f"<title>{page_title}</title>\n<style>{_CSS}</style>\n"
        f"<script>{_SCRIPT}</script>\n</head>\n<body>\n"
        '<header class="masthead"><div class="wrap">'
        f'<p class="eyebrow">{tr("Data migration forecast")}</p>'
        f"<h1>{_esc(inputs.title)}</h1>"
        f'<p class="meta">{" · ".join(meta)}</p></div></header>\n'
        f'<nav class="toc" aria-label="{tr("Contents")}"><div class="wrap"><ol>{toc}</ol></div>'
        "</nav>\n"
        f'<main class="wrap">{body}</main>\n'
        f'<footer class="wrap">{tr("Produced by migrasim {version}.", version=inputs.version)}'
        "</footer>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------------------------
# Workbook
# --------------------------------------------------------------------------------------------

_XLSX_DATE_COLUMNS = {"p50", "p80", "p95", "p80_ci_low", "p80_ci_high"}
_XLSX_MOMENT_COLUMNS = {"start", "baseline_completion"}
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _xlsx_value(column: str, value: object) -> object:
    """A value Excel understands: real dates/date-times for ISO text, numbers, text."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (datetime.date, bool, int, float, str)):
        if isinstance(value, str):
            text = value.strip()
            if _DATE_RE.match(text):
                try:
                    return datetime.date.fromisoformat(text)
                except ValueError:
                    return value
            if _DATETIME_RE.match(text):
                try:
                    return datetime.datetime.fromisoformat(text).replace(tzinfo=None)
                except ValueError:
                    return value
        return value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _xlsx_value(column, item())
    return str(value)


def _sheet_name(key: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", key).strip("'")[:31] or "Table"
    name, i = base, 2
    while name.lower() in {u.lower() for u in used}:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def _put(ws: Worksheet, row: int, col: int, value: object, bold: bool = False) -> int:
    """Write one cell (text never becomes a formula); return its display width."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col)
    cell.value = value  # type: ignore[assignment]
    width = len(str(value)) if value is not None else 0
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    elif isinstance(value, datetime.datetime):
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        width = 19
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
        width = 10
    if bold:
        cell.font = Font(bold=True)
    return width


def _write_table(
    ws: Worksheet, columns: list[str], rows: Iterable[Mapping[str, object]], freeze: str = "A2"
) -> None:
    from openpyxl.utils import get_column_letter

    widths = [len(c) for c in columns]
    for j, column in enumerate(columns, start=1):
        _put(ws, 1, j, column, bold=True)
    n = 1
    for i, row in enumerate(rows, start=2):
        n = i
        for j, column in enumerate(columns, start=1):
            value = _xlsx_value(column, row.get(column))
            if column in _XLSX_DATE_COLUMNS and isinstance(value, datetime.datetime):
                value = value.date()
            width = _put(ws, i, j, value)
            if isinstance(value, float) and _PERCENT_COLUMNS.search(column) and 0 <= value <= 1:
                ws.cell(row=i, column=j).number_format = "0.0%"
            widths[j - 1] = max(widths[j - 1], width)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = freeze
    if columns and n > 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n}"


SUMMARY_SHEET_COLUMNS = (
    "flow", "source", "target", "volume_bytes", "total_bytes", "start", "baseline_completion",
    "p50", "p80", "p95", "prob_by_go_live", "prob_ci_low", "prob_ci_high", "p80_ci_low",
    "p80_ci_high", "p80_halfwidth_days", "days_late", "bottleneck", "bottleneck_share",
    "never_reason",
)  # fmt: skip
"""The Summary sheet's columns: summary.csv's."""


def _chance_cell(value: float | None) -> float | None:
    """A chance as summary.csv holds it (6 decimals)."""
    return None if value is None else round(value, 6)


def _summary_cells(row: FlowSummary, with_go_live: bool) -> dict[str, object]:
    """One record as typed Summary-sheet cells: dates, numbers, 'never', None for no value."""

    def day(value: datetime.date | None) -> object:
        return NEVER if value is None else value

    late: object = None
    if with_go_live:
        late = NEVER if row.days_late is None else row.days_late
    ci = row.chance_ci
    return {
        "flow": row.name,
        "source": row.source or None,
        "target": row.target or None,
        "volume_bytes": round(row.volume_bytes),
        "total_bytes": round(row.total_bytes),
        "start": row.start,
        "baseline_completion": day(row.baseline_completion),
        "p50": day(row.p50),
        "p80": day(row.p80),
        "p95": day(row.p95),
        "prob_by_go_live": _chance_cell(row.chance),
        "prob_ci_low": _chance_cell(None if ci is None else ci[0]),
        "prob_ci_high": _chance_cell(None if ci is None else ci[1]),
        "p80_ci_low": day(row.p80_ci[0]),
        "p80_ci_high": day(row.p80_ci[1]),
        "p80_halfwidth_days": NEVER if row.p80_halfwidth_days is None else row.p80_halfwidth_days,
        "days_late": late,
        "bottleneck": row.bottleneck or None,
        "bottleneck_share": round(row.bottleneck_share, 6),
        "never_reason": never_reason_text(row.never_reason) or None,
    }


def xlsx_bytes(inputs: ReportInputs) -> bytes:
    """The results as a workbook (Summary, each extra table, Assumptions, Scenario, About),
    the same bytes for the same inputs."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = "Summary"
    used = {"Summary", "Assumptions", "Scenario", "About"}
    rows = [_summary_cells(row, inputs.results.go_live is not None) for row in inputs.results.rows]
    _write_table(ws, list(SUMMARY_SHEET_COLUMNS), rows, "B2")
    for key, frame in inputs.extra_tables.items():
        sheet = wb.create_sheet(_sheet_name(key, used))
        _write_table(sheet, [str(c) for c in frame.columns], _rows(frame))

    sheet = wb.create_sheet("Assumptions")
    _write_table(sheet, ["where", "text"], [{"where": w, "text": t} for w, t in inputs.assumptions])
    sheet.column_dimensions["B"].width = 100
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    sheet = wb.create_sheet("Scenario")
    _put(sheet, 1, 1, "scenario", bold=True)
    for i, line in enumerate(inputs.scenario_text.splitlines(), start=2):
        _put(sheet, i, 1, line if line else None)
    sheet.column_dimensions["A"].width = 110
    sheet.freeze_panes = "A2"

    h = inputs.headline
    about: list[tuple[str, object]] = [
        ("title", inputs.title),
        ("command", inputs.command),
        ("seed", inputs.seed),
        ("replications", "deterministic" if inputs.replications is None else inputs.replications),
        ("version", inputs.version),
        ("go_live", h.go_live),
        ("will_make_go_live", "" if h.will_make_go_live is None else h.will_make_go_live),
        ("p50", h.p50 if h.p50 is not None else NEVER),
        ("p80", h.p80 if h.p80 is not None else NEVER),
        ("p95", h.p95 if h.p95 is not None else NEVER),
        ("prob_by_go_live", _chance_cell(h.prob_by_go_live)),
        ("prob_ci_low", _chance_cell(h.prob_ci[0] if h.prob_ci else None)),
        ("prob_ci_high", _chance_cell(h.prob_ci[1] if h.prob_ci else None)),
        ("bottleneck", h.bottleneck),
        ("fix", h.fix),
        ("fix_cy", h.fix_cy),
    ]
    sheet = wb.create_sheet("About")
    _write_table(sheet, ["item", "value"], [{"item": k, "value": v} for k, v in about])
    for i, (key, _value) in enumerate(about, start=2):
        if key.startswith("prob") and isinstance(sheet.cell(row=i, column=2).value, float):
            sheet.cell(row=i, column=2).number_format = "0.0%"
    # Reproducible bytes: fixed document dates and zip entry times (openpyxl stamps "now").
    fixed = datetime.datetime(2000, 1, 1)  # noqa: DTZ001 - openpyxl keeps naive UTC times
    wb.properties.created = wb.properties.modified = fixed
    buffer = io.BytesIO()
    wb.save(buffer)
    return _stable_zip(buffer.getvalue())


_MODIFIED_RE = re.compile(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>")


def _stable_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and docProps' dates fixed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED_RE.sub(
                    b'<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z'
                    b"</dcterms:modified>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Assembling the inputs from a run's results
# --------------------------------------------------------------------------------------------


def headline_from(
    programme: FlowSummary,
    go_live: datetime.date | None,
    fix: str | None = None,
    fix_cy: str | None = None,
) -> Headline:
    """The board's answer from the programme's record: will its P80 (the finish date of a
    deterministic run) fall before go-live, with the chance and the bottleneck."""
    return Headline(
        will_make_go_live=None if go_live is None else in_time(programme.p80, go_live),
        go_live=go_live,
        p50=programme.p50,
        p80=programme.p80,
        p95=programme.p95,
        prob_by_go_live=programme.chance,
        prob_ci=programme.chance_ci,
        bottleneck=programme.bottleneck,
        fix=fix,
        fix_cy=fix_cy,
    )


def assumptions_of(scenario: Any) -> list[tuple[str, str]]:
    """(where, text) for every description in a scenario: the scenario's, each link's, each
    flow's. ``scenario`` is a :class:`migrasim.scenario.types.Scenario`."""
    found: list[tuple[str, str]] = []
    if scenario.description:
        found.append(("scenario", str(scenario.description)))
    for name, link in scenario.links.items():
        if link.description:
            found.append((f"links.{name}", str(link.description)))
    for flow in scenario.flows:
        if flow.description:
            found.append((f"flows[{flow.label}]", str(flow.description)))
    return found
