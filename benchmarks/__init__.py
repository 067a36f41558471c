"""Benchmarks of hh_brainpy (not part of the installed package)."""
