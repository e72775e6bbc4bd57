"""The web workbench's what-if on a base round whose tied pools (a rule across awards, issue 14, 5) have no slate
together: the base's explanation has a joint entry ('individuals+collectives+teams') that is not a pool; the
comparison job used to look it up as one and fail."""

from __future__ import annotations

import os
from pathlib import Path

from selector.interfaces.web.jobs import FAILED, OUTCOME, run_base, run_whatif

ROOT = Path(__file__).resolve().parents[1]
ROUND = ROOT / "scenarios" / "national-mayday-2025"


def test_a_whatif_on_a_round_whose_tied_pools_have_no_slate(tmp_path):
    base_job, whatif_job = tmp_path / "base", tmp_path / "whatif"
    base_job.mkdir()
    whatif_job.mkdir()
    here = Path.cwd()
    try:
        run_base(base_job, here, ROOT / "models" / "national-mayday-2025.toml",
                 {"individuals": ROUND / "individuals.csv", "collectives": ROUND / "collectives-state.csv",
                  "teams": ROUND / "teams.csv"}, None, "zh")
        assert not (base_job / FAILED).exists(), (base_job / FAILED).read_text(encoding="utf-8")
        whatif = tmp_path / "same.toml"  # a what-if of the round as it is: the comparison is what is tested
        whatif.write_text(f'title = "x"\nbase = "{(ROUND / "infeasible-cross.toml").as_posix()}"\n',
                          encoding="utf-8")
        run_whatif(whatif_job, ROUND / "infeasible-cross.toml", whatif, base_job, "zh")
    finally:
        os.chdir(here)
    assert not (whatif_job / FAILED).exists(), (whatif_job / FAILED).read_text(encoding="utf-8")
    assert (whatif_job / OUTCOME).exists()
