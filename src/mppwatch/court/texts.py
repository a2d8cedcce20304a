"""The court module's sentences and words for the catalog: registered here, translated where they are shown.

Sentences with values are templates (`mppwatch.i18n.template`): a court error or note is written in English, and
`i18n.localise` gives its Spanish form when the user asked for Spanish (the CLI does this for every error and note).
Importing mppwatch.court imports this module, so the templates are known whenever a court message can be printed.
"""

from __future__ import annotations

from mppwatch.i18n import template


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


TIMED_OUT = template(
    "{file}: court load stopped at its --timeout of {seconds} s, with {read} of the release read ({share}%): "
    "nothing was stored"
)


def timed_out(file: str, seconds: str, read: str, share: str) -> str:
    return TIMED_OUT.format(file=file, seconds=seconds, read=read, share=share)
