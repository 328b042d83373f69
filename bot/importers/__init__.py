"""Importers turn files (curated YAML, Epoch CSV, LLM Stats JSON) into validated batches."""
