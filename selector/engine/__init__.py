"""The engine: model.py is the one place that turns rules into CP-SAT constraints; session.py the one place
that configures CP-SAT (workers, seed, time limit, interruptibility) and reads a solve as a Status; solve.py
proves the canonical optimum (merit, subset awards, preferences, tie-break, uniqueness); prune.py, the exact
fast path, and feasible.py solve smaller exact models of interchangeable candidates (classes.py) with an
exact LP bound (lp.py); stable.py puts fewest changes against a base slate first (adjust, stable
what-ifs, the reserve list). Slates leave the engine as candidate ids; positions stay inside the models.
"""
