"""Privacy: identity-card and phone numbers (证件号码, 联系电话, 手机) are masked in every output and never logged.

`mask_text` masks every 18- or 15-digit identity-card number and every 11-digit mobile number inside a
text; `mask_value` also shortens anything with digits in a column whose header names such numbers
(`is_sensitive_header`); `public_id_map` gives each candidate id as public outputs show it. The full ids
stay only in the audit record (audit.json, summary.json). See the README's privacy section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from selector.reading.pool import Pool
from selector.reading.rules import PoolSpec
from selector.reading.tables import normalise_header

_SENSITIVE_ZH = ("身份证", "证件号", "公民身份号码", "电话", "手机", "联系方式", "联系电话")


_SENSITIVE_EN = {"phone", "mobile", "tel", "telephone", "cellphone", "idcard", "idno", "passport"}


_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")


_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")


_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")


def mask_content(content: object) -> object:
    """mask_text over every string of a report block (text, list items, table headers and cells)."""
    if isinstance(content, str):
        return mask_text(content)
    if isinstance(content, (list, tuple)):
        return type(content)(mask_content(c) for c in content)
    return content


def is_sensitive_header(header: str) -> bool:
    """A column whose header names identity-card or phone numbers (身份证号, 手机, phone, id_card ...)."""
    h = normalise_header(header)
    if any(w in h for w in _SENSITIVE_ZH):
        return True
    tokens = [t for t in re.split(r"[^a-z0-9]+", h) if t]
    joined = {a + b for a, b in zip(tokens, tokens[1:])}
    return bool(_SENSITIVE_EN & (set(tokens) | joined)) or (
        "id" in tokens and bool({"card", "number", "no"} & set(tokens)))


def _mask_id(m: re.Match) -> str:
    s = m.group(0)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_text(text: str) -> str:
    """Mask every 18- or 15-digit identity-card number and every 11-digit mobile number inside `text`:
    210203198001011234 -> 2102**********1234, 13812345678 -> 138****5678."""
    t = _ID18.sub(_mask_id, text)
    t = _ID15.sub(_mask_id, t)
    return _MOBILE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + m.group(1) + "****" + m.group(3), t)


def public_id_map(ids: Iterable[str]) -> dict[str, str]:
    """Each id as public outputs show it (issue 11, item 21): itself, or masked when it is or holds an
    identity-card or mobile number (210203198001011234 -> 2102**********1234). Ids that mask alike are
    told apart by -2, -3 ... in file order, so a public list still names each candidate once; the full
    ids stay in the audit record (audit.json, summary.json)."""
    out: dict[str, str] = {}
    taken: dict[str, int] = {}
    for i in ids:
        masked = mask_text(i)
        if masked == i:
            out[i] = i
            continue
        n = taken[masked] = taken.get(masked, 0) + 1
        out[i] = masked if n == 1 else f"{masked}-{n}"
    return out


def mask_value(value: object, sensitive: bool = False) -> object:
    """A cell for output: numbers that look like identity-card or mobile numbers masked; in a sensitive
    column (身份证号, 电话 ...) anything else with digits keeps only its first 3 and last 4 characters."""
    if value is None or not isinstance(value, str):
        return value
    masked = mask_text(value)
    if sensitive and masked == value and sum(c.isdigit() for c in value) >= 5:
        keep = value.strip()
        masked = keep[:3] + "*" * max(0, len(keep) - 7) + keep[-4:] if len(keep) > 7 else "*" * len(keep)
    return masked


def private_columns(spec: PoolSpec, pool: Pool) -> list[str]:
    """The columns whose text may carry personal numbers: the pool's extra columns and text attributes."""
    return list(pool.extra_columns) + [a.column for a in spec.attributes if a.type == "text"]


def mask_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A copy of `frame` with every cell of `columns` passed through `mask_value`."""
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            sensitive = is_sensitive_header(c)
            out[c] = [mask_value(v, sensitive) for v in out[c]]
    return out


def public_ids(frame: pd.DataFrame, ids: dict[str, str]) -> pd.DataFrame:
    """Public outputs show an id or name that is (or holds) an identity-card or mobile number masked:
    ids through `ids` (privacy.public_id_map of the pool), names through mask_text. The full id stays
    in the audit record (audit.json, summary.json), which verify replays. See the README's privacy section."""
    frame = frame.copy()
    frame["id"] = [ids.get(v, mask_text(v)) if isinstance(v, str) else v for v in frame["id"]]
    frame["name"] = [mask_text(v) if isinstance(v, str) else v for v in frame["name"]]
    return frame
