"""Personal watchlists: a user follows models, organisations, licenses or benchmarks and hears
of their changes by DM (bot/follow/service.py)."""
