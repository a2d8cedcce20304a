"""Start-up kept short: command modules load only when one of their commands runs.

`mppwatch --help` lists every command from `_index.COMMANDS` (name, module, one-line help), a table generated
from the modules themselves (`python -m mppwatch.commands._index --write`; a test fails when it is stale), so
listing commands imports no module that pulls in pandas, DuckDB or numpy. Running `mppwatch court ...` imports
`mppwatch.commands.court`, lets it `register()` its commands, and resolves the real command.

Help texts go through the gettext catalog, so `--lang es` shows Spanish help where it has been translated.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from mppwatch.commands._index import COMMANDS

Translate = Callable[[str], str]


class _Placeholder(TyperCommand):  # the one-line entry shown in the root help before the module loads
    def __init__(self, name: str, module: str, help_text: str, hidden: bool) -> None:
        super().__init__(name=name, help=help_text, hidden=hidden)
        self.module = module


def load_module_commands(module: str) -> dict[str, Any]:
    """The click commands that `mppwatch.commands.<module>.register()` adds, by name."""
    mod = importlib.import_module(f"mppwatch.commands.{module}")
    scratch = typer.Typer()
    mod.register(scratch)
    return dict(typer.main.get_group(scratch).commands)


def _command_modules() -> list[str]:
    """The concern modules in mppwatch.commands (names not starting with an underscore), the data commands first
    (load, datasets, series, ...: what a new user runs first, so the root help lists them first)."""
    import pkgutil

    import mppwatch.commands as pkg

    names = [m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")]
    return sorted(names, key=lambda name: (name != "data", name))


def translate_text(text: str, _: Translate) -> str:
    """A help text in the catalog's language: the whole text's entry, else paragraph by paragraph (each looked up
    with its lines joined, as the index stores a first paragraph); a paragraph with no entry stays English."""
    whole = _(text)
    if whole != text:
        return whole
    paragraphs = []
    for paragraph in text.split("\n\n"):
        key = " ".join(paragraph.split())
        translated = _(key) if key else key
        paragraphs.append(translated if translated != key else paragraph)
    return "\n\n".join(paragraphs)


def translate_help(command: Any, _: Translate) -> None:
    """Replace a command's help, its parameters' help and its subcommands' help by their catalog translation,
    and the usage line's "Usage:" (Click writes it without gettext)."""
    for attr in ("help", "short_help"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, translate_text(text, _))
    for param in getattr(command, "params", []):
        if getattr(param, "help", None):
            param.help = translate_text(param.help, _)
    usage = getattr(command, "get_usage", None)
    if callable(usage) and not getattr(usage, "_translated", False):

        def get_usage(ctx: Any, _original: Any = usage) -> str:
            text = str(_original(ctx))
            return _("Usage:") + text[len("Usage:") :] if text.startswith("Usage:") else text

        get_usage._translated = True  # type: ignore[attr-defined]
        command.get_usage = get_usage
    original = getattr(command, "get_help_option", None)
    if callable(original) and not getattr(original, "_translated", False):

        def get_help_option(ctx: Any, _original: Any = original) -> Any:
            option = _original(ctx)  # Click builds --help on demand, with an English help text
            if option is not None and option.help:
                option.help = _(option.help)
            return option

        get_help_option._translated = True  # type: ignore[attr-defined]
        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        if not isinstance(sub, _Placeholder):
            translate_help(sub, _)


class LazyGroup(TyperGroup):
    """The root group: real commands for cli.py's own, placeholders for the concern modules until needed."""

    translate: Translate = staticmethod(lambda s: s)  # type: ignore[assignment]

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False
        self._scanned = False
        for name, (module, help_text, hidden) in COMMANDS.items():
            self.commands.setdefault(name, _Placeholder(name, module, help_text, hidden))

    def localise(self, _: Translate) -> None:
        """Translate every help text already built (cli.py's commands, the placeholders, the root)."""
        self.translate = _  # type: ignore[method-assign]
        translate_help(self, _)
        for cmd in self.commands.values():
            if isinstance(cmd, _Placeholder) and cmd.help:
                cmd.help = translate_text(cmd.help, _)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = self.commands.get(cmd_name)
        if isinstance(cmd, _Placeholder) and not self._listing:
            try:
                loaded = load_module_commands(cmd.module)
            except ModuleNotFoundError as exc:
                if exc.name != f"mppwatch.commands.{cmd.module}":
                    raise
                loaded = {}  # the index names a module this installation does not have
            for name in [n for n, c in self.commands.items() if isinstance(c, _Placeholder) and c.module == cmd.module]:
                del self.commands[name]
            for name, real in loaded.items():
                translate_help(real, self.translate)
                self.commands[name] = real
            cmd = self.commands.get(cmd_name)
        if cmd is None and not self._listing and not self._scanned:
            self._scanned = True  # a module newer than the index still works (the index test says to regenerate)
            indexed = {module for module, _help, _hidden in COMMANDS.values()}
            for module in _command_modules():
                if module not in indexed:
                    for name, real in load_module_commands(module).items():
                        translate_help(real, self.translate)
                        self.commands.setdefault(name, real)
            cmd = self.commands.get(cmd_name)
        return cmd

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True  # list from the index: no command module is imported to print the root help
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
