"""Benchmarks (not tests): `make bench` runs them and prints tables of figures and ratios."""
