"""What a rule across awards (issue 14, 5) costs: the national May-Day example solved with rule Q1 (its three
pools tied, one joint plain model: selector/engine/joint.py) and without it (each pool alone, the fast path),
in the same run, each `--repeat` times; prints the medians and their ratio. With --scale k each pool is the
example's repeated k times (ids suffixed), so the joint model's growth can be seen. Speed is not a test:
nothing here asserts. Usage: python benchmarks/cross_bench.py [--repeat 5] [--scale 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from selector.engine.session import SolverSettings
from selector.pipeline import select
from selector.reading.scenario import load_scenario_inputs

ROOT = Path(__file__).resolve().parents[1]


def _scaled(inputs, k: int):
    pools = {kind: replace(pool, table=pd.concat([pool.table.assign(id=[f"{i}-{j}" for i in pool.table["id"]])
                                                  for j in range(k)], ignore_index=True), rows=list(pool.rows) * k)
             for kind, pool in inputs.pools.items()}
    return inputs if k == 1 else replace(inputs, pools=pools)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()
    inputs = _scaled(load_scenario_inputs(ROOT / "scenarios" / "national-mayday-2025" / "scenario.toml").inputs,
                     args.scale)
    without = replace(inputs, ruleset=inputs.ruleset.model_copy(update={"cross_rules": []}))
    times: dict[str, list[float]] = {"with Q1 (joint)": [], "without Q1 (per pool)": []}
    for _ in range(args.repeat):
        for name, inp in (("with Q1 (joint)", inputs), ("without Q1 (per pool)", without)):
            t0 = time.perf_counter()
            result = select(inp, SolverSettings())
            times[name].append(time.perf_counter() - t0)
            assert result.verified
    print(f"load {os.getloadavg()[0]:.2f}; candidates {sum(len(p) for p in inputs.pools.values())}")
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"  {k:<22} median {v:.3f} s over {args.repeat}")
    print(f"  ratio joint / per pool: {med['with Q1 (joint)'] / med['without Q1 (per pool)']:.2f}")


if __name__ == "__main__":
    main()
