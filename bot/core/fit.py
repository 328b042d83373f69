"""Will a model run on a GPU? Memory for weights, KV cache and overhead, per quantization.

The arithmetic (every figure stated, estimates said so):
- weights = total parameters (all experts of a mixture-of-experts model stay in memory)
  x bits per weight / 8;
- KV cache = 2 (K and V) x layers x KV heads x head size x 2 bytes (FP16 cache) x tokens, with
  the shape from data/fit/architectures.yaml (published config.json files); for a model not
  listed the shape of the listed architecture nearest in parameter count stands in, said so;
- overhead = OVERHEAD_FIXED_GIB + OVERHEAD_SHARE x weights (runtime context, compute buffers:
  a rule of thumb, not a measurement).
Memory sizes are binary (GiB), as GPU memory is sold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.core.errors import UserError
from bot.core.names import normalize

FIT_DIR = Path(__file__).resolve().parents[2] / "data" / "fit"
GIB = 1024**3
KV_BYTES = 2  # an FP16 KV cache, llama.cpp's and vLLM's default
DEFAULT_CONTEXT = 8192
OVERHEAD_FIXED_GIB = 1.0
OVERHEAD_SHARE = 0.05
OVERHEAD_RULE = (
    f"overhead = {OVERHEAD_FIXED_GIB:g} GiB runtime context + {OVERHEAD_SHARE:.0%} of the weights"
    " for compute buffers (a rule of thumb)"
)
MAX_VRAM_GIB = 2048
MAX_CONTEXT = 100_000_000
# macOS lets the GPU wire only part of unified memory (Metal's recommendedMaxWorkingSetSize):
# about two thirds on machines up to 36 GB, three quarters above (as llama.cpp reports it).
APPLE_USABLE = ((36, 2 / 3), (math.inf, 0.75))
APPLE_RULE = "Apple unified memory: GPU may use ~2/3 of it up to 36 GB, ~3/4 above (macOS default)"

_LLAMA_CPP_QUANTIZE = "https://github.com/ggml-org/llama.cpp/blob/master/tools/quantize/README.md"
_GGML_BLOCKS = "https://github.com/ggml-org/llama.cpp/blob/master/ggml/src/ggml-common.h"


@dataclass(frozen=True)
class Quant:
    name: str
    bits: float  # bits per weight
    basis: str
    aliases: tuple[str, ...] = ()


# Bits per weight: FP16/FP8 by definition; Q8_0 from its block layout (32 int8 weights and one
# FP16 scale: 34 bytes per 32 weights); the K-quant mixes as llama.cpp's quantize README
# measures them on Llama 2 7B (Q6_K 6.56, Q5_K_M 5.68, Q4_K_M 4.84 bpw).
QUANTS: tuple[Quant, ...] = (
    Quant("FP16/BF16", 16, "2 bytes per weight", ("fp16", "bf16", "f16", "16bit")),
    Quant("FP8", 8, "1 byte per weight", ("fp8", "f8", "8bit")),
    Quant("Q8_0", 8.5, f"34 bytes per 32 weights ({_GGML_BLOCKS})", ("q8", "q80", "int8")),
    Quant("Q6_K", 6.56, f"6.56 bpw ({_LLAMA_CPP_QUANTIZE})", ("q6", "q6k")),
    Quant("Q5_K_M", 5.68, f"5.68 bpw ({_LLAMA_CPP_QUANTIZE})", ("q5", "q5km", "q5k")),
    Quant("Q4_K_M", 4.84, f"4.84 bpw ({_LLAMA_CPP_QUANTIZE})", ("q4", "q4km", "q4k", "int4")),
)


@dataclass(frozen=True)
class Architecture:
    name: str
    models: tuple[str, ...]
    layers: int
    kv_heads: int
    head_dim: int
    context: int
    source: str
    note: str | None = None

    @property
    def kv_bytes_per_token(self) -> int:
        return 2 * self.layers * self.kv_heads * self.head_dim * KV_BYTES


@dataclass(frozen=True)
class Gpu:
    name: str
    aliases: tuple[str, ...]
    memory_gib: float
    source: str | None
    apple: bool = False

    @property
    def usable_gib(self) -> float:
        return usable(self.memory_gib, self.apple)


@dataclass(frozen=True)
class Hardware:
    gpus: tuple[Gpu, ...]
    common: tuple[Gpu, ...]
    architectures: tuple[Architecture, ...]


def usable(memory_gib: float, apple: bool) -> float:
    """The memory a model may use: all of a GPU's, a share of Apple unified memory."""
    if not apple:
        return memory_gib
    share = next(s for limit, s in APPLE_USABLE if memory_gib <= limit)
    return memory_gib * share


@cache
def hardware(directory: Path = FIT_DIR) -> Hardware:
    """The GPU list and architecture shapes, read once."""
    gpus_raw = yaml.safe_load((directory / "gpus.yaml").read_text(encoding="utf-8"))
    arch_raw = yaml.safe_load((directory / "architectures.yaml").read_text(encoding="utf-8"))
    gpus = tuple(
        Gpu(
            g["name"],
            tuple(str(a) for a in g.get("aliases", ())),
            float(g["memory_gib"]),
            g.get("source"),
            g.get("kind") == "apple",
        )
        for g in gpus_raw["gpus"]
    )
    by_name = {g.name: g for g in gpus}
    archs = tuple(
        Architecture(
            a["name"],
            tuple(a["models"]),
            int(a["layers"]),
            int(a["kv_heads"]),
            int(a["head_dim"]),
            int(a["context"]),
            a["source"],
            a.get("note"),
        )
        for a in arch_raw["architectures"]
    )
    return Hardware(gpus, tuple(by_name[n] for n in gpus_raw["common"]), archs)


