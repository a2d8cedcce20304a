"""Option values converted without pydantic, for the plain types mppwatch's commands use.

Typer 0.29 converts every parameter through a pydantic TypeAdapter; importing pydantic and building the adapters
costs about 60 ms of CPU, 8% of a `mppwatch series` on a loaded store. The values here are str, int, float, bool, Path,
an Enum (the --format choices) and lists of them, with no constraints: for those this module converts directly,
with Typer's own helpers for choices and paths (same values, same messages: "'xml' is not one of 'table', 'csv',
'json'."). Anything else (a parser, min/max, path options such as exists, a bool given as text, an unexpected
value) goes to Typer's converter, unchanged. `install()` is called once by `_errors.run`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer import _coercion, core
from typer._click.exceptions import BadParameter
from typer._param_types import coerce_cli_choice, coerce_cli_path

from mppwatch.core.text import N_

_INT = re.compile(r"\s*[+-]?\d+\s*")
NOT_INT = N_("Input should be a valid integer, unable to parse string as an integer")  # pydantic's words
NOT_NUMBER = N_("Input should be a valid number, unable to parse string as a number")
_original = _coercion.build_runtime_param


def _plain(annotation: Any) -> bool:
    """A leaf type this module converts itself."""
    return annotation in (str, int, float, bool, Path) or (
        isinstance(annotation, type) and issubclass(annotation, Enum)
    )


def _unconstrained(info: Any) -> bool:
    return (
        info.parser is None
        and info.min is None
        and info.max is None
        and not info.clamp
        and not info.exists
        and not info.resolve_path
        and not info.allow_dash
        and info.path_type is None
    )


@dataclass(frozen=True)
class _Direct(_coercion.RuntimeParam):
    """A value (or list of values) of a plain type, converted as Typer's adapter would."""

    descriptor: Any = None

    def _leaf(self, annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
        if annotation is str:
            if isinstance(value, str):
                return value
        elif annotation is bool:
            if isinstance(value, bool):
                return value
        elif annotation is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, str):
                if not _INT.fullmatch(value):
                    raise BadParameter(NOT_INT, ctx=ctx, param=param)
                return int(value)
        elif annotation is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    raise BadParameter(NOT_NUMBER, ctx=ctx, param=param) from None
        elif annotation is Path:
            if isinstance(value, str | Path):
                checked = coerce_cli_path(value, self.parameter_info, path_type=None, param=param, ctx=ctx)
                return checked if isinstance(checked, Path) else Path(str(checked))
        else:  # an Enum: Typer's own choice matching and message
            try:
                return coerce_cli_choice(
                    value, choices=list(annotation), case_sensitive=self.parameter_info.case_sensitive, ctx=ctx
                )
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None
        return _original(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        annotation = self.annotation
        if get_origin(annotation) is list:
            (item,) = get_args(annotation)
            if isinstance(value, list | tuple):
                return [self._leaf(item, v, param, ctx) for v in value]
            return _original(self.descriptor)._coerce_value(value, param=param, ctx=ctx)
        return self._leaf(annotation, value, param, ctx)


def build_runtime_param(descriptor: Any) -> Any:
    """Typer's `build_runtime_param`, without pydantic for plain unconstrained types."""
    annotation = descriptor.annotation
    leaf = get_args(annotation)[0] if get_origin(annotation) is list and len(get_args(annotation)) == 1 else annotation
    if descriptor.file_annotation is None and _plain(leaf) and _unconstrained(descriptor.parameter_info):
        return _Direct(annotation=annotation, parameter_info=descriptor.parameter_info, descriptor=descriptor)
    return _original(descriptor)


def install() -> None:
    """Use this module's converter for every parameter Typer builds from now on (Typer 0.29's layout: a Typer
    without `core.build_runtime_param` raises AttributeError here and keeps its own)."""
    if not hasattr(core, "build_runtime_param"):
        raise AttributeError("typer.core.build_runtime_param")
    core.build_runtime_param = build_runtime_param  # type: ignore[assignment]
