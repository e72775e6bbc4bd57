"""The rule set's paperwork section (九 T3, 六 W1): the summary tables, the forms and the budget's count.

Its own module because it is a schema of its own (what the office files, not what a slate must meet);
selector/reading/rules.py's RuleSet holds it as `paperwork` and re-exports these names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from selector.reading.strict import Strict as _Strict


class PaperworkColumn(_Strict):
    """One column of a preliminary review summary table (初审汇总表).

    `column` is 'seq' (序号), 'rank' (名次 in the award's slate), a pool column (id, name, unit, score or
    an attribute: categories and sets are written with their Chinese value names, flags as 是/否, shares
    as percentages), a subset award of the table's award (marked 是 for its holders), or the header of an
    extra column the pool carries (e.g. 职务); `optional` columns are left out when the pool lacks them.
    """

    column: str
    title: str  # the column's Chinese title in the table
    optional: bool = False
    width: float | None = Field(default=None, gt=0)  # column width in characters


class SummaryTable(_Strict):
    """A preliminary review summary table of one top-level award (附件4 劳动模范, 附件5 先进集体)."""

    award: str
    title_zh: str
    attachment: str = ""  # e.g. 附件4
    file: str = ""  # output file name; default review_summary_<award>.xlsx
    columns: list[PaperworkColumn] = Field(default_factory=list)  # default: seq, unit, name, score, subset marks


class FormRule(_Strict):
    """Who gets a consultation form and which departments sign it, from one eligibility rule (E7, E8).

    The rule is a `requires_all` rule: its `values` are the departments. By default the form goes to the
    candidates the rule applies to (its pool and `when`). With `pool` (and `when`), the rule's departments
    are asked of that pool instead: the enterprise collectives of 附件3, whose pool the screening rule,
    written for the leaders, does not cover. `departments` keeps only some of the rule's values (a state
    enterprise's leader also needs 组织人事, the enterprise itself not)."""

    rule: str
    pool: str | None = None
    when: str | dict[str, list[str]] | None = None
    departments: list[str] = Field(default_factory=list)  # a subset of the rule's values; default all


class ConsultationForm(_Strict):
    """One kind of consultation form (附件2, 附件3): its layout template and the rules that say who needs it."""

    template: str  # a layout TOML in the forms folder (selector/outputs/forms.py renders it)
    rules: list[FormRule]


class Forms(_Strict):
    """The notice's other paperwork (selector/outputs/forms.py): consultation forms (附件2/3, 九(二)), the public
    list for the newspaper (八.3), the approval forms (推荐审批表, 九(三)) and the pledges (承诺书, 九(二)).
    Wording and layout live in template files in `folder` (relative to the rule-set file)."""

    folder: str = ""  # the templates' folder, relative to the rule-set file
    post: str = ""  # the pool column holding a candidate's 职务 ({post} in the templates)
    deeds: str = ""  # the pool column holding the short deeds 简要事迹 ({deeds})
    clearances: str = "clearances"  # the set attribute that records which departments have signed
    departments: dict[str, str] = Field(default_factory=dict)  # department value -> its name on the forms
    consultation: list[ConsultationForm] = Field(default_factory=list)
    public_list: str = ""  # template of the 公示名单 (one document for the whole slate)
    approval: dict[str, str] = Field(default_factory=dict)  # pool kind -> template (one per selected)
    pledge: str = ""  # template of the 承诺书 (one per recommending unit)
    bundle: str = ""  # template of a department bundle's cover page (every form one department signs)


class Paperwork(_Strict):
    """What the office files: the summary tables, and how the reward budget counts subset awards (W1)."""

    tables: list[SummaryTable] = Field(default_factory=list)  # default: one table per top-level award
    subset_reward: Literal["instead", "on_top"] = "instead"  # a subset award's reward replaces its parent's
    forms: Forms = Field(default_factory=Forms)  # selector/outputs/forms.py: consultation forms, public list, ...
