"""Release watch: feed ingestion, deduplication, linking, subscriptions and exactly-once alerts.

Like the rest of the core, nothing here knows about Discord: posting goes through a `Poster`.
"""
