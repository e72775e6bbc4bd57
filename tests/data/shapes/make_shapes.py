"""Write the pools of this folder: ../mini/pool.csv as offices' spreadsheets really save it.

Every file holds the same 8 candidates, so each must give the same slate as ../mini/pool.csv:
  pool_utf8_bom.csv          UTF-8 with a BOM ("CSV UTF-8" in Excel)
  pool_gbk_excel.csv         GBK, CRLF, Chinese headers and values (企业, 女, 是, 91%, 2021/3/26), as
                             Excel and WPS save "CSV (逗号分隔)" on Chinese Windows
  pool_gb18030.csv           GB18030, with a name GBK cannot encode (李䶮)
  pool_unicode_text.txt      UTF-16 with BOM, tab-separated (Excel's "Unicode text")
  pool_messy_headers.csv     a title row and a blank row above the header; headers in full-width
                             characters and with stray spaces; blank rows between and after the
                             records; two extra columns (备注, 联系人) that the outputs must keep
  pool_one_sheet.xlsx        one sheet with data (and an empty one): read without naming it
  pools.xlsx                 three sheets with data (说明, 个人, 集体): `pools.xlsx#个人` names the pool;
                             without the name it is ambiguous, an error
Run `python make_shapes.py` to write them again.
"""

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
ROWS = list(csv.reader(io.StringIO((HERE.parent / "mini" / "pool.csv").read_text(encoding="utf-8"))))
HEADER, BODY = ROWS[0], ROWS[1:]
ZH = {"id": "编号", "name": "姓名", "unit": "推荐单位", "score": "得分", "sector": "人员类别", "gender": "性别",
      "tech_sme": "科技型中小企业", "grassroots_vote": "基层得票率", "notice_start": "公示开始",
      "post_years": "任职年限"}
ZH_VALUES = {"enterprise": "企业", "institution": "机关事业", "agriculture": "农业", "female": "女", "male": "男",
             "yes": "是", "no": "否"}


def text(rows, delimiter=",", newline="\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


def chinese(row: list[str]) -> list[str]:
    out = [ZH_VALUES.get(c, c) for c in row]
    vote = HEADER.index("grassroots_vote")
    if out[vote] and not out[vote].endswith("%"):
        v = float(out[vote])
        out[vote] = f"{v * 100:g}%" if v <= 1 else f"{v:g}%"
    date = HEADER.index("notice_start")
    if out[date]:
        y, m, d = out[date].split("-")
        out[date] = f"{y}/{int(m)}/{int(d)}"
    return out


def typed(header: list[str], row: list[str]) -> list[object]:
    """Cells as Excel holds them: numbers as numbers, dates as dates."""
    out: list[object] = []
    for h, c in zip(header, row):
        if h in ("score", "post_years") and c:
            out.append(float(c))
        elif h == "grassroots_vote" and c:
            out.append(float(c[:-1]) / 100 if c.endswith("%") else (float(c) / 100 if float(c) > 1 else float(c)))
        elif h == "notice_start" and c:
            out.append(dt.datetime.fromisoformat(c))
        else:
            out.append(c or None)
    return out


def main() -> None:
    (HERE / "pool_utf8_bom.csv").write_bytes(text(ROWS).encode("utf-8-sig"))
    zh = [[ZH[h] for h in HEADER], *[chinese(r) for r in BODY]]
    (HERE / "pool_gbk_excel.csv").write_bytes(text(zh, newline="\r\n").encode("gbk"))
    rare = [list(r) for r in ROWS]
    rare[2][1] = "李䶮"  # P02: a character outside GBK
    (HERE / "pool_gb18030.csv").write_bytes(text(rare, newline="\r\n").encode("gb18030"))
    (HERE / "pool_unicode_text.txt").write_bytes(text(ROWS, delimiter="\t", newline="\r\n").encode("utf-16"))

    messy_header = ["ｉｄ", " Name ", "推荐单位　", "ＳＣＯＲＥ", "Sector ", "性　别", "tech-sme", "Grassroots Vote",
                    "notice_start", " post_years", "备注", "联系人"]
    blank = [""] * len(messy_header)
    messy = [["2021年劳动模范推荐人选汇总表"] + [""] * (len(messy_header) - 1), blank, messy_header]
    for k, r in enumerate(BODY):
        messy.append([*r, f"备注{k + 1}", f"联系人{k + 1}"])
        if k == 3:
            messy.append(blank)
    messy += [blank, blank, [""] * 3]
    (HERE / "pool_messy_headers.csv").write_bytes(text(messy).encode("utf-8"))

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "pool"
    ws.append(HEADER)
    for r in BODY:
        ws.append(typed(HEADER, r))
    wb.create_sheet("empty")
    wb.save(HERE / "pool_one_sheet.xlsx")

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填表说明"])
    notes.append(["得分为百分制; 基层得票率填百分比"])
    people = wb.create_sheet("个人")
    people.append(["2021年劳动模范推荐人选汇总表"])  # a title row above the header
    people.append([ZH[h] for h in HEADER])
    for r in BODY:
        people.append([ZH_VALUES.get(c, c) if isinstance(c, str) else c for c in typed(HEADER, r)])
    groups = wb.create_sheet("集体")
    groups.append(["id", "name", "unit", "score"])
    groups.append(["C001", "某班组", "海州区", 80])
    wb.save(HERE / "pools.xlsx")


if __name__ == "__main__":
    main()
