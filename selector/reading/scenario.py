"""Scenario files: a TOML file in scenarios/ naming a rule set, pools and a quota table, or a base scenario
with what-if overrides on top.

A base scenario names its files (paths relative to the scenario file):

    rules = "../../models/fuxin-2021.toml"
    pools = { individuals = "individuals.csv", collectives = "collectives.csv" }
    quotas = "quotas.csv"                         # optional: else the rule set's own quota table

A what-if scenario inherits everything from `base` (itself a scenario, which may inherit in turn) and
changes only what it names, in memory (the files are never edited):

    title = "Move 2 labour-model seats from 市直单位 to 彰武县"
    base = "../fuxin-2021/scenario.toml"
    seats.labour_model = 170                      # an award's seats
    rules.R8 = { share = "18%" }                  # a rule's value: share / op (share rules), min / max (counts)
    rules.R10-women = { hard = false, weight = 5 } # hard or soft (a soft rule costs `weight` merit per person short)
    rules.R7 = { drop = true }                    # no such rule in this scenario
    quotas."市直单位".labour_model = 20            # a quota table entry: unit -> award -> seats (TOML
                                                  # needs quotes around a key that is not plain ASCII)
    force_in = ["I0012"]                          # candidates who must be in the top award's slate
    force_out = ["I0049"]                         # candidates who may not be
    extra_individuals = "late-submissions.csv"    # more candidates for a pool: extra_<pool>

With `base`, `rules`, `pools` and `quotas` may still name files (a table of overrides is not a file);
`rules` and `quotas` are then files when strings, overrides when tables. Every problem names the file and
the key, and all problems of a file are reported together.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from selector.errors import InputErrors, InputProblem, read_text_file, toml_problem
from selector.i18n import _
from selector.reading import kinds
from selector.reading.inputs import Inputs, load_inputs
from selector.reading.pool import Pool, read_pool
from selector.reading.quotas import Quotas
from selector.reading.rule_checks import check_ruleset
from selector.reading.rules import Rule

_KEYS = {"title", "description", "base", "rules", "pools", "quotas", "seats", "force_in", "force_out"}
_RULE_FIELDS = {"share", "op", "min", "max", "hard", "weight", "drop"}


class Scenario(BaseModel):
    """One scenario file as written (before its base is read)."""

    model_config = ConfigDict(extra="forbid")

    title: str = ""
    description: str = ""  # the question the office asked, in its words
    base: str | None = None  # another scenario file this one changes
    rules: str | None = None  # rule-set file
    pools: dict[str, str] = {}  # pool kind -> file, relative to the scenario file
    quotas: str | None = None  # quota table file
    seats: dict[str, Any] = {}  # award -> seats
    rule_overrides: dict[str, Any] = {}  # rule id -> {share, op, min, max, hard, weight, drop}
    quota_overrides: dict[str, Any] = {}  # unit -> {award: seats}
    force_in: list[str] = []
    force_out: list[str] = []
    extra: dict[str, str] = {}  # pool kind -> file of extra candidates (the file's extra_<kind> keys)


@dataclass(frozen=True)
class Change:
    """One override as applied: the file and key it came from and what it changed, in words."""

    file: str
    key: str
    text: str  # e.g. "R8 农业人选不低于总数的15%: share 15% -> 18%"


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario read, its base chain resolved and its overrides applied: ready to select."""

    path: Path
    title: str
    description: str
    inputs: Inputs  # the rule set, pools and quotas with every override applied; inputs.fixed: forced ids
    changes: list[Change] = field(default_factory=list)  # what differs from the root base, in order
    chain: list[Path] = field(default_factory=list)  # root base first, this file last

    @property
    def name(self) -> str:
        return self.path.stem if self.path.stem != "scenario" else self.path.parent.name


def _problem(path: Path, key: str, message: str) -> InputProblem:
    return InputProblem(str(path), f"{key}: {message}" if key else message)


