"""Seeded generator of realistic benchmark cases under the Fuxin 2021 rule set, scaled up.

A case is a folder with a rule set (`rules.toml`: models/fuxin-2021.toml with its seats scaled, every
attribute, group, rule, tie-break and eligibility rule unchanged), a quota table (`quotas.csv`), the
individuals pool (`individuals.csv`, the benchmarked one) and a small collectives pool
(`collectives.csv`, so that `selector select --rules ... --pool individuals=... --pool collectives=...`
runs too).

Sizes (candidates / labour-model seats / units): city 400 / 180 / 10, province 5,000 / 800 / 40,
national 30,000 / 3,000 / 120, xl 100,000 / 3,000 / 120. The special class keeps the notice's 10 of 180
(rounded), the collectives 50 of 180.

Attributes follow the sample scenario's shapes and are correlated with scores so that the rules bind at
the merit optimum: leaders, institution staff and county-level cadres score higher, agriculture and
women lower; some units are agriculture bureaux, some minority areas, some submit barely more than their
quota. Scores have one decimal (60.0-100.0), so ties are common and the tie-break matters. About 2% of
candidates carry one eligibility defect (a low vote, a flag, missing clearances).

ALL DATA IS SYNTHETIC. Usage: python benchmarks/generate.py [--size national] [--seed 1] [--out DIR].
The output is byte-for-byte deterministic for a size and seed.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASE_RULES = ROOT / "models" / "fuxin-2021.toml"
DATA = HERE / "data"


@dataclass(frozen=True)
class Size:
    name: str
    candidates: int
    seats: int
    units: int

    @property
    def special(self) -> int:
        return max(1, round(self.seats * 10 / 180))

    @property
    def collective_seats(self) -> int:
        return max(1, round(self.seats * 50 / 180))


SIZES = {
    "city": Size("city", 400, 180, 10),
    "county": Size("county", 1_000, 300, 15),  # between city and province: the pruned model solved as it is, 900+ kept
    "province": Size("province", 5_000, 800, 40),
    "national": Size("national", 30_000, 3_000, 120),
    "xl": Size("xl", 100_000, 3_000, 120),
}

def _sample_generator():
    """scenarios/fuxin-2021/generate.py as a module (its folder name is not importable)."""
    import importlib.util
    import sys

    name = "fuxin_sample_generator"
    if name not in sys.modules:
        path = Path(__file__).resolve().parent.parent / "scenarios" / "fuxin-2021" / "generate.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


PROFILES = {"county": 60, "city": 12, "central": 10, "party": 6, "agri": 12}
# the same mixes of sector and role as the bundled sample (one table, kept in the sample's generator)
SECTOR_MIX, ROLE_MIX = _sample_generator().SECTOR_MIX, _sample_generator().ROLE_MIX
OWNERSHIP = {"central": {"state": 85, "private": 10, "other": 5},
             "local": {"private": 65, "state": 25, "other": 10}}
FEMALE = {"enterprise": 0.32, "institution": 0.42, "agriculture": 0.35, "other": 0.4}
CLEARANCES = ["development_reform", "public_security", "hr_social_security", "ecology_environment",
              "emergency_management", "market_regulation", "trade_union", "tax", "united_front",
              "industry_commerce", "discipline_inspection", "audit", "organisation"]
EXTRA_CLEARANCES = {"private": ["united_front", "industry_commerce"], "other": ["united_front", "industry_commerce"],
                    "state": ["discipline_inspection", "audit", "organisation"]}
NOTICES = [("2021-03-25", "2021-04-01"), ("2021-03-25", "2021-04-02"), ("2021-03-26", "2021-04-02")]
FLAGS = ["already_model", "active_military", "retired", "violation", "safety_accident", "wage_arrears",
         "insurance_arrears"]
DEFECTS = ["grassroots_vote", "review_vote", "already_model", "retired", "violation", "no_basis", "short_notice"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于"
GIVEN = "伟强军磊勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊峰芳娜敏静丽艳娟霞秀玲桂英慧莉红梅"

IND_COLUMNS = ["id", "name", "unit", "score", "sector", "role", "ownership", "tech_sme", "county_cadre", "gender",
               "minority", "craftsman", "honour_basis", "direct", "grassroots_vote", "review_vote", "notice_start",
               "notice_end", "post_years", "clearances", *FLAGS]
COL_COLUMNS = ["id", "name", "unit", "score", "kind", "ownership", "tech_sme", "new_economy", "admin_county_unit",
               "grassroots_vote", "review_vote", "notice_start", "notice_end", *FLAGS]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _yn(flag: bool) -> str:
    return "yes" if flag else "no"


def _score(value: float) -> str:
    return f"{min(100.0, max(60.0, value)):.1f}"


def _split(total: int, weights: list[float], floor: int = 0) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder), each part at least `floor`."""
    base = [floor] * len(weights)
    rest = total - floor * len(weights)
    s = sum(weights)
    raw = [rest * w / s for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: parts[i] - raw[i])[: rest - sum(parts)]:
        parts[i] += 1
    return [b + p for b, p in zip(base, parts)]


