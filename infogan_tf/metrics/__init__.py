"""Evaluation metrics: callables/arrays in, numbers out (no models, no flags)."""