def architecture_for(names: Sequence[str], archs: Sequence[Architecture]) -> Architecture | None:
    """The listed architecture of a model known by any of `names`."""
    wanted = {normalize(n) for n in names}
    for arch in archs:
        if wanted & {normalize(m) for m in arch.models}:
            return arch
    return None


def nearest_architecture(
    params: float, known: Sequence[tuple[Architecture, float]]
) -> Architecture | None:
    """The architecture whose model is nearest in size (log scale) to `params`."""
    if not known:
        return None
    return min(known, key=lambda pair: abs(math.log(pair[1] / params)))[0]


def parse_quant(text: str | None) -> Quant | None:
    if not text or not text.strip():
        return None
    key = re.sub(r"[^a-z0-9]", "", text.lower())
    for quant in QUANTS:
        if key == re.sub(r"[^a-z0-9]", "", quant.name.lower()) or key in quant.aliases:
            return quant
        if key in quant.name.lower().replace("_", "").split("/"):
            return quant
    names = ", ".join(q.name for q in QUANTS)
    raise UserError("Unknown quantization '{}'. Choose one of: {}.", text.strip()[:30], names)


_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(gib|gb|g)?\s*(?:vram)?\s*$", re.IGNORECASE)
_TOKENS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([km])?\s*(?:tokens?)?\s*$", re.IGNORECASE)


def parse_memory(text: str) -> float | None:
    """'24', '24GB', '80 GiB' -> GiB; None when the text is not a size (a GPU name)."""
    match = _MEMORY.match(text)
    if match is None:
        return None
    size = float(match[1])
    if not 0 < size <= MAX_VRAM_GIB:
        raise UserError(
            "Memory must be more than 0 and at most {} GiB, got '{}'.", MAX_VRAM_GIB, text[:30]
        )
    return size


def parse_context(text: str | int | None) -> int | None:
    """'32k', '131072', '1M' -> tokens."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    match = _TOKENS.match(str(text))
    if match is None:
        raise UserError("context must be a number of tokens like 8192 or 32k, got '{}'.", text)
    scale = {"k": 1024, "m": 1024 * 1024}.get((match[2] or "").lower(), 1)
    tokens = int(float(match[1]) * scale)
    if not 1 <= tokens <= MAX_CONTEXT:
        raise UserError("context must be between 1 and {} tokens.", f"{MAX_CONTEXT:,}")
    return tokens


def exact_gpu(text: str, gpus: Sequence[Gpu]) -> Gpu | None:
    """The GPU named or aliased exactly `text` (case and punctuation aside)."""
    key = normalize(text)
    return next((g for g in gpus if key in {normalize(n) for n in (g.name, *g.aliases)}), None)


def find_gpu(text: str, gpus: Sequence[Gpu]) -> Gpu:
    """A GPU by name or alias ('4090', 'rtx 4090', 'H100'); unknown names get suggestions."""
    key = normalize(text)
    exact = exact_gpu(text, gpus)
    if exact is not None:
        return exact
    for gpu in gpus:  # 'rtx4090' for 'RTX 4090' is exact above; 'nvidia rtx 4090' here
        if any(normalize(n) in key for n in (gpu.name, *gpu.aliases) if len(normalize(n)) >= 4):
            return gpu
    choices = {g.name: g.name for g in gpus}
    near = process.extract(text, choices, scorer=fuzz.WRatio, limit=4)
    hint = ", ".join(name for name, score, _ in near if score >= 50) or ", ".join(
        g.name for g in gpus[:6]
    )
    raise UserError(
        "Unknown GPU '{}'. Did you mean: {}? Or give the memory, like 24GB.", text[:40], hint
    )


def find_memory(text: str, gpus: Sequence[Gpu]) -> Gpu:
    """A GPU by name ('4090' is the card, not 4,090 GiB), else a memory size, else a guess."""
    named = exact_gpu(text, gpus)
    if named is not None:
        return named
    size = parse_memory(text)
    if size is not None:
        return Gpu(f"{size:g} GiB", (), size, None)
    return find_gpu(text, gpus)


@dataclass(frozen=True)
class Estimate:
    """Memory for one quantization, in bytes."""

    quant: Quant
    weights: float
    kv_cache: float
    overhead: float

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.overhead


def weights_bytes(params: float, quant: Quant) -> float:
    return params * quant.bits / 8


def overhead_bytes(weights: float) -> float:
    return OVERHEAD_FIXED_GIB * GIB + OVERHEAD_SHARE * weights


def estimate(params: float, kv_per_token: int, tokens: int, quant: Quant) -> Estimate:
    """Weights, KV cache for `tokens` and overhead at `quant`."""
    weights = weights_bytes(params, quant)
    return Estimate(quant, weights, float(kv_per_token) * tokens, overhead_bytes(weights))


def fitting(estimates: Sequence[Estimate], usable_gib: float) -> tuple[Quant, ...]:
    """The quantizations whose total fits in `usable_gib`."""
    return tuple(e.quant for e in estimates if e.total <= usable_gib * GIB)


def weights_fit(params: float, usable_gib: float) -> Quant | None:
    """The most precise quantization whose weights and overhead (no context) fit."""
    for quant in QUANTS:
        weights = weights_bytes(params, quant)
        if weights + overhead_bytes(weights) <= usable_gib * GIB:
            return quant
    return None
