"""typer and click in the chosen language: their help panels and notes, and their own usage errors.

Help text is written as English message ids (`N_`) and translated when it is shown (`_LocalisedHelp`), so
`--lang`, read before any help is printed, applies to `--help` too. typer's and click's sentences about a
mistyped command line ("No such option", "Invalid value", "Missing argument", ...) are English f-strings in
their code, with no catalogue to hook: `LocalisedGroup` catches each usage error and says it again from its
fields (the option, the parameter, the value) in the current language (`usage_message`).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

import typer
from typer.core import TyperCommand, TyperGroup

from selector.i18n import N_, _

_TYPER_WORDS = {  # typer's own words in its help and error panels
    "ARGUMENTS_PANEL_TITLE": N_("Arguments"), "OPTIONS_PANEL_TITLE": N_("Options"),
    "COMMANDS_PANEL_TITLE": N_("Commands"), "ERRORS_PANEL_TITLE": N_("Error"), "ABORTED_TEXT": N_("Aborted."),
    "DEFAULT_STRING": N_("[default: {}]"), "ENVVAR_STRING": N_("[env var: {}]"),
    "REQUIRED_LONG_STRING": N_("[required]"), "DEPRECATED_STRING": N_("(deprecated) "),
    "RICH_HELP": N_("Try [blue]'{command_path} {help_option}'[/] for help."),
}
_HELP_OPTION = N_("Show this message and exit.")
# typer's type labels in help (`<path>`, `<int>`), word by word (typer 0.29 has no hook: display_type_rich)
_TYPE_WORDS = {w: N_(w) for w in ("path", "file", "directory", "int", "float", "str", "bool", "range")}
# fields a help text may name, filled in when it is shown (the CLI sets them: the pools of the rule sets)
HELP_FIELDS: dict[str, Callable[[], str]] = {}
# the base of every usage error, whichever click typer runs on (its own copy, or click itself)
UsageError = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def localise_typer() -> None:
    """typer's panel titles and notes in the current language (they are module constants of rich_utils)."""
    from typer import rich_utils

    for name, msgid in _TYPER_WORDS.items():
        setattr(rich_utils, name, _(msgid))


def _type_label(label: str | None) -> str | None:
    """'<path>' -> '<路径>', '<int range>' -> '<整数 范围>': typer's type label in the current language."""
    if not label or not (label.startswith("<") and label.endswith(">")):
        return label  # a metavar of ours ('NAME=FILE') is the syntax typed, as '--pool' is
    words = label[1:-1].split(" ")
    return "<" + " ".join(_(_TYPE_WORDS[w]) if w in _TYPE_WORDS else w for w in words) + ">"


def _translate(text: str | None) -> str | None:
    if not text:
        return text
    text = inspect.cleandoc(text)
    if "\n" in text:  # a command's docstring: its message id is the text on one line
        text = " ".join(text.split())
    out = _(text)
    for name, fill in HELP_FIELDS.items():
        if "{" + name + "}" in out:
            out = out.replace("{" + name + "}", fill())
    return out


class _LocalisedHelp:
    """Help of a command (and of the commands it lists) translated at the moment it is shown."""

    def format_help(self, ctx, formatter):
        localise_typer()
        root = ctx.find_root().command
        objects = [root, *getattr(root, "commands", {}).values()]
        saved = []
        typed = []
        for cmd in objects:
            for obj in [cmd, *cmd.params, cmd.get_help_option(ctx)]:
                if obj is not None and getattr(obj, "help", None):
                    saved.append((obj, obj.help))
                    obj.help = _translate(obj.help)
            for param in [*cmd.params, cmd.get_help_option(ctx)]:
                if param is not None and hasattr(param, "display_type_rich"):  # on the instance, for this help only
                    shown = param.display_type_rich
                    param.display_type_rich = lambda ctx, shown=shown: _type_label(shown(ctx))
                    typed.append(param)
        try:
            return super().format_help(ctx, formatter)  # type: ignore[misc]
        finally:
            for obj, text in saved:
                obj.help = text
            for param in typed:
                del param.display_type_rich

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),  # type: ignore[attr-defined]
                              prefix=_("Usage: "))


