"""The court module's sentences and words for the catalog: registered here, translated where they are shown.

Sentences with values are templates (`mppwatch.i18n.template`): a court error or note is written in English, and
`i18n.localise` gives its Spanish form when the user asked for Spanish (the CLI does this for every error and note).
Importing mppwatch.court imports this module, so the templates are known whenever a court message can be printed.
"""

from __future__ import annotations

from mppwatch.i18n import localise, template


def N_(msgid: str) -> str:
    """Mark a word for the catalog without translating it here (translated where it is shown)."""
    return msgid


COLUMNS = (  # court table headers that are not already in mppwatch.texts
    N_("awaiting_first_hearing"),
    N_("awaiting_first_hearing_share"),
    N_("transferred"),
    N_("transferred_share"),
    N_("cases"),
    N_("completed"),
    N_("pending"),
    N_("nationality"),
    N_("base_city"),
    N_("decision"),
    N_("language"),
    N_("custody"),
    N_("hearing_location_name"),
    N_("base_city_name"),
    N_("nationality_name"),
    N_("language_name"),
    N_("decision_name"),
    N_("custody_name"),
)

UNNAMED = template("no name in this release's lookups for {codes}: shown as the code alone")


def unnamed_codes(codes: str) -> str:
    return UNNAMED.format(codes=codes)


# What `court rejects` says of a line the load repaired (stored in English; shown in the reader's language).
WRONG_WIDTH = template("{fields} fields where the header has {total} (stray tab or broken line)")  # a reject
REPAIRED = "repaired: "  # the stored reason's prefix, then the fixes, "; " between them
REPAIRED_LINE = N_("repaired line")  # the prefix as shown in another language
NUL_REMOVED = N_("NUL bytes removed")
NOT_A_DATE = template("{column} stored empty (not a date)")
REJECTS_WORDS = (N_("file"), N_("line"), N_("reason"), template("court rejects, release {release}"))


def repaired_reason(fixes: list[str]) -> str:
    return REPAIRED + "; ".join(fixes)


def reject_reason(reason: str, lang: str) -> str:
    """A stored reject reason in `lang`: mppwatch's own words translated (a repair's prefix and each fix apart),
    DuckDB's messages as DuckDB wrote them."""
    if reason.startswith(REPAIRED) and lang != "en":
        fixes = reason[len(REPAIRED) :].split("; ")
        return f"{localise(REPAIRED_LINE, lang)}: " + "; ".join(localise(f, lang) or f for f in fixes)
    return localise(reason, lang) or reason


TIMED_OUT = template(
    "{file}: court load stopped at its --timeout of {seconds} s, with {read} of the release read ({share}%): "
    "nothing was stored"
)


def timed_out(file: str, seconds: str, read: str, share: str) -> str:
    return TIMED_OUT.format(file=file, seconds=seconds, read=read, share=share)


