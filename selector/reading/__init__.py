"""Reading the inputs: the rule set (a notice as data; what each kind of rule means: kinds.py), the candidate
pools and quota tables, what-if scenarios, and eligibility screening. Everything a person typed is checked here;
errors name file, row and column.
"""
