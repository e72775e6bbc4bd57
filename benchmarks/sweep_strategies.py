"""Sweep strategies on the Fuxin sample: one model for every step ("reuse") against a model per step
("rebuild"), each with and without the previous step's slate as a hint. Not a timed test.

    .venv/bin/python benchmarks/sweep_strategies.py [--repeat 3]

Prints the median wall time of each sweep per strategy; the merit curves are checked to be identical.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from selector.analysis.sweep import parse_steps, sweep_quota, sweep_rule
from selector.pipeline import screen_inputs
from selector.reading.scenario import load_scenario_inputs

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    inputs = load_scenario_inputs(ROOT / "scenarios" / "fuxin-2021" / "scenario.toml").inputs
    masks = screen_inputs(inputs).masks
    sweeps = {
        "R8 10%..25% (16 steps, all feasible)": lambda s, h: sweep_rule(
            inputs, "R8", parse_steps("10%", "25%", "1%"), eligible=masks, strategy=s, hint=h),
        "R8 10%..40% (31 steps, 8 infeasible)": lambda s, h: sweep_rule(
            inputs, "R8", parse_steps("10%", "40%", "1%"), eligible=masks, strategy=s, hint=h),
        "彰武县 10..34 balanced by 市直单位 (25 steps)": lambda s, h: sweep_quota(
            inputs, "彰武县", range(10, 35), balance="市直单位", eligible=masks, strategy=s, hint=h),
    }
    print(f"median of {args.repeat} runs, seconds (sweep only, without the explanation of the first infeasible point)")
    for name, run in sweeps.items():
        curves = {}
        times = {}
        for strategy in ("reuse", "rebuild"):
            for hint in (True, False):
                ts = []
                for _ in range(args.repeat):
                    sw = run(strategy, hint)
                    ts.append(sw.wall_time)
                curves[(strategy, hint)] = [p.merit for p in sw.points]
                times[(strategy, hint)] = statistics.median(ts)
        assert len({tuple(c) for c in curves.values()}) == 1, "strategies disagree"
        cells = ", ".join(f"{s}{' +hint' if h else ''} {t:.2f}" for (s, h), t in times.items())
        print(f"{name}: {cells}")


if __name__ == "__main__":
    main()
