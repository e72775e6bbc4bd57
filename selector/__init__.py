"""Slate selector: the slate of greatest merit under a notice's rules, proven optimal, or why none exists."""

__version__ = "0.1.0"