def _units(rng: random.Random, size: Size) -> list[dict]:
    """Units with a profile, a quota and a pool size; about one in eight submits barely its quota."""
    units = []
    for k in range(size.units):
        profile = "county" if k == 0 else _pick(rng, PROFILES)
        units.append({"unit": f"单位{k + 1:03d}", "profile": profile, "weight": rng.uniform(0.5, 1.6),
                      "minority": 0.4 if rng.random() < 0.12 else 0.07, "tight": rng.random() < 0.12})
    quotas = _split(size.seats, [u["weight"] for u in units], floor=1)
    col_quotas = _split(size.collective_seats, [u["weight"] for u in units], floor=0)
    spare = size.candidates - size.seats
    tight_extra = [rng.randint(1, 2) for _ in units]
    loose = [i for i, u in enumerate(units) if not u["tight"]]
    extra = _split(spare - sum(tight_extra[i] for i, u in enumerate(units) if u["tight"]),
                   [units[i]["weight"] * rng.uniform(0.7, 1.3) for i in loose])
    return with_pools(units, quotas, col_quotas, tight_extra, dict(zip(loose, extra)))


def with_pools(units: list[dict], quotas: list[int], col_quotas: list[int], tight_extra: list[int],
               extra: dict[int, int]) -> list[dict]:
    """Each unit's quotas and how many candidates it submits: its quota, plus its margin when it is tight,
    plus its share `extra` of the spare candidates when it is not."""
    for i, u in enumerate(units):
        u["quota"], u["col_quota"] = quotas[i], col_quotas[i]
        u["pool"] = quotas[i] + (tight_extra[i] if u["tight"] else 0) + extra.get(i, 0)
    return units


def _common(rng: random.Random) -> dict[str, str]:
    start, end = rng.choice(NOTICES)
    row = {"grassroots_vote": f"{rng.uniform(0.85, 0.99):.2f}", "review_vote": f"{rng.uniform(0.65, 0.95):.2f}",
           "notice_start": start, "notice_end": end}
    row.update({flag: "no" for flag in FLAGS})
    return row


def _person(rng: random.Random, unit: dict) -> dict[str, str]:
    sector = _pick(rng, SECTOR_MIX[unit["profile"]])
    role = _pick(rng, ROLE_MIX[sector])
    own = ""
    if sector == "enterprise":
        own = _pick(rng, OWNERSHIP["central" if unit["profile"] == "central" else "local"])
    tech = own in ("private", "other") and rng.random() < {"leader": 0.55, "staff": 0.1}.get(role, 0.05)
    cadre = sector == "institution" and rng.random() < {"leader": 0.55, "staff": 0.2}.get(role, 0)
    female = rng.random() < FEMALE[sector] * (0.6 if role in ("leader", "migrant_worker") else 1)
    minority = rng.random() < unit["minority"]
    craftsman = "none"
    if role in ("frontline", "technician", "migrant_worker") and sector != "institution":
        craftsman = _pick(rng, {"none": 80, "fuxin": 14, "liaoning": 6})
    honour = _pick(rng, {"county_model": 40, "city_honour": 35, "higher": 15, "none": 10})
    direct = honour == "none" or rng.random() < 0.05
    clearances: list[str] = []
    if role == "leader" and sector == "enterprise":
        clearances = CLEARANCES[:8] + EXTRA_CLEARANCES[own]
    elif role == "leader" and sector == "institution":
        clearances = ["discipline_inspection", "organisation"]
    score = rng.gauss(77, 6) + 5 * (role == "leader") + 6 * (sector == "institution") + 4 * cadre
    score += -6 * (sector == "agriculture") - 6 * female - 1.5 * minority
    score += {"liaoning": 3, "fuxin": 1.5}.get(craftsman, 0) + {"higher": 2, "city_honour": 1}.get(honour, 0)
    row = {"name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
           "unit": unit["unit"], "score": _score(score), "sector": sector, "role": role, "ownership": own,
           "tech_sme": _yn(tech), "county_cadre": _yn(cadre), "gender": "female" if female else "male",
           "minority": _yn(minority), "craftsman": craftsman, "honour_basis": honour, "direct": _yn(direct),
           "post_years": f"{rng.uniform(2.0 if role == 'leader' else 0.5, 20.0):.1f}",
           "clearances": ";".join(c for c in CLEARANCES if c in clearances)}
    row.update(_common(rng))
    return row


def _plant(rng: random.Random, row: dict[str, str]) -> None:
    """One eligibility defect; half of the planted candidates score high, so screening matters."""
    defect = rng.choice(DEFECTS)
    if defect in FLAGS:
        row[defect] = "yes"
    elif defect == "grassroots_vote":
        row[defect] = "0.79"
    elif defect == "review_vote":
        row[defect] = "0.59"
    elif defect == "no_basis":
        row["honour_basis"], row["direct"] = "none", "no"
    else:
        row["notice_start"], row["notice_end"] = "2021-04-01", "2021-04-07"
    if rng.random() < 0.5:
        row["score"] = f"{rng.uniform(90, 99):.1f}"


