"""Cogs: one per feature, each a thin adapter over the core."""
