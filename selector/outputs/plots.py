"""Plots (matplotlib, Agg, no pyplot state): PNG and SVG beside the tables they illustrate.

- composition.png/svg: each rule's achieved share of the slate against its bound;
- unit_fill.png/svg: each unit's filled seats against its quota;
- merit.png/svg: scores of the selected against the passed-over (and the screened-out), unit by unit;
- sweep.png/svg: the merit curve of a sweep and the point where no slate exists;
- whatif.png/svg: merit of each what-if scenario against the first.

Chinese text is drawn with Noto Sans CJK SC from the `mplfonts` package (registered with matplotlib's
font manager at plot time; nothing is downloaded and no matplotlibrc is written), so labels such as
农业人选 render as characters, not empty boxes. Titles are bilingual; the SVG files keep each text as a
comment and the title as <title>, so they can be searched.
"""

from __future__ import annotations

import importlib.util
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.figure import Figure

from selector.domain import SelectionResult, has_slate
from selector.reading import kinds

if TYPE_CHECKING:
    from selector.analysis.sweep import Sweep
    from selector.analysis.whatif import Comparison
    from selector.reading.inputs import Inputs

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
OK, BAD, PASSED, MUTED, BOUND = "#2e7d32", "#c62828", "#90a4ae", "#cfd8dc", "#212121"
_font_family: str | None = None
RASTER_POINTS = 20_000  # more points than this in one scatter: drawn as an image in the SVG (plot_merit)



