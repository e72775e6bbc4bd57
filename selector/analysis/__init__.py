"""Questions asked of the engine: supply arithmetic (check), explanations of an infeasible pool as next
steps, what-ifs and sweeps, adjustments after the public notice, the reserve list and quota apportionment.
"""
