"""Cell values as a person reads them: the rule set's own Chinese words for categories and sets (企业, 女),
是/否 for flags, shares as percentages, dates as dates; pools and awards by their Chinese names.

Used by every table the product writes (slate tables, summary tables, the report), so a value reads the
same everywhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from selector.i18n import current_lang, label
from selector.outputs.privacy import is_sensitive_header, mask_value
from selector.reading.inputs import Inputs
from selector.reading.rules import NO, YES, Attribute, PoolSpec


def value_zh(attr: Attribute | None, value: str) -> str:
    """The first Chinese alias the rule set declares for a canonical value (enterprise -> 企业), else the value."""
    if attr is not None:
        for alias, canonical in attr.value_aliases.items():
            if canonical == value and not alias.isascii():
                return alias
    return value


def flag_zh(value: str | None) -> str | None:
    return {YES: "是", NO: "否"}.get(value or "", None)


def _share_cell(f: Fraction) -> tuple[float, str]:
    return float(f), ("0%" if (f * 100).denominator == 1 else "0.0#%")


def xlsx_cell(spec: PoolSpec, column: str, value: object) -> tuple[object, str | None]:
    """A pool value as an XLSX cell (value, number format): categories and sets in Chinese, flags 是/否,
    shares as percentages, dates as dates, scores as numbers."""
    if value is None:
        return None, None
    attr = spec.attribute(column)
    if column == "score":
        return float(value), "0.0##"  # type: ignore[arg-type]
    if attr is None:
        return (mask_value(str(value), is_sensitive_header(column)) if value != "" else None), None
    if attr.type == "category":
        return value_zh(attr, str(value)), None
    if attr.type == "flag":
        return flag_zh(str(value)), None
    if attr.type == "share":
        return _share_cell(value)  # type: ignore[arg-type]
    if attr.type == "number":
        return float(value), "0.##"  # type: ignore[arg-type]
    if attr.type == "date":
        return value, "yyyy-mm-dd"
    if attr.type == "set":
        return ("、".join(value_zh(attr, v) for v in sorted(value)) or None), None  # type: ignore[attr-defined]
    return mask_value(str(value), is_sensitive_header(column)), None


def text_cell(value: object, number_format: str | None = None) -> str:
    """An XLSX cell as the report shows it: percentages as 91%, dates as 2021-04-01."""
    if value is None:
        return ""
    if isinstance(value, float) and number_format and number_format.endswith("%"):
        pct = Decimal(str(value)) * 100
        return f"{pct.normalize():f}%"
    if isinstance(value, float):
        return f"{Decimal(str(value)).normalize():f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def plain_cell(v) -> object:
    """Pool values as plain text for tables: sets joined by ';', fractions as decimals."""
    if v is None:
        return ""
    if isinstance(v, frozenset):
        return ";".join(sorted(v))
    if hasattr(v, "numerator") and hasattr(v, "denominator") and not isinstance(v, int):
        return float(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v) if not isinstance(v, (int, float, str)) else v


def cell_in_words(spec, column: str, value) -> object:
    """A pool value as the rule set writes it in Chinese (企业, 女, 是; sets joined by 、), else `plain_cell`."""
    attr = spec.attribute(column)
    if attr is None or value is None or current_lang() != "zh":
        return plain_cell(value)
    if attr.type == "category":
        return value_zh(attr, str(value))
    if attr.type == "flag":
        return flag_zh(str(value)) or plain_cell(value)
    if attr.type == "set":
        return "、".join(value_zh(attr, v) for v in sorted(value))
    return plain_cell(value)


def pool_label(inputs: Inputs, kind: str) -> str:
    """A pool as a person names it: its label_zh in Chinese; in English its key, as before."""
    spec = inputs.ruleset.pools.get(kind)
    return label(spec, kind) if spec is not None and current_lang() == "zh" else kind


def award_label(inputs: Inputs, award_id: str) -> str:
    """An award as a person names it: its name_zh in Chinese; in English its key, as before."""
    known = {a.id for a in inputs.ruleset.awards}
    return label(inputs.ruleset.award(award_id)) if current_lang() == "zh" and award_id in known else award_id
