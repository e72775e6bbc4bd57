"""The command line: a thin layer over the library. Exit codes: 0 a slate, 1 no slate exists (or none
found in time), 2 bad input, 3 internal error (a slate failed verification), 130 interrupted, 143 SIGTERM.

Everything a person reads is Chinese by default; `--lang en` (before the command) or SELECTOR_LANG=en
gives English (interfaces/localise.py: typer's help and usage errors in the chosen language). This module
holds the application, its global options and the guard every command runs under; the commands are in
cli_select.py (select, explain, check), cli_paperwork.py (template, forms, verify) and cli_analysis.py
(whatif, sweep, apportion, adjust), with what they share in options.py; `serve` is here.
"""

from __future__ import annotations

import functools
import os
from typing import Annotated, Optional

import typer
from typer.core import TyperCommand
from typer.exceptions import TyperException

from selector.errors import InputErrors, handle_sigterm
from selector.i18n import N_, _, set_lang
from selector.interfaces import cli_analysis, cli_paperwork, cli_select
from selector.interfaces.localise import HELP_FIELDS, LocalisedCommand, LocalisedGroup, localise_typer
from selector.interfaces.options import EXIT_BAD_INPUT, EXIT_INTERNAL, fail_input, interrupted
from selector.interfaces.pools import bundled_pools_text

HELP_FIELDS["pools"] = bundled_pools_text  # --pool's help lists the pools of the bundled rule sets


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("slate-selector")
    except metadata.PackageNotFoundError:
        return "unknown"


def _choose_lang(ctx: typer.Context, value: str | None) -> str | None:
    """--lang: for this command only (eager, so `selector --lang en --help` is English too)."""
    if value is None:
        return value
    try:
        before = set_lang(value)
    except ValueError:
        raise typer.BadParameter(_("use zh or en")) from None
    del before
    ctx.call_on_close(lambda: set_lang(None))
    localise_typer()
    return value


def _show_version(value: bool) -> None:
    if value:
        typer.echo(_("selector {version}", version=_version()))
        raise typer.Exit(0)


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=LocalisedGroup,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help=N_("Slate selector for award selections run under a published notice."))


@app.callback()
def _commands(
        lang: Annotated[Optional[str], typer.Option(
            "--lang", is_eager=True, callback=_choose_lang, metavar="zh|en",
            help=N_("Language of everything printed and written: zh (default) or en; also SELECTOR_LANG."))] = None,
        version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                              help=N_("Print the version and exit."))] = False) -> None:
    """The global options; the commands below (see -h of each)."""


# ---------------------------------------------------------------- the web workbench (issue 16)
def serve(port: Annotated[int, typer.Option("--port", min=1, max=65535, help=N_("Port to listen on."))] = 8765,
          no_browser: Annotated[bool, typer.Option("--no-browser", help=N_("Do not open the browser."))] = False,
          host: Annotated[str, typer.Option("--host", help=N_(
              "Address to listen on; 127.0.0.1 (this computer only) unless told otherwise."))] = "127.0.0.1") -> None:
    from selector.interfaces.web.app import serve as run  # Starlette and uvicorn only when serving

    shown = host if host not in ("0.0.0.0", "::") else "127.0.0.1"
    typer.echo(_("Slate selector workbench: {url} (Ctrl-C to stop)", url=f"http://{shown}:{port}/"))
    run(host=host, port=port, open_browser=not no_browser)


def _guarded(command):
    """Whatever goes wrong, a plain message and an exit code, never a traceback: bad input 2, a file the
    system refuses to read or write 2, Ctrl-C 130, anything else (a bug) 3, with the traceback only
    when the environment sets SELECTOR_DEBUG=1."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException):  # typer's own: usage errors, exit codes
            raise
        except InputErrors as e:
            fail_input(e)
        except KeyboardInterrupt as e:
            interrupted(e)
        except OSError as e:
            typer.echo(_("Cannot read or write a file: {error}", error=e), err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except Exception as e:
            if os.environ.get("SELECTOR_DEBUG"):
                raise
            typer.echo(_("Internal error ({error}). This is a bug in the selector, not in your files: please "
                         "report it with the inputs (SELECTOR_DEBUG=1 shows where it happened).",
                         error=f"{type(e).__name__}: {e}"), err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return run


for _commands_of in (cli_select.commands, cli_paperwork.commands, cli_analysis.commands):
    app.registered_commands += _commands_of.registered_commands  # in this order in `selector -h`
app.command(help=N_(
    "The local web workbench: load the units' files, see screening, the slate and every rule, try what-ifs and "
    "download the paperwork in the browser. Ctrl-C stops it and removes the uploaded files."))(serve)
for _command in app.registered_commands:  # every command, and any added later above this line
    _command.callback = _guarded(_command.callback)
    if _command.cls in (None, TyperCommand):
        _command.cls = LocalisedCommand  # help in the chosen language


def main() -> None:
    handle_sigterm()  # SIGTERM as Ctrl-C: clean up, exit 143 (the console script's launch.py does it first)
    localise_typer()
    app()


if __name__ == "__main__":
    main()

