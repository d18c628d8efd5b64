"""Benchmarks of the toolchain: synthetic policy sets and the ``build.py bench`` runner."""
