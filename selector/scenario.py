"""Scenario files: a TOML file in scenarios/ naming a rule set, pools and (optionally) a quota table."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from selector.errors import InputErrors, InputProblem


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = ""
    rules: str
    pools: dict[str, str]  # pool kind -> file, relative to the scenario file
    quotas: str | None = None


def load_scenario(path: Path | str) -> tuple[Scenario, Path, dict[str, Path], Path | None]:
    """Read a scenario; return it with its file paths resolved against the scenario's folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        sc = Scenario.model_validate(data)
    except FileNotFoundError:
        raise InputErrors([InputProblem(str(path), "file not found")]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise InputErrors([InputProblem(str(path), f"not a valid UTF-8 TOML file: {e}")]) from None
    except ValidationError as e:
        raise InputErrors([InputProblem(str(path), "unknown key" if err["type"] == "extra_forbidden"
                                        else err["msg"], rule=".".join(map(str, err["loc"])))
                           for err in e.errors()]) from None
    base = path.parent

    def resolve(p: str) -> Path:
        return Path(p) if Path(p).is_absolute() else base / p

    return sc, resolve(sc.rules), {k: resolve(v) for k, v in sc.pools.items()}, (
        resolve(sc.quotas) if sc.quotas else None)