def _fields(data: dict[str, Any], path: Path) -> tuple[dict[str, Any], list[InputProblem]]:
    """The file's keys as Scenario fields: `rules`/`quotas` tables are overrides, extra_<pool> extra files."""
    problems: list[InputProblem] = []
    fields: dict[str, Any] = {"extra": {}}
    for key, value in data.items():
        if key.startswith("extra_") and len(key) > 6:
            if isinstance(value, str):
                fields["extra"][key[6:]] = value
            else:
                problems.append(_problem(path, key, "must be a file name (CSV or XLSX of extra candidates)"))
        elif key == "rules" and isinstance(value, dict):
            fields["rule_overrides"] = value
        elif key == "quotas" and isinstance(value, dict):
            fields["quota_overrides"] = value
        elif key in _KEYS:
            fields[key] = value
        else:
            problems.append(_problem(path, key, "unknown key (known: " + ", ".join(sorted(_KEYS))
                                     + ", extra_<pool>)"))
    return fields, problems


def _validate(fields: dict[str, Any], path: Path, problems: list[InputProblem]) -> Scenario | None:
    try:
        return Scenario.model_validate(fields)
    except ValidationError as e:
        for err in e.errors():
            loc = [str(p) for p in err["loc"]]
            loc[0] = {"rule_overrides": "rules", "quota_overrides": "quotas"}.get(loc[0], loc[0])
            problems.append(_problem(path, ".".join(loc), err["msg"]))
        return None


def read_scenario_file(path: Path | str) -> Scenario:
    """Parse one scenario file (its base is not read); InputErrors name the file and every bad key."""
    path = Path(path)
    try:
        data = tomllib.loads(read_text_file(path))
    except tomllib.TOMLDecodeError as e:
        problem = toml_problem(path, e)
        if "key" in str(e) and not path.read_bytes().isascii():  # a bare Chinese key: TOML wants it quoted
            problem = dataclasses.replace(problem, message=problem.message + ' (keys that are not plain ASCII '
                                          'must be quoted: [quotas."彰武县"] or quotas."彰武县".labour_model = 20)')
        raise InputErrors([problem]) from None
    fields, problems = _fields(data, path)
    sc = _validate(fields, path, problems)
    if problems:
        raise InputErrors(problems)
    assert sc is not None
    if sc.base is None and sc.rules is None:
        problems.append(_problem(path, "rules", "names no rule set: give `rules = \"...toml\"` and `pools`, "
                                 "or `base = \"other-scenario.toml\"`"))
    if sc.base is None and not sc.pools:
        problems.append(_problem(path, "pools", "names no pool files: give `pools = { individuals = \"...\" }`, "
                                 "or `base = \"other-scenario.toml\"`"))
    if sc.base is None and (sc.rule_overrides or sc.quota_overrides or sc.seats or sc.force_in or sc.force_out):
        problems.append(_problem(path, "base", "overrides need a base: name the scenario they change in `base`"))
    if problems:
        raise InputErrors(problems)
    return sc


def _resolve(path: Path, p: str) -> Path:
    return Path(p) if Path(p).is_absolute() else path.parent / p


