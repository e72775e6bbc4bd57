"""Structured outputs as a person reads them (issue 11, item 21): every identity-card and mobile number in
explanation.json, the what-if, sweep and adjust files and their terminal views masked, by the one masking
function of the public tables (`mask_text`: 210203198001011234 -> 2102**********1234, 13812345678 ->
138****5678), wherever it appears: a candidate id, a name, a sentence quoting either, a key.

Only the audit record (audit.json, summary.json) keeps the full ids. Ids that mask alike are told apart by
-2, -3 in the tables that list a whole pool (the slate tables, screening.csv, reserve.xlsx); these files
quote ids in passing, so a masked id there reads as in the report.
"""

from __future__ import annotations

import pandas as pd

from selector.outputs.privacy import mask_text


def mask_data(value: object) -> object:
    """A copy of a JSON-like value (dicts, lists, tuples, strings, numbers) with every string masked, keys
    too; two keys that mask alike are kept apart as `KEY`, `KEY-2`, ... (nothing merged, nothing lost)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        out: dict = {}
        for k, v in value.items():
            key = mask_text(k) if isinstance(k, str) else k
            if key in out and key != k:
                n = 2
                while f"{key}-{n}" in out:
                    n += 1
                key = f"{key}-{n}"
            out[key] = mask_data(v)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(mask_data(v) for v in value)
    return value


def mask_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and header masked (numbers stay numbers)."""
    out = frame.rename(columns=lambda c: mask_text(c) if isinstance(c, str) else c)
    for c in out.columns:
        values = list(out[c])
        if any(isinstance(v, str) for v in values):
            out[c] = [mask_text(v) if isinstance(v, str) else v for v in values]
    return out
