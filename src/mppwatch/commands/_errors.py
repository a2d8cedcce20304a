"""How the command line ends: one place turns every error into what a person should read.

- Usage errors (unknown command or option, missing argument, bad value) print as Click prints them: the usage
  line, a hint to `--help`, and `Error: ...`, then exit 2. In Spanish with `--lang es`.
- Data errors (MppwatchError, store and DuckDB errors, missing files) print one line `error: ...` and exit 1.
- Anything else is a bug: one line naming it and pointing to `--debug`, exit 1.
- `--debug` (or MPPWATCH_DEBUG=1) shows the Python traceback instead.
"""

from __future__ import annotations

import errno
import gettext
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer._click import exceptions as click_exc

from mppwatch import i18n

ROOT_VALUE_OPTIONS = ("--db", "--lang")


def prescan(args: Sequence[str]) -> tuple[str | None, bool]:
    """(--lang value, --debug given) read before Click parses anything, so even a usage error speaks the language.

    Root options come before the command; a command's own `--lang` (claims has one) counts too.
    """
    lang: str | None = None
    debug = False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            break
        if a == "--debug":
            debug = True
        elif a == "--lang" and i + 1 < len(args):
            lang = lang or args[i + 1]
            i += 1
        elif a.startswith("--lang="):
            lang = lang or a.split("=", 1)[1]
        i += 1
    return lang, debug


def _setup_language(explicit: str | None) -> str:
    """Resolve the language and let Typer's own help words (Options, Commands, ...) use our catalog."""
    try:
        lang = i18n.resolve_lang(explicit)
    except ValueError:
        lang = i18n.resolve_lang(None)  # the root --lang callback reports the bad value as a usage error
    os.environ["LANGUAGE"] = lang  # gettext.gettext, which Typer's help uses, reads $LANGUAGE first
    gettext.bindtextdomain(i18n.DOMAIN, i18n.locale_dir())
    gettext.textdomain(i18n.DOMAIN)
    from mppwatch.output import set_lang

    set_lang(lang)
    return lang


def _usage_patterns(_: Callable[[str], str]) -> list[tuple[re.Pattern[str], str]]:
    """Click's English usage messages and their translation templates (msgids marked for the catalog)."""
    return [
        (re.compile(r"^No such command (?P<name>'[^']*')\.(?: Did you mean (?P<alts>.*)\?)?$"), "command"),
        (
            re.compile(
                r"^No such option: (?P<name>\S+)(?: Did you mean (?P<alt>\S+)\?)?(?: \(Possible options: (?P<alts>.*)\))?$"
            ),
            "option",
        ),
        (re.compile(r"^Missing (?P<kind>argument|option|parameter) (?P<name>.*)\.$"), "missing"),
        (re.compile(r"^Missing command\.$"), "missing_command"),
        (
            re.compile(
                r"^Invalid value for (?P<name>.*?): (?:Value error, )?(?P<value>'.*') is not one of (?P<choices>.*)\.$"
            ),
            "choice",
        ),
        (re.compile(r"^Invalid value for (?P<name>.*?): (?:Value error, )?(?P<reason>.*)$"), "invalid"),
        (re.compile(r"^Option (?P<name>'[^']*') requires an argument\.$"), "needs_value"),
        (re.compile(r"^Option (?P<name>'[^']*') requires (?P<n>\d+) arguments\.$"), "needs_values"),
        (re.compile(r"^Option (?P<name>'[^']*') does not take a value\.$"), "no_value"),
        (re.compile(r"^Got unexpected extra arguments? \((?P<extra>.*)\)$"), "extra"),
    ]


def usage_message(message: str, lang: str) -> str:
    """Click's message in `lang` (English passes through, minus the 'Value error, ' Pydantic prefix)."""
    message = message.replace(": Value error, ", ": ")
    if lang == "en":
        return message
    _ = i18n.translator(lang)
    for pattern, kind in _usage_patterns(_):
        m = pattern.match(message)
        if not m:
            continue
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        if kind == "command":
            text = _("No such command {name}.").format(name=g["name"])
            if "alts" in g:
                text += " " + _("Did you mean {alternatives}?").format(alternatives=g["alts"])
            return text
        if kind == "option":
            text = _("No such option: {name}").format(name=g["name"])
            if "alt" in g:
                text += " " + _("Did you mean {alternatives}?").format(alternatives=g["alt"])
            if "alts" in g:
                text += " " + _("(Possible options: {options})").format(options=g["alts"])
            return text
        if kind == "missing":
            template = {
                "argument": _("Missing argument {name}."),
                "option": _("Missing option {name}."),
                "parameter": _("Missing parameter {name}."),
            }[g["kind"]]
            return template.format(name=g["name"])
        if kind == "missing_command":
            return _("Missing command.")
        if kind == "choice":
            return _("Invalid value for {name}: {value} is not one of {choices}.").format(**g)
        if kind == "invalid":
            reason = i18n.localise(g["reason"], lang) or g["reason"]
            return _("Invalid value for {name}: {reason}").format(name=g["name"], reason=reason)
        if kind == "needs_value":
            return _("Option {name} requires an argument.").format(**g)
        if kind == "needs_values":
            return _("Option {name} requires {n} arguments.").format(**g)
        if kind == "no_value":
            return _("Option {name} does not take a value.").format(**g)
        if kind == "extra":
            return _("Got unexpected extra arguments ({extra})").format(**g)
    return message


