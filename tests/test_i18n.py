"""The message catalogues: every message the code writes through `_()` has its Chinese, and the
language switch works (Chinese by default, English with SELECTOR_LANG=en or set_lang)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from selector import i18n
from selector.i18n import _, label, language, ngettext

PACKAGE = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _code_messages() -> dict[str, str]:
    """msgid -> where it is used, for every _() / ngettext() call in selector/."""
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _catalogue() -> dict[str, object]:
    merged: dict[str, object] = {}
    for po in i18n.catalogue_files("zh"):
        with po.open("rb") as f:
            for m in read_po(f):
                if m.id:
                    for msgid in (m.id if isinstance(m.id, tuple) else (m.id,)):
                        merged[msgid] = m.string
    return merged


def test_every_message_in_the_code_has_its_chinese():
    catalogue = _catalogue()
    missing = [f"{where}: {msgid!r}" for msgid, where in _code_messages().items()
               if not catalogue.get(msgid) or (isinstance(catalogue[msgid], tuple) and not all(catalogue[msgid]))]
    assert not missing, "messages with no Chinese in selector/locale/zh/*.po:\n" + "\n".join(missing)


def test_chinese_keeps_every_field_of_the_english():
    import string

    def fields(s: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(s) if f}

    bad = []
    for po in i18n.catalogue_files("zh"):
        with po.open("rb") as f:
            for m in read_po(f):
                ids = m.id if isinstance(m.id, tuple) else (m.id,)
                strings = m.string if isinstance(m.string, tuple) else (m.string,)
                if ids[0] and any(s and fields(s) != fields(ids[-1]) for s in strings):
                    bad.append(f"{po.name}: {ids[0]!r}")
    assert not bad, "translations whose {fields} differ from the English:\n" + "\n".join(bad)


def test_chinese_by_default_english_on_request(monkeypatch):
    monkeypatch.delenv("SELECTOR_LANG", raising=False)
    i18n.set_lang(None)
    assert _("Written to {path}", path="out") == "已写入 out"
    with language("en"):
        assert _("Written to {path}", path="out") == "Written to out"
        assert ngettext("{n} problem", "{n} problems", 2) == "2 problems"
    assert ngettext("{n} problem", "{n} problems", 2) == "2 个问题"
    monkeypatch.setenv("SELECTOR_LANG", "en_US.UTF-8")
    assert _("yes") == "yes"
    monkeypatch.setenv("SELECTOR_LANG", "zh_CN")
    assert _("yes") == "是"


def test_labels_come_from_the_rule_set():
    class Attr:
        id = "gender"
        label_zh = "性别"
        label_en = "gender"

    class OnlyZh:
        id = "x"
        name_zh = "劳动模范"
        name_en = ""

    assert label(Attr()) == "性别"
    with language("en"):
        assert label(Attr()) == "gender"
        assert label(OnlyZh()) == "劳动模范"  # no English given: the Chinese, never an empty string
