"""Structurally different benchmark worlds under the same Fuxin 2021 rule set (seats scaled), seeded.

benchmarks/generate.py is one world (`base`): quota caps that add up to exactly the seats, scores on a 0.1
grid, the notice's special class of 10 in 180. The fast path was first tuned on it alone. The others change
the structure of the problem, not only its numbers:

  ties         score ties and slack quotas: scores on a 0.05 grid (the issue's pools), quota caps adding
               up to about 1.1 x the seats (units compete for the last seats), a special class of 50 at
               province size and 100 at national.
  small-units  many small units with tight quotas: one unit per 4 seats, caps adding up to exactly the seats,
               a third of the units submitting only 1-2 candidates more than their quota; scores with two
               decimals (few ties); the women's and minorities' shares sit close to their targets.
  big-special  a large special class (a quarter of the seats) with heavy ties at its boundary: scores on a 0.5
               grid, quota caps adding up to 1.05 x the seats.
  flat         every eligible candidate scores the same (80: an office that does not score): merit decides
               nothing, so every rule-compliant slate is merit-optimal, the LP's optimum is a whole face (its
               fixing settles nothing) and the tie-break does all the choosing; quota caps 1.2 x the seats.

Every world keeps the sample's attribute mixes and the correlation of attributes with scores that makes
the rules bind (benchmarks/generate.py `_person`), and plants the same eligibility defects (about 2%).
ALL DATA IS SYNTHETIC. Usage: python benchmarks/worlds.py --world ties [--size province] [--seed 1].
The output is byte-for-byte deterministic for a world, size and seed.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from pathlib import Path

import generate as base
from generate import SIZES, CasePaths, Size

WORLDS = ["base", "ties", "small-units", "big-special", "flat"]


@dataclass(frozen=True)
class World:
    name: str
    cap_slack: float  # the quota caps add up to this times the seats
    seats_per_unit: int | None  # units = seats / this (None: the size's own number of units)
    tight_share: float  # share of units that submit barely more than their quota
    grid: float  # scores are multiples of this
    band: float  # scores are squeezed towards 80 by this factor (1: as generate.py draws them)
    special_share: float | None  # special seats = share x seats (None: the notice's 10 in 180)
    special_fixed: dict[str, int] | None = None  # or these for the named sizes


SPEC = {
    "ties": World("ties", 1.1, None, 0.1, 0.05, 1.0, 50 / 800, {"city": 10, "province": 50, "national": 100,
                                                                "xl": 100}),
    "small-units": World("small-units", 1.0, 4, 0.33, 0.01, 1.0, None),
    "big-special": World("big-special", 1.05, None, 0.12, 0.5, 0.6, 0.25),
    "flat": World("flat", 1.2, None, 0.1, 1.0, 0.02, None),  # 80 + (s - 80) x 0.02 on a 1-point grid: 80
}


def special_seats(world: World, size: Size) -> int:
    if world.special_fixed is not None and size.name in world.special_fixed:
        return world.special_fixed[size.name]
    if world.special_share is not None:
        return max(1, round(size.seats * world.special_share))
    return size.special


def _on_grid(value: float, grid: float, band: float) -> str:
    value = 80 + (value - 80) * band
    value = min(100.0, max(60.0, round(value / grid) * grid))
    return f"{value:.2f}"


def _units(rng: random.Random, world: World, size: Size) -> list[dict]:
    n_units = size.units if world.seats_per_unit is None else max(2, size.seats // world.seats_per_unit)
    units = []
    for k in range(n_units):
        profile = "county" if k == 0 else base._pick(rng, base.PROFILES)
        units.append({"unit": f"单位{k + 1:03d}", "profile": profile, "weight": rng.uniform(0.5, 1.6),
                      "minority": 0.4 if rng.random() < 0.12 else 0.07, "tight": rng.random() < world.tight_share})
    caps = base._split(round(size.seats * world.cap_slack), [u["weight"] for u in units], floor=1)
    col_quotas = base._split(size.collective_seats, [u["weight"] for u in units], floor=0)
    tight_extra = [rng.randint(1, 2) for _ in units]
    loose = [i for i, u in enumerate(units) if not u["tight"]]
    spare = size.candidates - sum(caps[i] + tight_extra[i] for i, u in enumerate(units) if u["tight"]) \
        - sum(caps[i] for i in loose)
    extra = base._split(max(0, spare), [units[i]["weight"] * rng.uniform(0.7, 1.3) for i in loose])
    return base.with_pools(units, caps, col_quotas, tight_extra, dict(zip(loose, extra)))


def generate_world(world: str, size: Size | str, seed: int, out: Path | str | None = None) -> CasePaths:
    """Write one case of `world` into `out` (default benchmarks/data/<world>-<size>-<seed>/)."""
    size = SIZES[size] if isinstance(size, str) else size
    if world == "base":
        return base.generate(size, seed, out if out is not None else base.DATA / f"base-{size.name}-{seed}")
    spec = SPEC[world]
    folder = Path(out) if out is not None else base.DATA / f"{world}-{size.name}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{world}/{size.name}/{seed}")
    units = _units(rng, spec, size)
    people: list[dict] = []
    collectives: list[dict] = []
    for u in units:
        rows = []
        for _ in range(u["pool"]):
            row = base._person(rng, u)
            row["score"] = _on_grid(float(row["score"]), spec.grid, spec.band)
            rows.append(row)
        if not u["tight"]:
            for row in rows:
                if rng.random() < 0.02:
                    base._plant(rng, row)
                    row["score"] = _on_grid(float(row["score"]), spec.grid, 1.0)
        people += rows
        collectives += [base._collective(rng, u) for _ in range(2 * u["col_quota"] + rng.randint(0, 1))]
    rules = base.ruleset_text(size, seed, special=special_seats(spec, size), world=world)
    return base.write_case(folder, rules, units, people, collectives)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", choices=WORLDS, default="ties")
    parser.add_argument("--size", choices=list(SIZES), default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    print(f"wrote {generate_world(args.world, args.size, args.seed, args.out).folder}")


if __name__ == "__main__":
    main()
