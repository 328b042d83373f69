"""Keeping the catalog current from maintained public sources (LiteLLM, genai-prices, Epoch, ...)."""
