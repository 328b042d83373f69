"""The domain core: catalog queries, comparison and name resolution. Knows nothing of Discord."""