# Errors and warnings of court load (mppwatch.court.ingest), as it writes them after the file (and line) they name.
LOAD_MESSAGES = (
    template("--release {value}: expected YYYY-MM"),
    template("--max-reject-share {value}: expected a share between 0 and 1"),
    template("--timeout {value}: expected a number of seconds above 0"),
    template("{file}: no such file or folder"),
    template("{file}: not a folder or a zip file"),
    template("{file}: no B_TblProceeding file found (searched at any depth)"),
    template("{file}: field over the {kb} KB limit (a corrupt file?); nothing was stored"),
    template(
        "{file}: line over the {kb} KB limit ({tabs}+ TABs: rows run together without line ends?); nothing was stored"
    ),
    template("{file}: reading a zip needs the `unzip` program (apt-get install unzip)"),
    template("{file}: unzip failed: {message}"),
    template("{file}: empty file: no header row"),
    template("{file}: header line over the {kb} KB limit"),
    template("{file}: column {n} of the header has no name"),
    template("{file}: header lacks {key} or IDNCASE: is this {stem}?"),
    template("{file}: duplicate column names in the header"),
    template("{file}: read failed: {message}"),
    template(
        "{file}: DuckDB's CSV parser stopped: a carriage return inside a field, or LF and CRLF line ends mixed in one "
        "file; nothing was stored"
    ),
    template("{file}: DuckDB could not read the file: {message}"),
    template(
        "{file}: {n} of {total} lines missing: loaded {loaded} + repaired {repaired} + rejected {rejected} != lines "
        "in; nothing was stored"
    ),
    template(
        "{file}: {n} of {total} lines too many: loaded {loaded} + repaired {repaired} + rejected {rejected} != lines "
        "in; nothing was stored"
    ),
    template(
        "{file}: {n} of {total} lines rejected ({share}), more than the {allowed} allowed (--max-reject-share); "
        "nothing was stored. {first}"
    ),
    template(
        "{file}: the file ends mid-line ({fields} of {total} fields and no line end): truncated? nothing was stored"
    ),
    template("{file}: over {kb} KB: not a Count.txt"),
    WRONG_WIDTH,
    # notes and warnings printed after a load
    template("warning: {file} counts {figure} rows of {stem}, which is not in this release"),
    template(
        "warning: {stem}: {rows} lines (loaded {loaded} + rejected {rejected}) but {file} says {figure} ({diff}); "
        "see `mppwatch court validate`"
    ),
    template("{stem}: not in this release"),
    template("{file}: not read (mppwatch reads {tables} and the Lookup/ files)"),
    template("{release}: already loaded from these same files (sha256): nothing changed"),
    template(
        "{release}: {loaded} rows loaded, {rejected} rejected (see `mppwatch court rejects`), {codes} lookup codes"
    ),
    template("SYNTHETIC data ({what}), not real court records"),
    N_("written to"),
)

# Errors of the court tables (mppwatch.court.measures, disclosure, waits, diff, synth): raised as templates with
# their fields (MppwatchError renders them in the reader's language).
NO_RELEASE = N_("no court release loaded: run `mppwatch court load PATH --release YYYY-MM` first")
OLDER_LOAD = N_(
    "the court releases in this store were loaded by an older mppwatch: load them again "
    "(`mppwatch court load PATH --release YYYY-MM`)"
)
NO_KEYS = N_(
    "the court releases in this store were loaded before disclosure control: load them again "
    "(`mppwatch court load PATH --release YYYY-MM`)"
)
NO_TRANSFERS = N_(
    "court release {release} was loaded by an older mppwatch, which did not keep transfers: load it again "
    "(`mppwatch court load PATH --release YYYY-MM`)"
)
NOT_LOADED = N_("court release {release} not loaded (loaded: {known})")
BAD_BY = N_("--by {value}: expected one of {choices}")
BAD_MEASURE = N_("--measure {value}: expected one of {choices}")
SMALL_THRESHOLD = N_("--threshold {value}: small cells must be suppressed at {minimum} or more")
NOT_A_MONTH_START = N_(
    "{what} {day}: court figures are published as of the first day of a month only (disclosure control, "
    "docs/privacy.md); use {first}"
)
SAME_RELEASE = N_("court diff: {a} and {b} are the same release")
REVERSED = N_("pending series: {end} is before {start}")
PENDING_BY = N_("--pending-by: hearing_location or return_city")
SERIES_BY = N_("by: hearing_location, return_city or none")
NO_TRAC_ROWS = N_("{file}: TRAC monthly table has no detail rows")
BAD_LINE_ENDS = N_("--line-ends {value}: expected crlf or lf")

# `court validate`: its section titles and the measures of its table (CSV and JSON keep the English keys).
VALIDATE_WORDS = (
    template("court validate, release {release}: {section}"),
    N_("rows"),
    N_("orphans"),
    N_("lookup coverage"),
    N_("dates"),
    N_("cohort"),
    N_("rows_in"),
    N_("loaded"),
    N_("repaired"),
    N_("rejected"),
    N_("count_txt"),
    N_("count_txt_matches"),
    N_("proceedings without a case"),
    N_("hearings without a proceeding"),
    N_("identifiers without a case"),
    N_("representation rows without a case"),
    N_("codes"),
    template("codes named in {lookup}"),
    template("codes named ({lookup} not in release)"),
    N_("share named"),
    N_("first month"),
    N_("last month"),
    N_("rows without a date"),
    N_("rows before 1950 or after today"),
    N_("MPP cases"),
    N_("all cases"),
    N_("section"),
    N_("table"),
    N_("column"),
    N_("value"),
)
