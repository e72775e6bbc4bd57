"""The base of every rule-set class: unknown keys refused (a misspelt key is an error, not ignored), frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
