"""Thin absl command-line layer over infogan_tf (nothing imports this package)."""