class LocalisedGroup(_LocalisedHelp, TyperGroup):
    """The command group: help translated when shown, and every usage error (of the group's own options, of
    a command's, or an unknown command) said in the current language before typer shows it."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as e:
            localise_error(e)
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UsageError as e:
            localise_error(e)
            raise


class LocalisedCommand(_LocalisedHelp, TyperCommand):
    pass


# ------------------------------------------------------------------------------------ usage errors
_USAGE_WORDS = [  # the msgids below, for the catalogue check (tests/test_i18n.py)
    N_("No such option: {option}"), N_("{message} (possible options: {options})"), N_("No such command '{name}'."),
    N_("Missing command."), N_("Missing argument {name}."), N_("Missing option {name}."),
    N_("Missing parameter {name}."), N_("Invalid value for {name}: {message}"), N_("Invalid value: {message}"),
    N_("Got unexpected extra arguments ({args})"), N_("Option '{option}' requires a value."),
    N_("Option '{option}' does not take a value."), N_("'{value}' is not a whole number"),
    N_("'{value}' is not a number"), N_("'{value}' is not yes or no"), N_("{value} is less than {limit}"),
    N_("{value} is more than {limit}"), N_("'{value}' is not one of {choices}"), N_("'{value}' is not a valid value"),
]
_EXTRA = re.compile(r"Got unexpected extra argument(s|\(s\))? \((?P<args>.*)\)$", re.S)
_NO_COMMAND = re.compile(r"No such command '?(?P<name>.*?)'?\.$", re.S)
_NO_VALUE = re.compile(r"Option '?(?P<option>.*?)'? does not take a value\.?$", re.S)
_NEEDS_VALUE = re.compile(r"Option '?(?P<option>.*?)'? requires (an argument|\d+ arguments)\.?$", re.S)
# pydantic's error types (typer >= 0.2x converts values with pydantic) -> what is wrong with the value
_VALUE_ERRORS = {
    "int_parsing": N_("'{value}' is not a whole number"), "int_from_float": N_("'{value}' is not a whole number"),
    "float_parsing": N_("'{value}' is not a number"), "decimal_parsing": N_("'{value}' is not a number"),
    "bool_parsing": N_("'{value}' is not yes or no"), "greater_than_equal": N_("{value} is less than {limit}"),
    "greater_than": N_("{value} is less than {limit}"), "less_than_equal": N_("{value} is more than {limit}"),
    "less_than": N_("{value} is more than {limit}"), "enum": N_("'{value}' is not one of {choices}"),
    "literal_error": N_("'{value}' is not one of {choices}"),
}
# click's own wording of the same (typer before it carried its own click)
_CLICK_VALUE_ERRORS = [(re.compile(rf"'?(?P<value>.*?)'? is not a valid {word}( range)?\.?$", re.S), msgid)
                       for word, msgid in (("integer", N_("'{value}' is not a whole number")),
                                           ("float", N_("'{value}' is not a number")),
                                           ("boolean", N_("'{value}' is not yes or no")))]


def usage_message(e: Exception) -> str:
    """A usage error of typer/click in the current language, from its fields where it has them."""
    kind = type(e).__name__
    ctx = getattr(e, "ctx", None)
    message = str(getattr(e, "message", "") or "")
    if kind == "NoSuchOption":
        text = _("No such option: {option}", option=e.option_name)  # type: ignore[attr-defined]
        options = getattr(e, "possibilities", None)
        return _("{message} (possible options: {options})", message=text, options=", ".join(sorted(options))
                 ) if options else text
    if kind == "MissingParameter":
        param = getattr(e, "param", None)
        name = _hint(e, ctx)
        what = getattr(e, "param_type", None) or getattr(param, "param_type_name", "parameter")
        return {"argument": _("Missing argument {name}.", name=name), "option": _("Missing option {name}.", name=name)
                }.get(what, _("Missing parameter {name}.", name=name))
    if isinstance(e, typer.BadParameter):
        name = _hint(e, ctx)
        value = _value_message(e, message)
        return _("Invalid value for {name}: {message}", name=name, message=value) if name else _(
            "Invalid value: {message}", message=value)
    for pattern, msgid, field in ((_EXTRA, "Got unexpected extra arguments ({args})", "args"),
                                  (_NO_COMMAND, "No such command '{name}'.", "name"),
                                  (_NO_VALUE, "Option '{option}' does not take a value.", "option"),
                                  (_NEEDS_VALUE, "Option '{option}' requires a value.", "option")):
        m = pattern.match(message)
        if m is not None:
            return _(msgid, **{field: m.group(field)})
    if message == "Missing command.":
        return _("Missing command.")
    return e.format_message()  # type: ignore[attr-defined]  # ours (already translated) or one not known here


def _hint(e: Exception, ctx) -> str:
    hint = getattr(e, "param_hint", None)
    param = getattr(e, "param", None)
    if hint is None and param is not None:
        try:
            hint = param.get_error_hint(ctx)
        except TypeError:  # an older click: no ctx
            hint = param.get_error_hint()
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(f"'{h}'" for h in hint)
    return str(hint or "")


def _value_message(e: Exception, message: str) -> str:
    """What is wrong with the value: pydantic's error (typer's conversion) or click's, in the current language;
    a message of ours (a callback's typer.BadParameter, already translated) as it is."""
    cause = e.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):
        first = (errors() or [{}])[0]
        msgid = _VALUE_ERRORS.get(str(first.get("type")))
        if msgid is not None:
            ctx = first.get("ctx") or {}
            limit = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), "")
            return _(msgid, value=first.get("input", ""), limit=limit, choices=ctx.get("expected", ""))
        if first:
            return _("'{value}' is not a valid value", value=first.get("input", ""))
    for pattern, msgid in _CLICK_VALUE_ERRORS:
        m = pattern.match(message)
        if m is not None:
            return _(msgid, value=m.group("value"))
    return message


def localise_error(e: Exception) -> None:
    """Show this usage error in the current language: typer prints its format_message(). `selector` with
    no arguments prints its help through a usage error (NoArgsIsHelpError): that one is left as it is."""
    if type(e).__name__ != "NoArgsIsHelpError" and not getattr(e, "localised", False):
        text = usage_message(e)
        e.format_message = lambda: text  # type: ignore[attr-defined]
        e.localised = True  # type: ignore[attr-defined]