def _collective(rng: random.Random, unit: dict) -> dict[str, str]:
    kind = _pick(rng, {"enterprise": 60, "institution": 30, "other": 10})
    own = (_pick(rng, {"private": 50, "state": 30, "foreign": 8, "other": 12}) if kind == "enterprise"
           else "state" if kind == "institution" else "other")
    score = rng.gauss(80, 5) + 5 * (kind == "institution") + 1.5 * (own == "state")
    row = {"name": unit["unit"] + rng.choice(("车间", "班组", "科室", "合作社")), "unit": unit["unit"],
           "score": _score(score), "kind": kind, "ownership": own,
           "tech_sme": _yn(own in ("private", "foreign") and rng.random() < 0.35),
           "new_economy": _yn(kind == "enterprise" and rng.random() < 0.25), "admin_county_unit": "no"}
    row.update(_common(rng))
    return row


def ruleset_text(size: Size, seed: int, special: int | None = None, world: str | None = None) -> str:
    """models/fuxin-2021.toml with its id, quota file and seats scaled (`special`: the special class's seats,
    by default the notice's 10 in 180); everything else as it is."""
    text = BASE_RULES.read_text(encoding="utf-8")
    name = size.name if world is None else f"{world}-{size.name}"
    text = re.sub(r'(?m)^id = "fuxin-2021"$', f'id = "bench-{name}-{seed}"', text, count=1)
    text = re.sub(r'(?m)^quotas = ".*"$', 'quotas = "quotas.csv"', text, count=1)
    seats = {"labour_model": size.seats, "special": size.special if special is None else special,
             "collective": size.collective_seats}

    def award(m: re.Match) -> str:
        block = m.group(0)
        aid = re.search(r'(?m)^id = "(\w+)"', block).group(1)  # type: ignore[union-attr]
        return re.sub(r"(?m)^seats = \d+", f"seats = {seats[aid]}", block, count=1)

    out = re.sub(r"(?ms)^\[\[awards\]\]\n.*?(?=^\[|\Z)", award, text)
    if out.count("seats = ") != 3:
        raise RuntimeError(f"{BASE_RULES} no longer has the three awards the benchmark scales")
    return out


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@dataclass(frozen=True)
class CasePaths:
    folder: Path
    rules: Path
    quotas: Path
    individuals: Path
    collectives: Path


def generate(size: Size | str, seed: int, out: Path | str | None = None) -> CasePaths:
    """Write one case into `out` (default benchmarks/data/<size>-<seed>/) and return its paths."""
    size = SIZES[size] if isinstance(size, str) else size
    folder = Path(out) if out is not None else DATA / f"{size.name}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{size.name}/{seed}")
    units = _units(rng, size)
    people: list[dict] = []
    collectives: list[dict] = []
    for u in units:
        rows = [_person(rng, u) for _ in range(u["pool"])]
        if not u["tight"]:  # tight units submit only eligible candidates
            for row in rows:
                if rng.random() < 0.02:
                    _plant(rng, row)
        people += rows
        collectives += [_collective(rng, u) for _ in range(2 * u["col_quota"] + rng.randint(0, 1))]
    return write_case(folder, ruleset_text(size, seed), units, people, collectives)


def write_case(folder: Path, rules: str, units: list[dict], people: list[dict], collectives: list[dict]
               ) -> CasePaths:
    """Number the candidates (I001..., C001...) and write the case's files into `folder`: the rule set
    (`rules`, its text), the quota table, both pools, and the rule set's forms folder beside it (its
    `[paperwork.forms] folder`, copied from models/, so that `selector select` on the case writes forms/)."""
    width = len(str(len(people)))
    for i, row in enumerate(people, 1):
        row["id"] = f"I{i:0{width}d}"
    for i, row in enumerate(collectives, 1):
        row["id"] = f"C{i:0{width}d}"
    paths = CasePaths(folder, folder / "rules.toml", folder / "quotas.csv", folder / "individuals.csv",
                      folder / "collectives.csv")
    paths.rules.write_text(rules, encoding="utf-8")
    forms = tomllib.loads(rules).get("paperwork", {}).get("forms", {}).get("folder")
    if forms:  # a fresh copy: the case reads the templates of the rule set it was made from
        shutil.rmtree(folder / forms, ignore_errors=True)
        shutil.copytree(BASE_RULES.parent / forms, folder / forms)
    _write_csv(paths.quotas, ["unit", "labour_model", "collective"],
               [{"unit": u["unit"], "labour_model": u["quota"], "collective": u["col_quota"]} for u in units])
    _write_csv(paths.individuals, IND_COLUMNS, people)
    _write_csv(paths.collectives, COL_COLUMNS, collectives)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="folder (default benchmarks/data/SIZE-SEED)")
    args = parser.parse_args()
    paths = generate(args.size, args.seed, args.out)
    print(f"wrote {paths.folder}")


if __name__ == "__main__":
    main()
