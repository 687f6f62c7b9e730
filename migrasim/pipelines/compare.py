"""``migrasim compare``'s pipeline: the scenarios (and variants of the first) on common
random numbers, side by side; compare.csv, the overlaid charts and the report."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migrasim.analysis.compare import compare_advice, compare_rows
from migrasim.analysis.experiment import Outcome, run_scenario
from migrasim.analysis.parallel import Warm, scoped
from migrasim.analysis.records import PROGRAMME, RunReport
from migrasim.analysis.runner import cluster_session
from migrasim.analysis.summary import progress_band, summarise
from migrasim.errors import N_, MigrasimError
from migrasim.folder import prepare_out_dir, write_files
from migrasim.pipelines.common import (
    DEFAULTS,
    Options,
    default_out,
    default_seed,
    report_files_for,
    reproduce_command,
)
from migrasim.render.board import what_if_text
from migrasim.render.headlines import headline_from, verdict
from migrasim.render.i18n import fill, translator
from migrasim.render.inputs import compare_table
from migrasim.render.messages import BOARD, CHARTS, COMPARE
from migrasim.scenario.loader import load_scenario
from migrasim.scenario.types import Scenario

if TYPE_CHECKING:
    from migrasim.analysis.compare import CompareRow
    from migrasim.render.i18n import Translator


@dataclass(frozen=True)
class CompareOutput:
    """What ``compare`` found and where it wrote it."""

    labels: list[str]
    rows: list[CompareRow]  # compare.csv's rows (``compare.compare_rows``)
    reports: list[RunReport]
    seed: int
    replications: int  # each scenario's (1 for deterministic ones)
    go_live: date | None
    out: Path

    @property
    def side_by_side(self) -> list[CompareRow]:
        """Every scenario's programme row, the first scenario first: the compare's first
        table (its verdict, P80, chance, organisations late and change against the first)."""
        return [row for row in self.rows if row.flow == PROGRAMME]


@scoped
def compare(
    paths: Sequence[Path],
    overrides: Sequence[str] = (),
    variants: Sequence[str] = (),
    out: Path | None = None,
    force: bool = False,
    options: Options = DEFAULTS,
    loaded: Sequence[Scenario] | None = None,
) -> CompareOutput:
    """Run each scenario (and each variant of the first) on common random numbers and write
    compare.csv, overlaid charts and a report titled with every scenario's name that opens with
    the scenarios side by side, then describes the one most likely to make go-live.
    ``loaded``: the files' scenarios with ``overrides``, if the caller has them (as ``run``)."""
    lang = options.lang
    t = translator(lang)  # an unknown language fails here, before any simulation
    specs, sources = _compared_scenarios(paths, overrides, variants, loaded)
    first = specs[0][1]
    seed = default_seed(first, options.seed)
    n = options.replications or max((s.replications or 0) for _, s in specs) or None
    if options.replications is None and options.precision is not None:
        n = None  # --precision beats the files' counts, as --replications does
    labels = [label for label, _ in specs]
    if len(set(labels)) != len(labels):
        labels = [f"{i + 1}:{label}" for i, label in enumerate(labels)]
    if out is None:
        out = default_out("compare", paths, len(variants))
    prepare_out_dir(out, force, paths)
    # a helper loads the chart library (and pandas) while this process simulates
    helper = Warm(["migrasim.render.plots"], slots=2)
    outcomes, n = _compare_runs(labels, specs, n, seed, options)
    reports = [summarise(o) for _, o in outcomes]
    go_live = first.go_live
    titles = _compare_titles(overrides, t)
    rows = _with_scenario_figures(compare_rows(outcomes, seed), labels, reports)
    # The two charts (one with compare.csv) are made in the helper and a fork of it while this
    # process writes the report.
    pieces = helper.submit(
        [functools.partial(_compare_cdf, labels, reports, go_live, titles[0], lang, rows),
         functools.partial(_compare_burnup, labels, outcomes, go_live, titles[1], lang)]
    )  # fmt: skip

    @functools.cache
    def made() -> dict[str, bytes]:
        return {file: data for piece in pieces for file, data in piece().items()}

    def pngs() -> dict[str, bytes]:
        return {file: data for file, data in made().items() if file.endswith(".png")}

    command = reproduce_command(
        "compare", paths, overrides, n, seed, [f"--variant={v}" for v in variants]
    )
    # After the side-by-side, the report describes the scenario most likely to make go-live
    # (else the one with the earliest P80).
    best = _most_likely(reports)
    programme = [r for r in rows if r.flow == PROGRAMME]
    fix = compare_advice(programme[0], programme[best], labels[best], best == 0)
    path, changed = sources[best]  # a --variant is echoed as its file with its changes
    label, outcome = outcomes[best]
    led = replace(reports[best], overrides=tuple(changed))  # the report says which ran
    # The title names every scenario; the side-by-side (every scenario's programme row)
    # comes first, then the best scenario in detail.
    title = fill(t, COMPARE["title"], first=labels[0], others=_listed(labels[1:], t))
    result = CompareOutput(labels, rows, reports, seed, outcomes[0][1].replications, go_live, out)
    report = report_files_for(path, changed, outcome, led, pngs, command, lang,
                              [compare_table(rows)], fix, title, result.side_by_side,
                              label)  # fmt: skip
    files = {"compare.csv": made()["compare.csv"], **pngs(), **report}
    write_files(out, files, force=force, protect=paths)
    return result


