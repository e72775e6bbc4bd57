"""What a run writes, one module per concern: masking (privacy) and cell values (cells); formula-safe,
reproducible spreadsheets (sheets); the slate, screening and supply tables (slates), blank templates,
summary tables, the budget, the report (document, rendered by render), plots, the notice's forms and the
terminal text; each command's folder written whole or not at all (atomic, folders); the audit record
(record) and `selector verify`, which re-checks a folder without solving (recheck, recheck_numbers).
"""
