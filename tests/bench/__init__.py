"""Benchmarks (not timed unit tests): `make bench` runs every module listed in __main__."""
