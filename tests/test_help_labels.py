"""The type labels of `-h` (typer's `<path>`, `<int>`) read in the reader's language
(issue 12's leftover), and the English help keeps typer's own."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from selector.interfaces.cli import app


def _help(*args: str) -> str:
    done = CliRunner().invoke(app, [*args], terminal_width=200)
    assert done.exit_code == 0, done.output
    return done.output


def test_help_type_labels_are_chinese_by_default():
    for command in ("select", "explain", "check", "verify", "forms"):
        text = _help(command, "-h")
        assert not re.search(r"<(path|int|float|bool|text|file|directory)\b", text), text
    assert "<路径>" in _help("select", "-h") and "<整数>" in _help("select", "-h")
    assert "NAME=FILE" in _help("select", "-h")  # the syntax typed stays as it is typed


def test_help_type_labels_stay_typers_in_english():
    text = _help("--lang", "en", "select", "-h")
    assert "<path>" in text and "<int>" in text and "NAME=FILE" in text
    assert "<路径>" not in _help("--lang", "en", "explain", "-h")
