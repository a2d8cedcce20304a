"""The English sentences with values that analysis modules and commands print, registered for translation.

`mppwatch.i18n.localise` matches a printed sentence against these templates and gives its Spanish form from the
catalog, with the values formatted for Spanish. Each template must read exactly as its module writes it (the
module named beside it); if a module changes its wording, its sentence prints in English until this list and
the catalog follow (tests/test_i18n.py checks the catalog has every template here).
Words used alone (column headers, titles without values) are marked with N_ for the catalog.
"""

from __future__ import annotations

from mppwatch.i18n import template


def N_(msgid: str) -> str:
    """Mark a word for the catalog without translating it here (translated where it is shown)."""
    return msgid


# mppwatch.returns: the method column
template("snapshot")
template("snapshot with an approximate date")
template("no snapshot on or after this date: not estimated")
template("no snapshot on or after this date: not estimated; last known: {value} on {date} ({sources})")
template("last known: {value} on {date} ({sources})")
template("before the programme began on {date}")
template("before the first snapshot ({date}): not estimated")
template("linear interpolation between snapshots of {before} and {after}")
template(
    "{value} ({sources}, {date}) is below {floor} published for {floor_date} ({floor_sources}): "
    "the higher figure is kept as a floor"
)
template(
    "{value} ({sources}, {date}, approximate date) is below {floor} published for {floor_date} "
    "({floor_sources}): the higher figure is kept as a floor"
)

# mppwatch.cli: table titles
template("loaded into {path}")
template("{dataset} (sources: {sources})")
template("MPP returns to Mexico as of {date}")
template("published totals that do not add up")

# mppwatch.commands.*: table titles
template("claims: {file}")
template("claim {claim_id}")
template("court releases")
template("SYNTHETIC DATA - {title}")
template("MPP cases pending on {date}, release {release}")
template("days from NTA, release {release}")
template("FORECAST (estimate) {dataset} (sources: {sources})")
template("backtest {dataset}: {origins} origins x {horizon} months")
template("PROJECTION (estimate) {dataset}: when does the total pass {target}?")
template("{scenario}: simulated vs observed (SIMULATED estimates)")
template("waits in Mexico, days (simulated)")
template("{name} sweep: SIMULATED, {replicates} replicates a point, seed {seed}")
template("MPP book-outs by citizenship (OHSS {edition})")
template("{city}: shelter load")

# column headers and single words shown in tables
COLUMNS = [
    N_("claimed_value"),
    N_("evidence_date"),
    N_("comparator"),
    N_("would_decide"),
    N_("quote"),
    N_("confidence"),
    N_("confidence_reason"),
    N_("source_url"),
    N_("retrieved_via"),
    N_("dataset"),
    N_("datasets"),
    N_("sources"),
    N_("rows"),
    N_("period"),
    N_("value"),
    N_("city"),
    N_("is_estimate"),
    N_("source_ids"),
    N_("source_id"),
    N_("before_date"),
    N_("after_date"),
    N_("method"),
    N_("first_period"),
    N_("last_period"),
    N_("period_kinds"),
    N_("load_id"),
    N_("file_name"),
    N_("status"),
    N_("title"),
    N_("note"),
    N_("shelters"),
    N_("tokens"),
    N_("roles"),
    N_("stock"),
    N_("rounding"),
    N_("loaded_at"),
    # mppwatch.forecast.reach: the summary table
    N_("start_total"),
    N_("target"),
    N_("prob_within_horizon"),
    N_("horizon_end"),
    N_("actual"),
    # mppwatch.commands.simulate: the summary and waits tables
    N_("daily mean"),
    N_("p5 (daily)"),
    N_("p95 (daily)"),
    N_("total (mean of replicates)"),
    N_("last day (mean of replicates)"),
    N_("mean days"),
    N_("people (mean of replicates)"),
    N_(
        "removal_order: orders at hearings the person attended (completed minus relief). in_absentia: removal orders "
        "in absentia, counted apart: not part of removal_order or completed (hearings include both)."
    ),
    N_("people (cumulative)"),
    N_("hearing_location"),
    N_("in_absentia_rate"),
    N_("represented_rate"),
    N_("relief_granted"),
    N_("return_city"),
    N_("nta_month"),
    N_("release"),
    N_("output"),
    N_("mean"),
    N_("total"),
    N_("exit"),
    N_("measure"),
    N_("model"),
    N_("unique_id"),
    N_("ds"),
    N_("y_hat"),
    N_("verdict"),
    N_("claim_id"),
    N_("component"),
    N_("outcome"),
    N_("citizenship"),
    N_("check"),
    N_("computed"),
    N_("difference"),
    N_("tolerance"),
    N_("key"),
    N_("cells"),
]
template("court table, release {release}")
template("court table, release {release} (MPP cohort)")

# error messages people meet most (the CLI's one-line errors go through i18n.localise)
template("no dataset {name} in {path}; loaded: {known}")  # mppwatch.catalog
template("{dataset}: no {column} {value}; its {column2} values are: {known}")  # mppwatch.query
template("--where {item}: expected COLUMN=VALUE")  # mppwatch.metrics
template("returns --by {by}: only 'city' is supported")  # mppwatch.returns
template(  # mppwatch.cli load
    "no bundled data found (looked in {path}): reinstall mppwatch, set MPPWATCH_DATA to a data folder, "
    "or name the files to load"
)
template("{measures} by {groups} ({context})")  # mppwatch.commands._plots: court table charts

# mppwatch.sources.loader / mppwatch.cli load: registering a source with the file (issue 15 item 6)
template("{option} {value}: not a web address (expected http://... or https://...)")
template("{option} {value}: expected letters, digits and _ . : - (at most 100, a letter or digit first)")
template("{option} {value}: expected the source's title on one line")
template(
    "{option} {value}: already registered with other details ({title}, {url}): give the same details or another id"
)
template("a source needs {options}: {missing} missing")
template("registers the source of the files named: name them")
