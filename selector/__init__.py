"""Slate selector: the slate of greatest merit under a notice's rules, proven optimal, or why none exists."""

import time

__version__ = "0.1.0"
STARTED = time.perf_counter()  # the CLI prints the whole command's wall time from here
