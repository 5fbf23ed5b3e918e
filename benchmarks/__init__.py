"""Benchmarks (slow, not tests): throughput, serving speed, reference implementations."""