def show_usage_error(exc: Any, lang: str, file: Any = None) -> None:
    """Click's three parts (usage, hint, error) in `lang`."""
    file = file or sys.stderr
    _ = i18n.translator(lang)
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = ctx.get_usage()
        if usage.startswith("Usage: "):
            usage = _("Usage:") + usage[len("Usage:") :]
        file.write(usage + "\n")
        if ctx.command.get_help_option(ctx) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]
            )
            file.write(hint + "\n")
        file.write("\n")
    file.write(f"{_('Error')}: {usage_message(exc.format_message(), lang)}\n")
    option = getattr(exc, "option_name", None)
    if isinstance(exc, click_exc.NoSuchOption) and option in (*ROOT_VALUE_OPTIONS, "--debug") and ctx is not None:
        file.write(
            _(
                "{option} is a global option: put it before the command, as in 'mppwatch {option} ... {command}'."
            ).format(option=option, command=ctx.info_name)
            + "\n"
        )


def error_line(exc: BaseException, lang: str) -> str | None:
    """The one line for a data error, or None when `exc` is not one (a bug)."""
    from mppwatch.errors import MppwatchError

    _ = i18n.translator(lang)
    data_errors: list[type[BaseException]] = [MppwatchError, OSError]
    store = sys.modules.get("mppwatch.store")
    if store is not None:
        data_errors.append(store.StoreError)
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None:
        data_errors.append(duckdb.Error)
    if not isinstance(exc, tuple(data_errors)):
        return None
    render = getattr(exc, "render", None)
    text = render(lang) if callable(render) else str(exc)
    if isinstance(exc, OSError) and not isinstance(exc, MppwatchError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or text}"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if not callable(render):
        first = i18n.localise(first, lang) or first  # the messages registered in mppwatch.texts
    return f"{_('error')}: {first}"


def run(app: typer.Typer, args: Sequence[str], debug_env: bool = False) -> None:
    """Run the app on `args` and exit with 0 (done), 1 (data error or bug), 2 (usage error) or 130 (interrupted)."""
    try:  # option values without pydantic (its import is 8% of a `series`); Typer's internals are private:
        from mppwatch.commands import _coerce  # another Typer than 0.29's keeps its own conversion

        _coerce.install()
    except (ImportError, AttributeError):
        pass
    explicit_lang, debug = prescan(args)
    debug = debug or debug_env
    lang = _setup_language(explicit_lang)
    command = typer.main.get_command(app)
    localise = getattr(command, "localise", None)
    if callable(localise):
        localise(i18n.translator(lang))
    try:
        rv = command.main(list(args), prog_name="mppwatch", standalone_mode=False)
    except click_exc.NoArgsIsHelpError as exc:  # `mppwatch` or `mppwatch court` alone: the help, as Click does
        if exc.message.strip():  # Typer's Rich help has already printed itself while building the message
            sys.stdout.write(exc.message if exc.message.endswith("\n") else exc.message + "\n")
        sys.exit(exc.exit_code)
    except click_exc.UsageError as exc:
        show_usage_error(exc, lang)
        sys.exit(exc.exit_code)
    except click_exc.ClickException as exc:
        sys.stderr.write(f"{i18n.translator(lang)('error')}: {exc.format_message()}\n")
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.stderr.write("\n")
        sys.exit(130)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(1)
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            _quiet_stdout()
            sys.exit(1)
        if debug:
            traceback.print_exc()
            sys.exit(1)
        line = error_line(exc, lang)
        if line is None:
            _ = i18n.translator(lang)
            line = _("error: internal error ({kind}: {message}); run with --debug for the traceback").format(
                kind=type(exc).__name__, message=str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            )
        sys.stderr.write(line + "\n")
        sys.exit(1)
    if isinstance(rv, int) and not isinstance(rv, bool) and rv != 0:
        sys.exit(rv)


def _quiet_stdout() -> None:
    """After `| head` closed the pipe: send what is left to /dev/null so Python's exit flush does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
