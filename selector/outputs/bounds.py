"""What `selector select` bounds on a large pool (issue 11, item 19): above LARGE_POOL candidates (all pools
together) the outputs whose size or time grows with every candidate are written for the slate only, or on
request, and the terminal says so (`bounded_notes`); nothing is left out without a word.

- reserve.xlsx (候补名单): not written unless asked for (`select --reserve`); on a 200,000-row pool it is the
  longest step by far (a verifier check or a solve per seat, a ranked row per unselected candidate).
- forms/: the per-candidate documents (征求意见表, the department bundles, 承诺书) for the slate only, as
  `selector forms RESULT --slate-only` writes them; `selector forms SCENARIO --out DIR` writes them for
  every candidate who needs one.
- slate.xlsx: no screening sheet (a row per candidate); screening.csv holds the whole screening.

`selector verify` regenerates a folder under the same rule (the same inputs give the same bound).
"""

from __future__ import annotations

from selector.i18n import _

LARGE_POOL = 20_000  # candidates, all pools together


def candidates(inputs) -> int:
    return sum(len(p) for p in inputs.pools.values())


def large_pool(inputs) -> bool:
    """More than LARGE_POOL candidates: select bounds what grows with every candidate."""
    return candidates(inputs) > LARGE_POOL


def write_reserve_by_default(inputs, asked: bool | None) -> bool:
    """reserve.xlsx: as asked (--reserve / --no-reserve), else written below LARGE_POOL candidates only."""
    return asked if asked is not None else not large_pool(inputs)


def bounded_notes(inputs, reserve_asked: bool | None, forms: bool) -> list[str]:
    """What a select on these inputs did not write in full, and how to ask for it (the terminal prints them)."""
    if not large_pool(inputs):
        return []
    n = f"{candidates(inputs):,}"
    notes = []
    if reserve_asked is None:
        notes.append(_("reserve.xlsx (the reserve list) was not written: the pools hold {n} candidates, more than "
                       "{limit:,}, and computing each seat's replacement takes long; add --reserve to write it.",
                       n=n, limit=LARGE_POOL))
    if forms:
        notes.append(_("forms/ holds the consultation forms, bundles and pledges of the selected candidates only "
                       "({n} candidates, more than {limit:,}); `selector forms SCENARIO --out DIR` writes them for "
                       "every candidate who needs one.", n=n, limit=LARGE_POOL))
    notes.append(_("slate.xlsx has no screening sheet ({n} candidates, more than {limit:,}): screening.csv holds the "
                   "whole screening.", n=n, limit=LARGE_POOL))
    return notes
