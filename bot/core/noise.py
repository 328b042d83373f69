"""Statistical ties: when two scores on a benchmark are within its sampling noise.

A score on a set of n questions is a share p answered right; its standard error is
sqrt(p(1 - p) / n). Two scores are tied when their gap is within 1.96 times the combined
error (a 95% interval). Benchmarks and their sizes are data (data/benchmark_noise.yaml, with
sources); a benchmark not listed, or not scored in %, is never called tied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.core.names import normalize

NOISE_FILE = Path(__file__).resolve().parents[2] / "data" / "benchmark_noise.yaml"
Z_95 = 1.96


@dataclass(frozen=True)
class Noise:
    benchmark: str
    questions: int
    source: str
    note: str | None = None

    def basis(self) -> str:
        """How the band is worked out, for the answer to say."""
        return f"95% interval over {self.questions:,} questions"

    def tied(self, a: float, b: float) -> bool:
        """Whether scores `a` and `b` (in %) are within each other's sampling noise."""
        return abs(a - b) <= Z_95 * math.hypot(self._error(a), self._error(b))

    def _error(self, percent: float) -> float:
        p = min(max(percent / 100, 0.0), 1.0)
        return 100 * math.sqrt(p * (1 - p) / self.questions)


@cache
def noise_bands(path: Path = NOISE_FILE) -> dict[str, Noise]:
    """Benchmark (normalised name) -> its noise, read once."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    bands = {}
    for row in raw.get("benchmarks", []):
        noise = Noise(row["benchmark"], int(row["questions"]), row["source"], row.get("note"))
        bands[normalize(noise.benchmark)] = noise
    return bands


OVERLAP_TEXT = "their sources' own 95% confidence intervals overlap"


def intervals_overlap(a: tuple[float, float] | None, b: tuple[float, float] | None) -> bool:
    """Whether two scores' own intervals (a source's 95% CI, as LMArena gives) overlap; a
    score without one is never tied this way."""
    if a is None or b is None:
        return False
    return a[0] <= b[1] and b[0] <= a[1]


def noise_for(benchmark: str, unit: str) -> Noise | None:
    """The benchmark's noise band, if listed and scored as a percentage."""
    if unit.strip() != "%":
        return None
    return noise_bands().get(normalize(benchmark))
