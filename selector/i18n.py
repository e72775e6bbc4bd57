"""What a person reads: Chinese by default, English on request (`--lang en` or SELECTOR_LANG=en).

Message ids are the English text, written in the code as `_("Written to {path}", path=out)`.
The Chinese lives in gettext catalogues, `selector/locale/zh/*.po` (one file per area of the product,
so that two changes rarely touch the same catalogue). Babel reads and merges them at first use and
hands them to the standard library's gettext, so there is no compile step to forget.
tests/test_i18n.py fails when a message in the code has no Chinese.
Rule-set wording (labels, clauses, the notice's sentences) comes from the rule set, not from here:
use `label(obj)` to pick `label_zh` / `label_en` (or `name_zh` / `name_en`).
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LOCALE_DIR = Path(__file__).parent / "locale"
_chosen: str | None = None  # set by set_lang (the CLI's --lang); else SELECTOR_LANG; else Chinese


def normalise_lang(value: str | None) -> str | None:
    """'zh', 'zh_CN', 'zh-CN.UTF-8', 'cn' -> 'zh'; 'en', 'en_US' -> 'en'; anything else -> None."""
    if not value:
        return None
    v = value.strip().lower().replace("-", "_").split(".")[0]
    if v in ("zh", "cn", "chinese", "中文") or v.startswith("zh_"):
        return "zh"
    if v in ("en", "english") or v.startswith("en_"):
        return "en"
    return None


def current_lang() -> str:
    return _chosen or normalise_lang(os.environ.get("SELECTOR_LANG")) or DEFAULT_LANG


def set_lang(lang: str | None) -> str:
    """Choose the language for the rest of the process; None goes back to SELECTOR_LANG / Chinese."""
    global _chosen
    if lang is not None and normalise_lang(lang) is None:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    _chosen = normalise_lang(lang)
    return current_lang()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """`with language("en"): ...` for one block (tests, a web request)."""
    global _chosen
    before = _chosen
    set_lang(lang)
    try:
        yield
    finally:
        _chosen = before


def catalogue_files(lang: str = "zh") -> list[Path]:
    return sorted((LOCALE_DIR / lang).glob("*.po"))


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    merged = Catalog(locale="zh_Hans_CN", domain="selector")
    for po in catalogue_files(lang):
        with po.open("rb") as f:
            for message in read_po(f, locale="zh_Hans_CN"):
                if message.id and message.string:
                    merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(msgid: str, /, **fields: Any) -> str:
    """The message in the current language, with `{field}`s filled in."""
    text = _translations(current_lang()).gettext(msgid)
    return text.format(**fields) if fields else text


def N_(msgid: str, /) -> str:
    """Mark a message for the catalogue without translating it now (help text translated when shown)."""
    return msgid


def ngettext(singular: str, plural: str, n: int, /, **fields: Any) -> str:
    """Singular or plural by n (Chinese has one form); `{n}` is filled in too."""
    text = _translations(current_lang()).ngettext(singular, plural, n)
    return text.format(n=n, **fields)


def list_words(items: Iterable[str]) -> str:
    """Names in a list as a person writes them: 海州区、彰武县 in Chinese, "a, b" in English."""
    return ("、" if current_lang() == "zh" else ", ").join(items)


def label(obj: Any, fallback: str = "") -> str:
    """A rule-set object's own wording in the current language: label_zh/label_en or name_zh/name_en,
    falling back to the other language, then to `fallback` (usually its id)."""
    zh = getattr(obj, "label_zh", None) or getattr(obj, "name_zh", None) or ""
    en = getattr(obj, "label_en", None) or getattr(obj, "name_en", None) or ""
    first, second = (en, zh) if current_lang() == "en" else (zh, en)
    return first or second or fallback or str(getattr(obj, "id", ""))
