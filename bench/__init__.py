"""Benchmarks (``make bench``): figures for the README's Performance section."""