def _compared_scenarios(
    paths: Sequence[Path],
    overrides: Sequence[str],
    variants: Sequence[str],
    loaded: Sequence[Scenario] | None,
) -> tuple[list[tuple[str, Scenario]], list[tuple[Path, tuple[str, ...]]]]:
    """The scenarios a compare runs, each with its label, and the file and changes each was
    read from: the files (with ``overrides``), then each variant of the first file. Each
    scenario is labelled by its name (its ``name:``); a variant by the first's name and its
    changes. Fewer than two is an error."""
    if loaded is None:
        loaded = [load_scenario(p, overrides) for p in paths]
    specs = [(spec.name, spec) for spec in loaded]
    sources: list[tuple[Path, tuple[str, ...]]] = [(p, tuple(overrides)) for p in paths]
    for variant in variants:
        changes = (*overrides, *(part.strip() for part in variant.split(";") if part.strip()))
        spec = load_scenario(paths[0], changes)
        specs.append((f"{spec.name} [{variant}]", spec))
        sources.append((paths[0], changes))
    if len(specs) < 2:
        raise MigrasimError(N_("give two or more scenarios, or one with --variant"))
    return specs, sources


def _compare_runs(
    labels: list[str],
    specs: list[tuple[str, Scenario]],
    n: int | None,
    seed: int,
    options: Options,
) -> tuple[list[tuple[str, Outcome]], int | None]:
    """Each scenario's Monte Carlo run, labelled (one cluster connection for them all), and
    the replications each ran. Without a count (``n`` None), the first scenario runs to
    ``options.precision`` and the others run as many (common random numbers need the same
    replications); every scenario reuses the draws of inputs it shares with the ones before
    (``draws._memo``)."""
    outcomes: list[tuple[str, Outcome]] = []
    execution, progress = options.execution, options.progress
    with cluster_session(execution):
        for label, (_, spec) in zip(labels, specs, strict=True):
            outcome = run_scenario(spec, n, seed, execution, progress and progress(),
                                   precision=options.precision)  # fmt: skip
            if n is None and outcome.mc is not None:
                n = outcome.replications
            outcomes.append((label, outcome))
    return outcomes, n


def _compare_titles(overrides: Sequence[str], t: Translator) -> tuple[str, str]:
    """The CDF's and the burn-up's titles, each with the ``--set`` overrides (for every
    scenario) said under it."""
    what_if = what_if_text(overrides, t)
    suffix = "" if what_if is None else f"\n{what_if}"
    return (fill(t, CHARTS["compare_cdf_title"]) + suffix,
            fill(t, CHARTS["compare_burnup_title"]) + suffix)  # fmt: skip


def _most_likely(reports: Sequence[RunReport]) -> int:
    """The index of the scenario most likely to make go-live (else the one with the earliest
    P80; the first of a tie)."""
    return min(
        range(len(reports)),
        key=lambda i: (
            -(reports[i].programme.chance or 0.0),
            _ordinal(reports[i].programme.p80),
        ),
    )


def _with_scenario_figures(
    rows: list[CompareRow], labels: list[str], reports: list[RunReport]
) -> list[CompareRow]:
    """The rows, each programme row with its scenario's verdict (classified as ``run``'s) and
    organisation counts (from the summary ``run`` counts them in: ``RunReport.counts``)."""
    by_label = dict(zip(labels, reports, strict=True))
    out = []
    for row in rows:
        if row.flow == PROGRAMME:
            report = by_label[row.scenario]
            counts = report.counts
            row = replace(
                row,
                verdict=verdict(headline_from(report.programme, report.go_live)),
                organisations=counts.organisations,
                organisations_late=None if report.go_live is None else counts.late,
                organisations_at_risk=(
                    None if report.go_live is None or report.deterministic else counts.at_risk
                ),
            )
        out.append(row)
    return out


def _listed(names: Sequence[str], t: Any) -> str:
    """Names as a list in words: ``a``, ``a and b``, ``a, b and c``."""
    if len(names) == 1:
        return names[0]
    return fill(t, BOARD["and"], first=", ".join(names[:-1]), last=names[-1])


def _compare_cdf(
    labels: list[str],
    reports: list[RunReport],
    go_live: date | None,
    title: str,
    lang: str,
    rows: list[CompareRow],
) -> dict[str, bytes]:
    """compare.csv, and compare_cdf.png: every scenario's programme completion CDF."""
    # matplotlib and pandas: imported in the helper that draws this (``Warm``), never in the
    # main process
    from migrasim.render.plots import overlay_cdf_figure
    from migrasim.render.tables import figure_png, frame_csv, rows_frame

    cdf = overlay_cdf_figure(
        {label: list(r.programme_days) for label, r in zip(labels, reports, strict=True)},
        go_live,
        title,
        translator(lang),
    )
    table = frame_csv(rows_frame([row.fields() for row in rows])).encode("utf-8")
    return {"compare.csv": table, "compare_cdf.png": figure_png(cdf)}


def _compare_burnup(
    labels: list[str],
    outcomes: list[tuple[str, Outcome]],
    go_live: date | None,
    title: str,
    lang: str,
) -> dict[str, bytes]:
    """compare_burnup.png: every scenario's burn-up, with its band."""
    # matplotlib and pandas: in the helper, as ``_compare_cdf``'s
    from migrasim.render.plots import overlay_burnup_figure
    from migrasim.render.tables import band_frame, figure_png, overall_fraction

    lines = {label: overall_fraction(o.model, o.baseline) for label, o in outcomes}
    bands = {label: band_frame(progress_band(o.mc)) for label, o in outcomes if o.mc is not None}
    burnup = overlay_burnup_figure(lines, bands, go_live, title, translator(lang))
    return {"compare_burnup.png": figure_png(burnup)}


def _ordinal(day: date | None) -> float:
    return float("inf") if day is None else float(day.toordinal())
