"""Benchmarks of the news pipeline: a synthetic corpus generator and the stage benchmarks.

Not part of the test suite; run with ``python -m benchmarks.run`` (see benchmarks/run.py).
"""
