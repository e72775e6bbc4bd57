"""ID-card and phone numbers are masked in explanation.json and in everything `whatif`, `sweep` and `adjust`
write or print (issue 11, item 21), as they are in the slate tables: a pool whose ids and names carry such
numbers goes through select, explain, whatif, sweep and adjust, and no file any of them writes (but the
audit record, audit.json and summary.json) nor any terminal output holds a full number."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from typer.testing import CliRunner

from selector.interfaces.cli import app
from selector.outputs.masked import mask_data, mask_table

MINI = Path(__file__).parent / "data" / "mini"
ID_CARD, ID_CARD_2, PHONE, PHONE_ID, PHONE_NAME = ("210203198001011234", "210203199002021234", "13812345678",
                                                    "13912345678", "15012345678")
FULL = (ID_CARD, ID_CARD_2, PHONE, PHONE_ID, PHONE_NAME)
VOTE_RULE = """
[[eligibility]]
id = "E6"
clause = "八.2"
text = "得票不足90%的不得推荐"
pool = "individuals"
check = "min_share"
attribute = "grassroots_vote"
min = "90%"
"""


def _case(folder: Path) -> Path:
    """The mini case with personal numbers: P01 goes by an ID card and has a phone typed into its name, P05
    by another ID card, P02 (screened out: 85% of the vote) by a phone number, P04's name holds one."""
    folder.mkdir()
    (folder / "rules.toml").write_text((MINI / "rules.toml").read_text(encoding="utf-8") + VOTE_RULE, encoding="utf-8")
    (folder / "quotas.csv").write_bytes((MINI / "quotas.csv").read_bytes())
    rows = list(csv.reader((MINI / "pool.csv").open(encoding="utf-8")))
    rows[1][:2] = [ID_CARD, f"林成杰{PHONE}"]
    rows[2][0] = PHONE_ID
    rows[4][1] = f"佟秀{PHONE_NAME}"
    rows[5][0] = ID_CARD_2
    with (folder / "pool.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    (folder / "scenario.toml").write_text('rules = "rules.toml"\npools = { individuals = "pool.csv" }\n',
                                          encoding="utf-8")
    (folder / "out.toml").write_text(f'base = "scenario.toml"\nforce_out = ["{ID_CARD}"]\n', encoding="utf-8")
    (folder / "forced.toml").write_text(f'base = "scenario.toml"\nforce_in = ["{PHONE_ID}"]\n', encoding="utf-8")
    return folder


def _texts(folder: Path) -> dict[str, str]:
    """Every file of an output folder as text (XLSX: every cell; DOCX: its XML), but the audit record."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name in ("audit.json", "summary.json"):
            continue
        if p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p)
            out[p.name] = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                                    for v in row if v is not None) + "\n".join(wb.sheetnames)
        elif p.suffix == ".docx":
            with zipfile.ZipFile(p) as z:
                out[p.name] = "".join(z.read(n).decode("utf-8") for n in z.namelist())
        elif p.suffix in (".png",):
            continue
        else:
            out[p.name] = p.read_text(encoding="utf-8-sig")
    return out


def _run(args: list[str], code: int) -> str:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == code, res.output
    return res.output


def test_explanation_whatif_sweep_and_adjust_mask_id_card_and_phone_numbers(tmp_path):
    case = _case(tmp_path / "case")
    runs = {
        "select": _run(["select", str(case / "scenario.toml"), "--out", str(tmp_path / "pub")], 0),
        "select-forced": _run(["select", str(case / "forced.toml"), "--out", str(tmp_path / "forced"),
                               "--no-plots"], 1),
        "explain": _run(["explain", str(case / "forced.toml"), "--out", str(tmp_path / "why")], 1),
        "whatif": _run(["whatif", str(case / "scenario.toml"), str(case / "out.toml"), str(case / "forced.toml"),
                        "--out", str(tmp_path / "whatif")], 0),
        "sweep": _run(["sweep", str(case / "scenario.toml"), "--rule", "R2", "--from", "25%", "--to", "75%",
                       "--out", str(tmp_path / "sweep")], 0),
        "adjust": _run(["adjust", str(tmp_path / "pub"), "--remove", ID_CARD, "--out", str(tmp_path / "adj")], 0),
    }
    files = {f"{d}/{name}": text for d in ("forced", "why", "whatif", "sweep", "adj")
             for name, text in _texts(tmp_path / d).items()}
    assert {"forced/explanation.json", "why/explanation.json", "whatif/whatif.csv", "whatif/whatif.xlsx",
            "whatif/whatif.json", "sweep/sweep.csv", "sweep/sweep.json", "adj/adjustment.json",
            "adj/adjustment.md", "adj/labour_model.csv", "adj/reserve.xlsx"} <= set(files)
    for where, text in [*runs.items(), *files.items()]:
        assert not [n for n in FULL if n in text], f"{where} shows a full ID-card or phone number"
    # the numbers were there to mask: the candidates are named, masked
    assert "139****5678" in files["why/explanation.json"] and "139****5678" in files["forced/explanation.json"]
    assert "2102**********1234" in files["whatif/whatif.csv"] and "139****5678" in files["whatif/whatif.json"]
    assert "2102**********1234" in files["adj/adjustment.json"] and "2102**********1234" in runs["adjust"]
    # the audit record keeps the full ids, and the adjusted folder still verifies
    assert ID_CARD in json.loads((tmp_path / "adj" / "audit.json").read_text(encoding="utf-8"))["adjustment"][
        "remove"]
    _run(["verify", str(tmp_path / "adj")], 0)


def test_mask_data_masks_keys_and_values_and_keeps_keys_apart():
    data = {ID_CARD: [f"名{PHONE}", 3], "210203198001019999": {"x": (PHONE_ID,)}, "n": 1.5}
    masked = mask_data(data)
    assert masked == {"2102**********1234": ["名138****5678", 3], "2102**********9999": {"x": ("139****5678",)},
                      "n": 1.5}
    twins = mask_data({ID_CARD: 1, "210203198101011234": 2})
    assert twins == {"2102**********1234": 1, "2102**********1234-2": 2}
    frame = mask_table(pd.DataFrame({"id": [ID_CARD, "P02"], "score": [90.5, 80.0]}))
    assert list(frame["id"]) == ["2102**********1234", "P02"] and list(frame["score"]) == [90.5, 80.0]