def cjk_font_path() -> Path | None:
    """The CJK font bundled with the mplfonts package, if it is installed."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / CJK_FONT_FILE
    return path if path.exists() else None


def cjk_font() -> str:
    """Register the bundled CJK font with matplotlib (once) and return its family name."""
    global _font_family
    if _font_family is None:
        path = cjk_font_path()
        if path is None:
            raise RuntimeError(f"the CJK font {CJK_FONT_FILE} of the 'mplfonts' package is missing: "
                               "install the project's dependencies (pip install -e .)")
        matplotlib.font_manager.fontManager.addfont(str(path))
        _font_family = matplotlib.font_manager.FontProperties(fname=str(path)).get_name()
    return _font_family


@contextmanager
def _style():
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": [cjk_font(), "DejaVu Sans"],
                                "axes.unicode_minus": False, "svg.fonttype": "path", "figure.dpi": 100,
                                "svg.hashsalt": "slate-selector",  # the SVG's ids: the same every run
                                "axes.spines.top": False, "axes.spines.right": False}):
        yield


def _titled(fig: Figure, folder: Path, stem: str, title: str, legend_of=None, ncols: int = 2) -> list[Path]:
    """The legend of one panel (`legend_of`) below the figure, the title above it, then PNG and SVG."""
    if legend_of is not None:
        fig.legend(*legend_of.get_legend_handles_labels(), loc="outside lower center", ncols=ncols, fontsize=9,
                   frameon=False)
    fig.suptitle(title, fontsize=12)
    return _save(fig, folder, stem, title)


def _save(fig: Figure, folder: Path, stem: str, title: str) -> list[Path]:
    out = []
    for ext in ("png", "svg"):
        path = Path(folder) / f"{stem}.{ext}"
        # no dc:date in the SVG: two runs on the same inputs give the same bytes, like the XLSX
        fig.savefig(path, dpi=110, metadata={"Title": title, "Date": None} if ext == "svg" else {"Title": title})
        out.append(path)
    return out


# ------------------------------------------------------------------------------------------ selection
COMPOSITION_TITLE = "名单构成与各项比例要求 (slate composition against each rule's bound)"
UNIT_FILL_TITLE = "各单位名额使用情况 (per-unit quota fill)"
MERIT_TITLE = "入选与落选人选得分 (merit of the selected against the passed-over)"


def plot_composition(inputs: Inputs, result: SelectionResult, folder: Path) -> list[Path]:
    """Each structural rule: the share of its group in the slate (bar) against its bound (black tick)."""
    rs = inputs.ruleset
    checks = {c.id: c for c in result.rules}  # as the independent verifier counted them
    awards = [a for a in rs.awards if any(r.award == a.id for r in rs.rules)]
    heights = [max(1, sum(1 for r in rs.rules if r.award == a.id)) for a in awards]
    with _style():
        fig = Figure(figsize=(10, 1.2 + 0.45 * sum(heights) + 0.6 * len(awards)), layout="constrained")
        axes = fig.subplots(len(awards), 1, squeeze=False, height_ratios=heights)[:, 0] if awards else []
        for ax, award in zip(axes, awards):
            rules = [r for r in rs.rules if r.award == award.id]
            labels, shares, bounds, colors, notes = [], [], [], [], []
            for r in rules:
                c = checks[r.id]
                kind = kinds.kind_of(r)
                whole = kind.drawn_whole(c.whole, award.seats)
                share = Fraction(c.count, whole) if whole else Fraction(0)
                text, bound = kind.drawn(rs, r, award.seats)
                labels.append(f"{r.id} {text}")
                shares.append(float(share) * 100)
                bounds.append(float(bound) * 100)
                colors.append(OK if c.ok else BAD)
                notes.append(f"{c.count}/{whole}" + ("" if r.hard else " (软)"))
            y = list(range(len(rules)))[::-1]
            ax.barh(y, shares, color=colors, height=0.6)
            for yi, b, s, note in zip(y, bounds, shares, notes):
                ax.plot([b, b], [yi - 0.42, yi + 0.42], color=BOUND, linewidth=2.5)
                ax.text(max(s, b) + 1, yi, note, va="center", fontsize=8)
            ax.set_yticks(y, labels, fontsize=9)
            ax.set_xlim(0, 105)
            ax.set_xlabel("占比 share of the whole (%) — 黑线为要求 black tick = the rule's bound")
            ax.set_title(f"{award.name_zh} ({award.id}, {award.seats})", fontsize=10, loc="left")
        fig.suptitle(COMPOSITION_TITLE, fontsize=12)
        return _save(fig, folder, "composition", COMPOSITION_TITLE)


def plot_unit_fill(inputs: Inputs, result: SelectionResult, folder: Path) -> list[Path]:
    """Each unit: seats filled (bar) against its quota (outline), one panel per award with a quota."""
    rs = inputs.ruleset
    unit_fill: dict[str, dict[str, tuple[int, int | None]]] = {}  # award -> unit -> (filled, quota), as verified
    for u in result.units:
        unit_fill.setdefault(u.award, {})[u.unit] = (u.filled, u.quota)
    awards = [a for a in rs.awards if a.id in unit_fill]
    units = inputs.quotas.units
    with _style():
        fig = Figure(figsize=(5 * max(1, len(awards)), 1.5 + 0.38 * len(units)), layout="constrained")
        axes = fig.subplots(1, max(1, len(awards)), squeeze=False)[0]
        for ax, award in zip(axes, awards):
            fill = unit_fill[award.id]
            y = list(range(len(units)))[::-1]
            quota = [fill.get(u, (0, 0))[1] or 0 for u in units]
            filled = [fill.get(u, (0, 0))[0] for u in units]
            ax.barh(y, quota, color="white", edgecolor=BOUND, height=0.7, label="名额 quota")
            ax.barh(y, filled, color=[OK if f == q else ("#f9a825" if f < q else BAD) for f, q in zip(filled, quota)],
                    height=0.45,
                    label="入选 filled")
            for yi, f, q in zip(y, filled, quota):
                ax.text(max(f, q) + 0.3, yi, f"{f}/{q}", va="center", fontsize=8)
            ax.set_yticks(y, units, fontsize=9)
            ax.set_xlim(0, max(quota + filled + [1]) * 1.18)
            ax.set_title(f"{award.name_zh} ({award.id})", fontsize=10, loc="left")
        return _titled(fig, folder, "unit_fill", UNIT_FILL_TITLE, axes[0] if awards else None, 2)


def plot_merit(inputs: Inputs, result: SelectionResult, folder: Path,
               eligible: dict[str, list[bool]] | None = None) -> list[Path]:
    """Scores unit by unit: the selected, the eligible passed over, and the screened out."""
    rs = inputs.ruleset
    tops = [a for a in rs.awards if a.parent is None and a.pool in inputs.pools]
    style = {"selected": (OK, "o", "入选 selected"), "passed": (PASSED, "o", "落选 passed over"),
             "screened": (BAD, "x", "资格不符 screened out")}
    with _style():
        fig = Figure(figsize=(11, 3.6 * max(1, len(tops))), layout="constrained")
        axes = fig.subplots(max(1, len(tops)), 1, squeeze=False)[:, 0]
        for ax, award in zip(axes, tops):
            pool = inputs.pools[award.pool]
            chosen = set(result.awards[award.id].selected) if award.id in result.awards else set()
            mask = (eligible or {}).get(award.pool) or [True] * len(pool)
            units = list(dict.fromkeys(list(inputs.quotas.units) + list(pool.table["unit"])))
            pos = {u: i for i, u in enumerate(units)}
            groups: dict[str, tuple[list[float], list[float]]] = {"selected": ([], []), "passed": ([], []),
                                                                    "screened": ([], [])}
            for k, (cid, unit, score) in enumerate(zip(pool.ids, pool.table["unit"], pool.table["score"])):
                kind = "selected" if cid in chosen else ("passed" if mask[k] else "screened")
                jitter = ((zlib.crc32(cid.encode()) % 1000) / 1000 - 0.5) * 0.5  # stable across runs
                groups[kind][0].append(pos[unit] + jitter)
                groups[kind][1].append(float(Decimal(score)))
            for kind, (xs, ys) in groups.items():
                color, marker, label = style[kind]
                # a large pool's points as an image inside the SVG (the same picture; the PNG is unchanged):
                # 200,000 markers written one by one made the SVG tens of MB and took most of the plots' time
                ax.scatter(xs, ys, s=16, c=color, marker=marker, label=label, alpha=0.85, linewidths=1,
                           rasterized=len(xs) > RASTER_POINTS)
            ax.set_xticks(range(len(units)), units, fontsize=9, rotation=30, ha="right")
            ax.set_ylabel("得分 score")
            counts = " · ".join(f"{style[k][2].split()[0]} {len(v[0])}" for k, v in groups.items())
            merit = result.awards[award.id].merit if award.id in result.awards else "-"
            ax.set_title(f"{award.name_zh} ({award.id}): 合计 merit {merit} · {counts}", fontsize=10, loc="left")
        return _titled(fig, folder, "merit", MERIT_TITLE, axes[0], 3)


def write_selection_plots(folder: Path, inputs: Inputs, result: SelectionResult,
                          eligible: dict[str, list[bool]] | None = None) -> list[Path]:
    """The three selection plots; nothing when there is no slate to draw."""
    if not has_slate(result.status):
        return []
    return (plot_composition(inputs, result, folder) + plot_unit_fill(inputs, result, folder)
            + plot_merit(inputs, result, folder, eligible))


def selection_plots(inputs: Inputs, result: SelectionResult,
                    eligible: dict[str, list[bool]] | None = None) -> Callable[[Path], None]:
    """An `extra` writer for folders.write_selection: the selection plots into the output folder."""
    def write(folder: Path) -> None:
        write_selection_plots(folder, inputs, result, eligible)

    return write


# ------------------------------------------------------------------------------------------ sweeps
def sweep_title(sweep: Sweep) -> str:
    return f"扫描 sweep: {sweep.label}"


def plot_sweep(sweep: Sweep, folder: Path) -> list[Path]:
    """The merit curve over the swept values; points with no slate marked, the first one annotated."""
    pts = sweep.points
    xs = [p.x for p in pts]
    title = sweep_title(sweep)
    with _style():
        fig = Figure(figsize=(9, 5), layout="constrained")
        ax = fig.subplots()
        feas = [(p.x, float(Decimal(p.merit))) for p in pts if p.merit is not None]
        if feas:
            ax.plot([x for x, _ in feas], [m for _, m in feas], "-o", color=OK, markersize=4,
                    label=f"最高总分 best merit ({sweep.award})")
        lo = min((m for _, m in feas), default=0.0)
        none = [p.x for p in pts if p.status == "infeasible"]
        if none:
            ax.scatter(none, [lo] * len(none), marker="x", color=BAD, s=40, zorder=3,
                       label="无可行名单 no slate exists")
        first = sweep.first_infeasible
        if first is not None:
            if sweep.monotone:  # once no slate exists, none exists further on: shade the rest
                ends = [first.x, xs[-1]]
                ax.axvspan(min(ends) - sweep.step_x / 2, max(ends) + sweep.step_x / 2, color=BAD, alpha=0.08)
            ax.annotate(f"无解起点 first point with no slate: {first.value}", (first.x, lo),
                        xytext=(0, 24), textcoords="offset points", ha="center", fontsize=9, color=BAD,
                        arrowprops={"arrowstyle": "->", "color": BAD})
        if sweep.base_x is not None:
            ax.axvline(sweep.base_x, color=BOUND, linestyle="--", linewidth=1)
            ax.text(sweep.base_x, ax.get_ylim()[1], f" 现行 current: {sweep.base_value}", va="top", fontsize=9)
        ax.set_xlabel(sweep.x_label)
        ax.set_ylabel("总分 merit (sum of selected scores)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9, frameon=False, loc="lower left")
        fig.suptitle(title, fontsize=12)
        return _save(fig, folder, "sweep", title)


# ------------------------------------------------------------------------------------------ what-if
WHATIF_TITLE = "各方案总分与参照方案A之差 (merit of each scenario against A)"


def plot_whatif_merit(cmp: Comparison, folder: Path) -> list[Path]:
    """One bar per scenario and award: merit minus scenario A's; scenarios with no slate labelled. Awards
    whose merit is the same in every scenario get a line of text instead of a panel."""
    cols = cmp.columns

    def moved(a: str) -> bool:
        return any(c.merit.get(a) is None or Decimal(c.merit_delta.get(a) or 0) != 0 for c in cols)

    awards = [(a, n) for a, n in cmp.awards if moved(a)] or cmp.awards[:1]
    same = [f"{n} ({a})" for a, n in cmp.awards if (a, n) not in awards]
    with _style():
        fig = Figure(figsize=(max(7, 1.4 * len(cols) + 3), 1.6 + 3.0 * len(awards) + 0.3 * bool(same)),
                     layout="constrained")
        axes = fig.subplots(len(awards), 1, squeeze=False)[:, 0]
        for ax, (a, name) in zip(axes, awards):
            labels = [f"{c.letter} {c.name}" for c in cols]
            vals = [float(Decimal(c.merit_delta[a])) if c.merit_delta.get(a) is not None else 0.0 for c in cols]
            colors = [MUTED if c.merit.get(a) is None else (OK if v >= 0 else BAD) for c, v in zip(cols, vals)]
            ax.bar(range(len(cols)), vals, color=colors)
            lo, hi = min(vals + [0.0]), max(vals + [0.0])
            pad = max(1.0, 0.25 * (hi - lo))
            ax.set_ylim(lo - pad, hi + pad)
            for i, (c, v) in enumerate(zip(cols, vals)):
                if c.merit.get(a) is None:
                    text = "无解\nno slate"
                elif i == 0:
                    text = f"A = {c.merit[a]}"
                else:
                    text = "0" if v == 0 else f"{v:+.1f}"
                ax.text(i, v, text, ha="center", va="bottom" if v >= 0 else "top", fontsize=8)
            ax.axhline(0, color=BOUND, linewidth=0.8)
            ax.set_xticks(range(len(cols)), labels, fontsize=8, rotation=20, ha="right")
            ax.set_ylabel("总分差 merit - A")
            ax.set_title(f"{name} ({a})", fontsize=10, loc="left", pad=12)
        if same:
            fig.text(0.01, 0.005, "各方案总分相同 same merit in every scenario: " + ", ".join(same), fontsize=8)
        fig.suptitle(WHATIF_TITLE, fontsize=12)
        return _save(fig, folder, "whatif", WHATIF_TITLE)
