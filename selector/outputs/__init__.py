"""What a run writes: the slate and summary tables, the report, the budget, plots, the notice's forms,
formula-safe spreadsheets, and the audit record that `selector verify` re-checks.
"""
