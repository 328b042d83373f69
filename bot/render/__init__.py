"""The one rendering layer: core results become pages (cards) that fit Discord's limits."""
