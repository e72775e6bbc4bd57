"""The engine: model.py is the one place that turns rules into CP-SAT constraints; solve.py proves the
canonical optimum (merit, subset awards, preferences, tie-break, uniqueness); prune.py and feasible.py
solve smaller exact models of interchangeable candidates.
"""
