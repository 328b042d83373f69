"""Admin curation: curator changes with validation, an audit log and undo."""
