"""Hugging Face Hub vocabulary, without I/O: repo ids from links, base_model relations from tags."""

from __future__ import annotations

import re

from yarl import URL

# First path segments of huggingface.co pages that are not model repos.
_NOT_MODELS = frozenset(
    {
        "api",
        "blog",
        "collections",
        "datasets",
        "docs",
        "learn",
        "models",
        "organizations",
        "papers",
        "posts",
        "settings",
        "spaces",
        "tasks",
    }
)
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
# Hugging Face's base_model tag relations -> the catalog's (bot.core.vocab.LINEAGE_RELATIONS).
TAG_RELATIONS = {
    "finetune": "finetune",
    "adapter": "adapter",
    "merge": "merge",
    "quantized": "quantized",
}


def is_repo_id(text: str) -> bool:
    """'owner/name' as the Hub spells model repos."""
    owner, _, name = text.partition("/")
    return bool(_PART.fullmatch(owner) and _PART.fullmatch(name)) and "--" not in text


def hf_repo_id(link: str | None) -> str | None:
    """The model repo a huggingface.co link is the page of ('https://huggingface.co/Qwen/QwQ-32B'
    is Qwen/QwQ-32B); None for other hosts, organisation pages, files inside a repo, docs."""
    if not link:
        return None
    try:
        url = URL(link.strip())
    except ValueError:
        return None
    if url.host not in ("huggingface.co", "www.huggingface.co"):
        return None
    parts = [p for p in url.path.split("/") if p]
    if len(parts) != 2 or parts[0] in _NOT_MODELS:
        return None
    repo = "/".join(parts)
    return repo if is_repo_id(repo) else None


def base_model_tags(tags: object) -> list[tuple[str, str]]:
    """(base repo, relation) pairs from a model's tags: 'base_model:finetune:meta-llama/Llama-3.1-8B'
    is a fine-tune of that repo. The bare 'base_model:<repo>' tag (no relation) is a fine-tune
    only when no tag gives the relation. Malformed tags are ignored."""
    if not isinstance(tags, list):
        return []
    related: list[tuple[str, str]] = []
    bare: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:") :]
        kind, sep, repo = rest.partition(":")
        if sep and kind in TAG_RELATIONS and is_repo_id(repo):
            related.append((repo, TAG_RELATIONS[kind]))
        elif not sep and is_repo_id(rest):
            bare.append(rest)
    named = {repo for repo, _ in related}
    related += [(repo, "finetune") for repo in bare if repo not in named]
    return list(dict.fromkeys(related))
