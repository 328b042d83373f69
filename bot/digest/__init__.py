"""Scheduled channel digests: schedules, content, and exactly-once posting through the outbox."""
