"""`/fit`: memory per quantization, the verdict per GPU, and every fact used with its source."""

from __future__ import annotations

from bot.core.fit import APPLE_RULE, GIB, KV_BYTES, OVERHEAD_RULE
from bot.core.fitting import FitAnswer, Target
from bot.render.cards import CardBuilder, Reply
from bot.render.lookups import claim_line, count, credits_footer, match_line, tokens
from bot.render.safe import safe_text


def gib(value: float) -> str:
    return f"{value / GIB:,.1f} GiB"


def _verdict(target: Target, asked_quant: bool) -> str:
    size = f"{target.memory_gib:g} GiB"
    if target.apple:
        size += f", ~{target.usable_gib:.0f} usable"
    head = f"**{safe_text(target.label)}** ({size})"
    if not target.fits:
        return f"{head}: ✗ does not fit" + ("" if asked_quant else " at any listed quantization")
    names = ", ".join(q.name for q in target.fits)
    return f"{head}: ✓ fits at {names}"


def render_fit(answer: FitAnswer) -> Reply:
    card = CardBuilder(f"Will {safe_text(answer.model)} fit?", credits_footer(answer.credits))
    hint = match_line(answer.match)
    if hint:
        card.line(hint)
    arch = answer.architecture
    context = f"{tokens(answer.context)} tokens" + ("" if answer.context_given else " (default)")
    card.line(f"Context: {context} · KV cache FP16 · sizes in GiB (2^30 bytes)")
    if answer.asked is not None:
        card.line(_verdict(answer.asked, answer.quant is not None))
    card.field(
        "Memory needed (weights + KV cache + overhead = total)",
        [
            f"{e.quant.name}: {gib(e.weights)} + {gib(e.kv_cache)} + {gib(e.overhead)}"
            f" = **{gib(e.total)}**"
            for e in answer.estimates
        ],
    )
    card.field("Verdict", [_verdict(t, answer.quant is not None) for t in answer.targets])
    facts = [
        "Parameters (total): "
        + claim_line(count(float(answer.params.value)), answer.params.source, note=False)
        + (" · sources disagree; the largest is used" if answer.params_disputed else "")
    ]
    if answer.active_params is not None:
        active = count(float(answer.active_params.value))
        facts.append(
            f"Mixture of experts: {active} active per token, but every expert stays in memory,"
            " so the weights count the total."
        )
    if answer.window is not None:
        facts.append(
            "Context window: "
            + claim_line(f"{tokens(float(answer.window.value))} tokens", answer.window.source)
        )
    shape = (
        f"{arch.layers} layers × {arch.kv_heads} KV heads × head size {arch.head_dim}"
        f" → 2 × … × {KV_BYTES} bytes = {arch.kv_bytes_per_token / 1024:,.0f} KiB per token"
    )
    if answer.architecture_estimated:
        facts.append(
            f"KV cache **estimated**: no published shape listed for this model; the shape of"
            f" {safe_text(arch.name)} (nearest listed size) stands in: {shape} ({arch.source})"
        )
    else:
        facts.append(f"Architecture ({safe_text(arch.name)}): {shape} — {arch.source}")
        if arch.note:
            facts.append(f"_{safe_text(arch.note)}_")
    card.field("Facts used", facts)
    rules = [f"{e.quant.name}: {safe_text(e.quant.basis)}" for e in answer.estimates]
    card.field("Rules (estimates)", [*rules, OVERHEAD_RULE + ".", APPLE_RULE + "."])
    return card.build()
