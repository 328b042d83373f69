"""How a lineage link reads: the relation as a phrase, the base with its organisation."""

from __future__ import annotations

from bot.core.results import LineageStep
from bot.render.safe import safe_text

RELATION_PHRASES = {
    "finetune": "Fine-tune of",
    "adapter": "Adapter on",
    "merge": "Merge of",
    "quantized": "Quantized from",
    "distilled": "Distilled from",
    "continued": "Continued pre-training of",
}
NOT_IN_CATALOG = "not in the catalog"
CYCLE = "↺ met above in the chain; not followed"


def step_text(step: LineageStep, first: bool) -> str:
    """'Fine-tune of **Llama 3.1 8B** (Meta)'; deeper links say whose base it is:
    '← Llama 3.1 8B: fine-tune of **Llama 3.1 8B Base**'."""
    phrase = RELATION_PHRASES.get(step.relation, step.relation)
    base = f"**{safe_text(step.base)}**"
    if step.base_org:
        base += f" ({safe_text(step.base_org)})"
    if not step.resolved:
        base += f" ({NOT_IN_CATALOG})"
    if step.cycle:
        base += f" {CYCLE}"
    if first:
        return f"{phrase} {base}"
    return f"{'  ' * (step.depth - 1)}← {safe_text(step.model)}: {phrase.lower()} {base}"
