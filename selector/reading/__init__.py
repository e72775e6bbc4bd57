"""Reading the inputs: the rule set (a notice as data), the candidate pools and quota tables, what-if
scenarios, and eligibility screening. Everything a person typed is checked here; errors name file, row and column.
"""
