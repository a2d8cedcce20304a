"""The one reader of a data package's `mppwatch` blocks: the bundled data/datapackage.json and a file's sidecar.

Each resource of a Frictionless data package may carry an `mppwatch` block saying what the dataset is: its
`title` and `description` in English and Spanish, its `roles` (what analyses ask for; the first is what the
table chiefly counts, preferred when several tables serve one topic), whether its figures are a
`stock` (levels on a date, never added across dates) and the `hierarchy` of its dimensions (which value is the
total of which). A CSV of one's own is described the same way by a sidecar beside it, `<stem>.datapackage.json`
(`beds.csv` -> `beds.datapackage.json`), a data package whose resource has `"path": "beds.csv"`; the loader reads
it with the file and keeps the block in the store with the load. Everything is checked key by key: a malformed
package is an error naming the file and the key path (`resources[0].mppwatch.roles[1]`), never a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mppwatch.core.text import N_, Template, choices_text
from mppwatch.errors import InputError

SIDECAR_SUFFIX = ".datapackage.json"
LANGS = ("en", "es")
KEYS = ("title", "description", "roles", "stock", "hierarchy")
EVERY_OTHER = "*"  # a hierarchy child list ["*"]: every other value of the dimension
# The roles analyses ask for (catalog.with_role): a role outside this list would be asked for by nothing.
ROLES = (
    "apprehensions",
    "bookouts",
    "court_cases",
    "encounters",
    "enrollments",
    "fear_referrals",
    "ofo_encounters",
    "returns_by_nationality",
    "returns_snapshots",
    "shelter_beds",
)


class PackageError(InputError):
    """A data package that cannot be read: the file, the key path and what is wrong (English and Spanish)."""

    def __init__(self, file: str, key: str, template: str, /, line: int | None = None, **fields: object) -> None:
        self.key, self.message = key, Template(template, **fields)
        super().__init__(file, line, None, f"{key}: {self.message.english()}" if key else self.message.english())

    def render(self, lang: str) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        text = self.message.render(lang)
        return f"{where}: {self.key}: {text}" if self.key else f"{where}: {text}"


SIDECAR_ALONE = N_("a data package sidecar: it is read with the file it describes (load {file})")
NOT_JSON = N_("not JSON: {reason} (column {column})")
EXPECTED = N_("expected {what}")
UNKNOWN_KEY = N_("unknown key '{key}'; the keys are: {choices}")
UNKNOWN_ROLE = N_("unknown role '{role}'; the roles are: {choices}")
NO_RESOURCE = N_('no resource with "path": "{path}" (the file this package is named for); paths: {paths}')
NO_COLUMN = N_("{file} has no column '{column}'; its columns are: {choices}")
NO_VALUE = N_("{file}: column '{column}' has no value '{value}'; its values are: {choices}")
AN_OBJECT = N_("an object")
A_LIST = N_("a list")
TEXTS = N_('a text, or {"en": ..., "es": ...}')
TEXT = N_("a text")
TRUE_FALSE = N_("true or false")
NAMES = N_('a list of value names, or ["*"] for every other value')


def _expect(file: str, key: str, what: str) -> PackageError:
    return PackageError(file, key, EXPECTED, what=Template(what))


def _texts(value: Any, file: str, key: str) -> dict[str, str]:
    """A text for both languages, or one per language (a missing language takes the other's)."""
    if isinstance(value, str) and value.strip():
        return {lang: value for lang in LANGS}
    if not isinstance(value, dict) or not value:
        raise _expect(file, key, TEXTS)
    for lang, text in value.items():
        if lang not in LANGS:
            raise PackageError(file, f"{key}.{lang}", UNKNOWN_KEY, key=lang, choices=", ".join(LANGS))
        if not isinstance(text, str) or not text.strip():
            raise _expect(file, f"{key}.{lang}", TEXT)
    return {lang: value.get(lang) or next(iter(value.values())) for lang in LANGS}


def _block(resource: dict[str, Any], file: str, key: str) -> dict[str, Any]:
    """A resource's `mppwatch` block, checked (the resource's own Frictionless title/description as fallback)."""
    raw = resource.get("mppwatch", {})
    if not isinstance(raw, dict):
        raise _expect(file, f"{key}.mppwatch", AN_OBJECT)
    out: dict[str, Any] = {}
    for name, value in raw.items():
        where = f"{key}.mppwatch.{name}"
        if name not in KEYS:
            raise PackageError(file, where, UNKNOWN_KEY, key=name, choices=choices_text(name, KEYS))
        if name in ("title", "description"):
            out[name] = _texts(value, file, where)
        elif name == "stock":
            if not isinstance(value, bool):
                raise _expect(file, where, TRUE_FALSE)
            out[name] = value
        elif name == "roles":
            if not isinstance(value, list):
                raise _expect(file, where, A_LIST)
            for i, role in enumerate(value):
                if not isinstance(role, str) or role not in ROLES:
                    raise PackageError(
                        file, f"{where}[{i}]", UNKNOWN_ROLE, role=role, choices=choices_text(str(role), ROLES)
                    )
            out[name] = list(value)
        else:
            out[name] = _hierarchy(value, file, where)
    for name in ("title", "description"):
        if name not in out and name in resource:
            out[name] = _texts(resource[name], file, f"{key}.{name}")
    return out


def _hierarchy(value: Any, file: str, key: str) -> dict[str, dict[str, list[str]]]:
    if not isinstance(value, dict):
        raise _expect(file, key, AN_OBJECT)
    for column, totals in value.items():
        if not isinstance(totals, dict):
            raise _expect(file, f"{key}.{column}", AN_OBJECT)
        for parent, children in totals.items():
            if not isinstance(children, list) or not children or not all(isinstance(c, str) for c in children):
                raise _expect(file, f"{key}.{column}.{parent}", NAMES)
    return value


def read_package(path: Path) -> dict[str, dict[str, Any]]:
    """Each resource's checked `mppwatch` block, by dataset (its file's stem). Raises PackageError naming the
    file and the key path."""
    return {stem: meta for _, stem, meta in _resources(path, None)}


def _resources(path: Path, resource_path: str | None) -> list[tuple[str, str, dict[str, Any]]]:
    """(key path, stem, checked block) of each table resource; with `resource_path`, only the resource for that
    file, which must be there (a sidecar)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PackageError(file, "", EXPECTED, what=Template(N_("UTF-8 text"))) from exc
    try:
        package = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackageError(file, "", NOT_JSON, line=exc.lineno, reason=exc.msg, column=exc.colno) from None
    if not isinstance(package, dict):
        raise _expect(file, "(top)", AN_OBJECT)
    resources = package.get("resources")
    if not isinstance(resources, list):
        raise _expect(file, "resources", A_LIST)
    out: list[tuple[str, str, dict[str, Any]]] = []
    paths: list[str] = []
    for i, resource in enumerate(resources):
        key = f"resources[{i}]"
        if not isinstance(resource, dict):
            raise _expect(file, key, AN_OBJECT)
        where = resource.get("path")
        if not isinstance(where, str):
            if resource_path is None:
                continue  # a Frictionless resource of another kind (inline data, several parts): not a table of ours
            raise _expect(file, f"{key}.path", TEXT)
        paths.append(where)
        if resource_path is not None and Path(where).name != resource_path:
            continue
        out.append((key, Path(where).stem, _block(resource, file, key)))
    if resource_path is not None and not out:
        raise PackageError(file, "resources", NO_RESOURCE, path=resource_path, paths=", ".join(paths) or "none")
    return out


@dataclass(frozen=True)
class Sidecar:
    """A file's description from its sidecar: the sidecar's name, the checked block, and its canonical JSON."""

    path: Path
    key: str  # the resource's key path in the sidecar, for errors
    meta: dict[str, Any]

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def text(self) -> str:
        return json.dumps(self.meta, ensure_ascii=False, sort_keys=True)

    def check_columns(self, data_file: str, values: dict[str, set[str]]) -> None:
        """The hierarchy names only the file's dimension columns and values (a typo is an error, not ignored)."""
        for column, totals in self.meta.get("hierarchy", {}).items():
            key = f"{self.key}.mppwatch.hierarchy.{column}"
            if column not in values:
                raise PackageError(
                    str(self.path), key, NO_COLUMN, file=data_file, column=column, choices=choices_text(column, values)
                )
            for parent, children in totals.items():
                for value in [parent, *(c for c in children if c != EVERY_OTHER)]:
                    if value not in values[column]:
                        raise PackageError(
                            str(self.path),
                            f"{key}.{parent}",
                            NO_VALUE,
                            file=data_file,
                            column=column,
                            value=value,
                            choices=choices_text(value, values[column]),
                        )


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def sidecar(path: Path) -> Sidecar | None:
    """The description a data file's sidecar gives it, or None when it has none (PackageError when malformed)."""
    beside = sidecar_path(path)
    if not beside.is_file():
        return None
    key, _, meta = _resources(beside, path.name)[-1]
    return Sidecar(beside, key, meta)
