"""`/fit`: the catalog's parameter count and context window, the architecture file's shape,
and the memory arithmetic of `bot.core.fit`, as one answer with its sources."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import UserError
from bot.core.fit import (
    DEFAULT_CONTEXT,
    QUANTS,
    Architecture,
    Estimate,
    Gpu,
    Hardware,
    Quant,
    architecture_for,
    estimate,
    find_memory,
    fitting,
    hardware,
    nearest_architecture,
    parse_context,
    parse_quant,
)
from bot.core.lookups import Lookups
from bot.core.results import Claim, FactGroup, MatchInfo, SourceRef


@dataclass(frozen=True)
class Target:
    """A GPU or memory size and the quantizations that fit in it."""

    label: str
    memory_gib: float
    usable_gib: float
    apple: bool
    fits: tuple[Quant, ...]
    source: str | None = None


@dataclass(frozen=True)
class FitAnswer:
    model: str
    match: MatchInfo
    params: Claim  # the total parameter count used
    params_disputed: bool
    active_params: Claim | None  # set for a mixture of experts
    architecture: Architecture
    architecture_estimated: bool  # the shape of the nearest listed model stands in
    context: int
    context_given: bool
    window: Claim | None  # the model's context window, as the catalog states it
    estimates: tuple[Estimate, ...]
    targets: tuple[Target, ...]  # the asked GPU first (if any), then the common sizes
    asked: Target | None
    quant: Quant | None  # the asked quantization, if any
    credits: tuple[str, ...]


def _number(claim: Claim) -> float:
    return float(claim.value)


def _claims(facts: Sequence[FactGroup], field: str) -> tuple[Claim, ...]:
    return next((g.claims for g in facts if g.field == field), ())


class FitService:
    """Answers `/fit` from the catalog (through `lookups`) and the bundled hardware data."""

    def __init__(self, lookups: Lookups, data: Hardware | None = None) -> None:
        self.lookups = lookups
        self.data = data or hardware()
        self._sizes: list[tuple[Architecture, float]] | None = None

    async def params_of(self, model_id: int) -> Claim | None:
        """The model's largest stated parameter count (the conservative one), if any."""
        report = await self.lookups.report(model_id)
        claims = _claims(report.facts, "params") if report else ()
        return max(claims, key=_number) if claims else None

    async def fit(
        self,
        model: str | None,
        gpu: str | None = None,
        context: str | int | None = None,
        quantization: str | None = None,
    ) -> FitAnswer:
        entry, match = self.lookups.resolve_model(model)
        quant = parse_quant(quantization)
        tokens = parse_context(context)
        asked_gpu = find_memory(gpu, self.data.gpus) if gpu and gpu.strip() else None
        report = await self.lookups.report(entry.id, match)
        if report is None:
            raise UserError("'{}' is no longer in the catalog.", entry.name)
        params = _claims(report.facts, "params")
        if not params:
            raise UserError(
                "No parameter count known: the catalog has none for {}, so its memory cannot"
                " be worked out. Give `/model {}` a look for what is known.",
                report.name,
                report.name,
            )
        total = max(params, key=_number)
        active = max(_claims(report.facts, "active_params"), key=_number, default=None)
        if active is not None and _number(active) >= _number(total):
            active = None
        arch = architecture_for((report.name, *report.aliases), self.data.architectures)
        estimated = arch is None
        if arch is None:
            arch = nearest_architecture(_number(total), await self._known_sizes())
            if arch is None:  # no listed architecture is in the catalog at all
                arch = self.data.architectures[0]
        windows = _claims(report.facts, "context_window")
        window = max(windows, key=_number, default=None)
        limit = int(_number(window)) if window else (None if estimated else arch.context)
        if tokens is not None and limit is not None and tokens > limit:
            raise UserError(
                "A context of {} tokens is more than {}'s window of {} tokens.",
                f"{tokens:,}",
                report.name,
                f"{limit:,}",
            )
        used = tokens or min(DEFAULT_CONTEXT, limit or DEFAULT_CONTEXT)
        quants = (quant,) if quant else QUANTS
        estimates = tuple(
            estimate(_number(total), arch.kv_bytes_per_token, used, q) for q in quants
        )
        targets = tuple(_target(g, estimates) for g in self.data.common)
        asked = _target(asked_gpu, estimates) if asked_gpu else None
        sources: list[SourceRef] = [total.source] + ([window.source] if window else [])
        return FitAnswer(
            model=report.name,
            match=match,
            params=total,
            params_disputed=len({c.value for c in params}) > 1,
            active_params=active,
            architecture=arch,
            architecture_estimated=estimated,
            context=used,
            context_given=tokens is not None,
            window=window,
            estimates=estimates,
            targets=targets,
            asked=asked,
            quant=quant,
            credits=tuple(dict.fromkeys(s.credit for s in sources if s.credit)),
        )

    async def _known_sizes(self) -> list[tuple[Architecture, float]]:
        """Each listed architecture with the parameter count the catalog gives its model."""
        if self._sizes is None:
            sizes = []
            for arch in self.data.architectures:
                for name in arch.models:
                    entry = self.lookups.models.exact(name)
                    claim = await self.params_of(entry.id) if entry else None
                    if claim is not None:
                        sizes.append((arch, _number(claim)))
                        break
            self._sizes = sizes
        return self._sizes


def _target(gpu: Gpu, estimates: Sequence[Estimate]) -> Target:
    return Target(
        gpu.name,
        gpu.memory_gib,
        gpu.usable_gib,
        gpu.apple,
        fitting(estimates, gpu.usable_gib),
        gpu.source,
    )
