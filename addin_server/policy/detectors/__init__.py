"""Detectors find things in text and tables; rules (in `rules/`) decide what they mean."""
