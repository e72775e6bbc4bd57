"""The pools an interface asks for: those the rule set declares, never a fixed list.

`declared_pools` is what the CLI's `--pool NAME=FILE` options and the web page's upload fields are both
built from; `given_pools` reads the CLI's options (and its older `--individuals` / `--collectives`, kept as
hidden aliases for scripts) and refuses, with the declared pools, a name the rule set does not have.
"""

from __future__ import annotations

from pathlib import Path

import typer

from selector.errors import InputErrors, InputProblem
from selector.i18n import _, label
from selector.reading.rule_checks import load_ruleset
from selector.reading.rules import RuleSet

BUNDLED_MODELS = Path(__file__).resolve().parents[2] / "models"  # the rule sets this repository brings
POOL_OPTION = "--pool"


def declared_pools(ruleset: RuleSet) -> list[tuple[str, str]]:
    """(name, label in the current language) of each pool the rule set declares, in its order."""
    return [(name, label(spec, name)) for name, spec in ruleset.pools.items()]


def pools_text(ruleset: RuleSet) -> str:
    """The declared pools as a message lists them: individuals (劳动模范人选), collectives (先进集体人选)."""
    return _(", ").join(_("{name} ({label})", name=n, label=lbl) if lbl != n else n
                        for n, lbl in declared_pools(ruleset))


def bundled_pools_text(models: Path = BUNDLED_MODELS) -> str:
    """The pools of each bundled rule set, for --pool's help: fuxin-2021.toml: individuals, collectives; ..."""
    out = []
    for path in sorted(models.glob("*.toml")) if models.is_dir() else []:
        try:
            names = [n for n, _label in declared_pools(load_ruleset(path))]
        except InputErrors:
            continue
        out.append(f"{path.name}: {', '.join(names)}")
    return "; ".join(out)


def given_pools(options: list[str] | None, aliases: dict[str, Path | None] | None = None) -> dict[str, Path]:
    """--pool NAME=FILE (repeated) and the hidden aliases (--individuals FILE is --pool individuals=FILE) as
    pool name -> file; a value without `=`, or a pool given twice, is a usage error."""
    out: dict[str, Path] = {}
    given = [(v, *v.partition("=")[::2]) for v in options or []]
    given += [(f"{name}={path}", name, str(path)) for name, path in (aliases or {}).items() if path is not None]
    for text, name, file in given:
        name = name.strip()
        if not name or not file:
            raise typer.BadParameter(_("'{value}': give NAME=FILE, a pool of the rule set and its file",
                                       value=text), param_hint=f"'{POOL_OPTION}'")
        if name in out:
            raise typer.BadParameter(_("the pool '{name}' is given twice", name=name),
                                     param_hint=f"'{POOL_OPTION}'")
        out[name] = Path(file)
    return out


def check_pool_names(ruleset: RuleSet, ruleset_path: Path | str, given: dict[str, Path]) -> None:
    """Every given pool must be one the rule set declares: InputErrors naming the declared ones otherwise."""
    problems = [InputProblem(f"{POOL_OPTION} {name}={file}", _(
        "the rule set {rules} declares no pool '{name}': its pools are {pools}", rules=Path(ruleset_path).name,
        name=name, pools=pools_text(ruleset))) for name, file in given.items() if name not in ruleset.pools]
    if problems:
        raise InputErrors(problems)