def _chain(path: Path) -> list[tuple[Path, Scenario]]:
    """The scenario and its bases, root first; a base that is its own ancestor is an error."""
    chain: list[tuple[Path, Scenario]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        key = current.resolve()
        if key in seen:
            names = " -> ".join(str(p) for p in [*[c for c, _ in reversed(chain)], current])
            raise InputErrors([_problem(chain[-1][0], "base",
                                        f"scenarios inherit from each other in a circle: {names}")])
        seen.append(key)
        sc = read_scenario_file(current)
        chain.append((current, sc))
        current = _resolve(current, sc.base) if sc.base is not None else None
    return list(reversed(chain))


def load_scenario(path: Path | str) -> tuple[Scenario, Path, dict[str, Path], Path | None]:
    """The files a scenario runs on (its own, else its bases'): (file as read, rules, pools, quotas).
    Overrides are not applied here: `load_scenario_inputs` applies them."""
    path = Path(path)
    chain = _chain(path)
    rules: Path | None = None
    pools: dict[str, Path] = {}
    quotas: Path | None = None
    for p, sc in chain:
        rules = _resolve(p, sc.rules) if sc.rules else rules
        pools |= {k: _resolve(p, v) for k, v in sc.pools.items()}
        quotas = _resolve(p, sc.quotas) if sc.quotas else quotas
    assert rules is not None  # the root has one (read_scenario_file checks)
    return chain[-1][1], rules, pools, quotas


def load_scenario_inputs(path: Path | str, rules: Path | None = None, pools: dict[str, Path] | None = None,
                         quotas: Path | None = None, skip_hidden_rows: bool = False) -> LoadedScenario:
    """Read a scenario, its bases and every file they name, and apply the overrides root first.
    `rules`, `pools` and `quotas` replace the scenario's files (the CLI's --rules, --individuals, ...).
    inputs.files names the data files only (rule set, quota table, pools), as inputs.load_inputs does."""
    path = Path(path)
    chain = _chain(path)
    _, rules_path, pool_paths, quota_path = load_scenario(path)
    inputs = load_inputs(rules or rules_path, pool_paths | (pools or {}), quotas or quota_path, skip_hidden_rows)
    changes: list[Change] = []
    for p, sc in chain:
        inputs = apply_overrides(inputs, sc, p, changes)
    inputs = dataclasses.replace(inputs, scenario=path, read_files=(*inputs.read_files, *[p for p, _ in chain]))
    title = chain[-1][1].title or (path.stem if len(chain) > 1 else path.parent.name)  # a base's title is not ours
    return LoadedScenario(path, title, chain[-1][1].description, inputs, changes, [p for p, _ in chain])


def overrides_from_dict(data: dict[str, Any], name: str = "<overrides>") -> Scenario:
    """Overrides given as a dict in the scenario file's own syntax (for notebooks):
    {"rules": {"R8": {"share": "18%"}}, "quotas": {"彰武县": {"labour_model": 20}}, "force_out": [...]}."""
    path = Path(name)
    fields, problems = _fields({"base": name, **data}, path)
    sc = _validate(fields, path, problems)
    if problems:
        raise InputErrors(problems)
    assert sc is not None
    return sc


# ------------------------------------------------------------------------------------------ overrides
def apply_overrides(inputs: Inputs, sc: Scenario, path: Path | str, changes: list[Change] | None = None) -> Inputs:
    """A new Inputs with one scenario file's overrides applied (extra candidates, seats, rules, quotas,
    forced candidates, in that order). Nothing is edited in place; every problem names the file and key."""
    path = Path(path)
    changes = [] if changes is None else changes
    problems: list[InputProblem] = []
    rs, quotas, pools, fixed = inputs.ruleset, inputs.quotas, dict(inputs.pools), dict(inputs.fixed)
    read: list[Path] = []  # extra candidate files

    def note(key: str, text: str) -> None:
        changes.append(Change(str(path), key, text))

    # extra candidates: read against the same pool spec and quota units, ids must be new
    for kind, file in sc.extra.items():
        key = f"extra_{kind}"
        if kind not in rs.pools:
            problems.append(_problem(path, key, _("the rule set has no pool '{pool}' (pools: {pools})", pool=kind,
                                                                  pools=", ".join(rs.pools))))
            continue
        read.append(_resolve(path, file))
        try:
            more = read_pool(_resolve(path, file), rs.pools[kind], kind, quotas.units,
                             skip_hidden_rows=inputs.skip_hidden_rows)
        except InputErrors as e:
            problems += e.problems
            continue
        base = pools[kind]
        taken = set(base.ids)
        dup = [(cid, row) for cid, row in zip(more.ids, more.rows) if cid in taken]
        for cid, row in dup:
            problems.append(InputProblem(more.source, f"id '{cid}' is already in {base.source}", row=row, column="id"))
        if dup:
            continue
        table = pd.concat([base.table, more.table], ignore_index=True).fillna("")
        pools[kind] = Pool(kind, f"{base.source} + {more.source}", table, base.rows + more.rows,
                           list(dict.fromkeys(base.extra_columns + more.extra_columns)))
        note(key, f"{len(more)} extra {kind} from {Path(more.source).name}: {', '.join(more.ids)}")

    # seats
    new_awards = list(rs.awards)
    for award_id, seats in sc.seats.items():
        key = f"seats.{award_id}"
        idx = next((i for i, a in enumerate(new_awards) if a.id == award_id), None)
        if idx is None:
            known = ", ".join(a.id for a in rs.awards)
            problems.append(_problem(path, key, f"no award '{award_id}' (awards: {known})"))
        elif not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
            problems.append(_problem(path, key, f"'{seats}' is not a whole number of seats >= 0"))
        else:
            old = new_awards[idx].seats
            new_awards[idx] = new_awards[idx].model_copy(update={"seats": seats})
            note(key, f"{award_id} ({new_awards[idx].name_zh}) seats {old} -> {seats}")

    # rules: a value, hard/soft, or dropped; re-validated as a whole rule
    new_rules = list(rs.rules)
    for rule_id, change in sc.rule_overrides.items():
        key = f"rules.{rule_id}"
        idx = next((i for i, r in enumerate(new_rules) if r is not None and r.id == rule_id), None)
        if idx is None:
            problems.append(_problem(path, key, f"no rule '{rule_id}' (rules: {', '.join(rs.rule_ids())})"))
            continue
        if not isinstance(change, dict) or not change:
            problems.append(_problem(path, key, "must be a table like { share = \"18%\" } or { hard = false, "
                                     "weight = 5 } or { drop = true }"))
            continue
        rule = new_rules[idx]
        unknown = sorted(set(change) - _RULE_FIELDS)
        if unknown:
            problems.append(_problem(path, key, f"unknown field(s) {', '.join(unknown)} (allowed: "
                                     f"{', '.join(sorted(_RULE_FIELDS))})"))
            continue
        wrong = kinds.changed_fields(rule, change)
        if wrong:
            problems.append(_problem(path, key, f"{', '.join(wrong)} does not apply to a {rule.kind} rule"))
            continue
        if "drop" in change:
            if change["drop"] is not True or len(change) > 1:
                problems.append(_problem(path, key, "write { drop = true } alone to remove the rule"))
                continue
            new_rules[idx] = None  # type: ignore[call-overload]
            note(key, f"{rule_id} {rule.text}: dropped")
            continue
        try:
            new = Rule.model_validate({**rule.model_dump(), **change})
        except ValidationError as e:
            problems += [_problem(path, ".".join([key, *[str(p) for p in err["loc"]]]),
                                  err["msg"].removeprefix("Value error, ")) for err in e.errors()]
            continue
        new_rules[idx] = new
        diffs = [("" if f == "hard" else f"{f} ") + f"{_show(getattr(rule, f))} -> {_show(getattr(new, f))}"
                 for f in change if getattr(rule, f) != getattr(new, f)]
        note(key, f"{rule_id} {rule.text}: {', '.join(diffs) or 'unchanged'}")
    rs = rs.model_copy(update={"awards": new_awards, "rules": [r for r in new_rules if r is not None]})

    # quota table entries: unit -> award -> seats
    table = {a: dict(v) for a, v in quotas.seats.items()}
    for unit, by_award in sc.quota_overrides.items():
        if unit not in quotas.units:
            problems.append(_problem(path, f"quotas.{unit}", f"unit '{unit}' is not in the quota table "
                                     f"{quotas.source} (units: {', '.join(quotas.units)})"))
            continue
        if not isinstance(by_award, dict):
            problems.append(_problem(path, f"quotas.{unit}", "must be a table: quotas.<unit>.<award> = seats"))
            continue
        for award_id, seats in by_award.items():
            key = f"quotas.{unit}.{award_id}"
            if award_id not in table:
                problems.append(_problem(path, key, f"the quota table has no column for '{award_id}' "
                                         f"(columns: {', '.join(table)})"))
            elif not isinstance(seats, int) or isinstance(seats, bool) or seats < 0:
                problems.append(_problem(path, key, f"'{seats}' is not a whole number of seats >= 0"))
            else:
                old = table[award_id].get(unit, 0)
                table[award_id][unit] = seats
                note(key, f"quota {unit} {award_id} {old} -> {seats}")
    if sc.quota_overrides:
        quotas = Quotas(quotas.source, list(quotas.units), table)

    if problems:
        raise InputErrors(problems)
    # the changed rule set and table must still hang together (seats, minimums, quota sums)
    problems += check_ruleset(rs, str(path)).problems
    for award_id, by_unit in quotas.seats.items():
        a = rs.award(award_id)
        total = sum(by_unit.values())
        if a.quota == "exact" and total + a.open_seats != a.seats:
            problems.append(_problem(path, "quotas", f"quotas of '{award_id}' add up to {total} (+{a.open_seats} "
                                     f"open seats), but the award must fill exactly {a.seats} seats"))
        elif a.quota == "cap" and total + a.open_seats < a.seats:
            problems.append(_problem(path, "quotas", f"quotas of '{award_id}' add up to {total} (+{a.open_seats} "
                                     f"open seats), fewer than the {a.seats} seats to fill"))

    # forced candidates: must exist; through model.build_model(fixed=...)
    owner = {cid: kind for kind, pool in pools.items() for cid in pool.ids}
    who = {cid: f"{cid} {name} ({unit})" for pool in pools.values()
           for cid, name, unit in zip(pool.ids, pool.table["name"], pool.table["unit"])}
    for key, ids, value in (("force_in", sc.force_in, True), ("force_out", sc.force_out, False)):
        for cid in ids:
            if cid not in owner:
                problems.append(_problem(path, key, f"no candidate '{cid}' in the pools"))
            elif cid in fixed and fixed[cid] != value:
                problems.append(_problem(path, key, f"'{cid}' is both forced in and forced out"))
            else:
                fixed[cid] = value
                note(key, f"{'force in' if value else 'force out'} {who[cid]}")
    for kind in pools:
        top = rs.top_award(kind)
        forced = sum(1 for cid, v in fixed.items() if v and owner.get(cid) == kind)
        if forced > top.seats:
            problems.append(_problem(path, "force_in", f"{forced} {kind} forced in, more than the {top.seats} "
                                     f"seats of {top.id}"))
    if problems:
        raise InputErrors(problems)
    return dataclasses.replace(inputs, ruleset=rs, quotas=quotas, pools=pools, fixed=fixed,
                               read_files=(*inputs.read_files, *read))


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "hard" if v else "soft"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def apply_dict(inputs: Inputs, overrides: dict[str, Any], name: str = "<overrides>") -> Inputs:
    """`apply_overrides` with the overrides as a dict in the scenario file's syntax (for notebooks)."""
    return apply_overrides(inputs, overrides_from_dict(overrides, name), Path(name))


# ------------------------------------------------------------------------------------------ writing
def scenario_overrides(sc: Scenario) -> dict[str, Any]:
    """A scenario file's overrides as a dict in the file's own syntax (what `overrides_from_dict` reads)."""
    data: dict[str, Any] = {}
    if sc.seats:
        data["seats"] = dict(sc.seats)
    if sc.rule_overrides:
        data["rules"] = {k: dict(v) for k, v in sc.rule_overrides.items()}
    if sc.quota_overrides:
        data["quotas"] = {k: dict(v) for k, v in sc.quota_overrides.items()}
    if sc.force_in:
        data["force_in"] = list(sc.force_in)
    if sc.force_out:
        data["force_out"] = list(sc.force_out)
    data |= {f"extra_{kind}": file for kind, file in sc.extra.items()}
    return data


def toml_key(key: str) -> str:
    """A TOML key: bare when it is plain ASCII letters, digits, _ and -, else quoted."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def toml_value(v: Any) -> str:
    """A TOML value (inline): booleans, numbers, strings, lists and tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to a scenario file")


def scenario_toml(overrides: dict[str, Any], base: str | None = None, title: str = "", description: str = "",
                  files: dict[str, Any] | None = None) -> str:
    """A scenario file's text: `base` (or `files`: rules, pools, quotas) and the overrides in the syntax
    `overrides_from_dict` reads; `read_scenario_file` reads it back to the same Scenario."""
    lines = []
    for key, value in (("title", title), ("description", description), ("base", base)):
        if value:
            lines.append(f"{key} = {toml_value(value)}")
    for key, value in (files or {}).items():
        if value:
            lines.append(f"{key} = {toml_value(value)}")
    tables = {k: overrides[k] for k in ("seats", "rules", "quotas") if overrides.get(k)}
    for key, value in overrides.items():
        if key not in tables and key not in ("seats", "rules", "quotas"):
            lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key in ("seats", "rules"):
        if key in tables:
            lines += ["", f"[{key}]"] + [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in tables[key].items()]
    for unit, by_award in tables.get("quotas", {}).items():
        lines += ["", f"[quotas.{toml_key(str(unit))}]"] + [
            f"{toml_key(str(a))} = {toml_value(n)}" for a, n in by_award.items()]
    return "\n".join(lines) + "\n"
