"""The Hugging Face Hub as a sync source: licenses, base models, gating, popularity and sizes.

Two steps, as every sync source has (`bot.sync.adapter`):

- `collect(api, repos, authors)` does the I/O. Through the official client (`huggingface_hub`,
  which pages `list_models`, sends `HF_TOKEN` and honours `HF_ENDPOINT`) it reads the model info
  of each catalog model's repo and lists the newest repos of each watched organisation, and
  writes what it got, failures included, as one JSON body (`Fetched`). It blocks: run it off
  the event loop (`fetch_hub` does, in a worker thread).
- `HubAdapter.parse(fetched)` is pure: the same body always gives the same batch of claims,
  each with the repo page as its link and the fetch day as its date.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.errors import ImportRejected
from bot.core.hub import base_model_tags, is_repo_id
from bot.core.licenses import normalize_license
from bot.core.names import clean_text
from bot.core.records import Batch, ModelRec, Provenance, SkippedRow, SourceRec
from bot.core.vocab import Openness
from bot.importers.common import BatchBuilder, parse_date, parse_number
from bot.sync.adapter import Fetched, SourceUnavailable, SyncAdapter

if TYPE_CHECKING:
    from bot.store.catalog import CatalogStore

log = logging.getLogger(__name__)

HUB_SOURCE = SourceRec(
    key="huggingface",
    name="Hugging Face Hub",
    kind="dataset",
    url="https://huggingface.co",
    license="per-repository model cards",
    credit="Hugging Face Hub (model cards and repo metadata)",
)
DEFAULT_ENDPOINT = "https://huggingface.co"
BODY_FORMAT = 1
MAX_BODY = 20 * 1024 * 1024
# The model-info properties a body keeps (the Hub's own JSON names).
EXPAND = ["author", "cardData", "createdAt", "downloads", "gated", "likes", "safetensors", "tags"]
# The HTTP layer's network errors, by class name: the client has used requests, httpx and its
# fork across versions, and none of their transport errors is an OSError.
_TRANSPORT = frozenset({"TransportError", "ConnectionError", "Timeout", "TimeoutException"})
_GATED = {"false": "false", "auto": "auto", "manual": "manual"}


class HubUnavailable(SourceUnavailable):
    """No request reached the Hub (every one failed on the network or with a server error):
    the sync engine should back off, and keep the previous state."""


@dataclass(frozen=True)
class HubTarget:
    """A repo to read, and the catalog model it is the repo of."""

    repo: str
    model: str


@dataclass(frozen=True)
class HubSettings:
    """Where the Hub is and which organisations' new repos to list (`huggingface:` config)."""

    endpoint: str = DEFAULT_ENDPOINT
    organisations: Mapping[str, str] = field(default_factory=dict)  # Hub author -> org name
    per_organisation: int = 50
    timeout: float = 20.0


# ---- collect: the I/O step ------------------------------------------------------------------


def collect(
    api: Any,
    targets: Sequence[HubTarget],
    authors: Mapping[str, str] | None = None,
    per_author: int = 50,
    timeout: float = 20.0,
    as_of: str | None = None,
) -> Fetched:
    """Read each target's model info and each author's newest repos through `api` (an
    `HfApi`); one JSON body records every answer, and every failure with its kind. Raises
    `HubUnavailable` when nothing at all was answered."""
    repos = [_read_repo(api, t, timeout) for t in targets]
    listed = [_list_author(api, a, org, per_author) for a, org in (authors or {}).items()]
    answers = [r for r in [*repos, *listed] if r["status"] not in ("unreachable", "server")]
    if (repos or listed) and not answers:
        raise HubUnavailable(f"no answer from {api.endpoint}: {(repos or listed)[0]['error']}")
    body = {"format": BODY_FORMAT, "endpoint": api.endpoint, "repos": repos, "authors": listed}
    day = as_of or dt.datetime.now(dt.UTC).date().isoformat()
    data = json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return Fetched(body=data, url=f"{api.endpoint}/api/models", as_of=day)


async def fetch_hub(
    settings: HubSettings,
    targets: Sequence[HubTarget],
    token: str | bool | None = None,
    as_of: str | None = None,
) -> Fetched:
    """`collect` against the configured endpoint, in a worker thread (the client blocks)."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=settings.endpoint, token=token)
    return await asyncio.to_thread(
        collect,
        api,
        targets,
        settings.organisations,
        settings.per_organisation,
        settings.timeout,
        as_of,
    )


def _read_repo(api: Any, target: HubTarget, timeout: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"repo": target.repo, "model": target.model}
    try:
        info = api.model_info(target.repo, timeout=timeout)
    except Exception as exc:  # the client's errors, the network's, or a reply it cannot read
        entry.update(_failure(exc))
        log.info("hub: %s: %s", target.repo, entry["error"])
        return entry
    entry.update(status="ok", info=_info(info))
    return entry


def _list_author(api: Any, author: str, org: str, limit: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"author": author, "org": org}
    try:
        found = api.list_models(author=author, sort="created_at", limit=limit, expand=EXPAND)
        models = [_info(info) for info in found]
    except Exception as exc:
        entry.update(_failure(exc))
        log.info("hub: listing %s: %s", author, entry["error"])
        return entry
    entry.update(status="ok", models=models)
    return entry


def _failure(exc: Exception) -> dict[str, str]:
    """A failed request as the body records it: its kind and a one-line reason."""
    from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

    reason = " ".join(str(exc).split())[:300] or type(exc).__name__
    if isinstance(exc, GatedRepoError):
        return {"status": "gated", "error": "gated: the Hub wants an accepted access request"}
    if isinstance(exc, RepositoryNotFoundError):
        return {"status": "not_found", "error": "no such repo (or it is private)"}
    if isinstance(exc, HfHubHTTPError):
        code = exc.response.status_code if exc.response is not None else None
        kind = "server" if code is None or code >= 500 or code == 429 else "refused"
        return {"status": kind, "error": f"HTTP {code} from the Hub"}
    if isinstance(exc, OSError | TimeoutError) or _TRANSPORT & {
        c.__name__ for c in type(exc).mro()
    }:
        return {"status": "unreachable", "error": reason}
    return {"status": "unreadable", "error": f"{type(exc).__name__}: {reason}"}


def _info(info: Any) -> dict[str, Any]:
    """The model info properties the parse step reads, by the Hub's JSON names."""
    card = info.card_data.to_dict() if info.card_data is not None else None
    safetensors = (
        {"total": info.safetensors.total, "parameters": dict(info.safetensors.parameters)}
        if info.safetensors is not None
        else None
    )
    created = info.created_at.date().isoformat() if info.created_at else None
    return {
        "id": info.id,
        "author": info.author,
        "createdAt": created,
        "gated": info.gated,
        "downloads": info.downloads,
        "likes": info.likes,
        "tags": info.tags,
        "cardData": card,
        "safetensors": safetensors,
    }


# ---- parse: the pure step -------------------------------------------------------------------


class HubAdapter:
    """The Hugging Face Hub, mapped to catalog claims (a `CollectingAdapter`: the sync engine
    schedules it and calls `collect` in place of one GET)."""

    key = "huggingface"
    source = HUB_SOURCE
    bundled: str | None = None
    # The catalog's repos are read, not listed: a repo that failed this time is no shutdown,
    # and only the watched organisations' repos are new models.
    announces = frozenset({"new_model", "license"})

    def __init__(self, settings: HubSettings | None = None, token: str | bool | None = None):
        self.settings = settings or HubSettings()
        self.token = token
        self.default_url = f"{self.settings.endpoint}/api/models"

    async def collect(self, catalog: CatalogStore, as_of: str) -> Fetched:
        """Every catalog model's repo and the watched organisations' newest repos, read now."""
        targets = hub_targets((r.model, r.repo) for r in await catalog.hub_repos())
        return await fetch_hub(self.settings, targets, self.token, as_of)

    def parse(self, fetched: Fetched) -> Batch:
        """A collected body to a batch: per repo its license (cardData license, license_name,
        license_link), base models with their relation, gating, downloads, likes and
        safetensors parameter count. Failed repos and malformed fields are skipped rows."""
        body = _load(fetched.body)
        builder = BatchBuilder(HUB_SOURCE)
        known = {
            e["repo"]: e["model"]
            for e in body["repos"]
            if isinstance(e, dict) and isinstance(e.get("repo"), str) and _named(e.get("model"))
        }
        for entry in body["repos"]:
            _parse_repo(builder, entry, known, fetched.as_of)
        for entry in body["authors"]:
            _parse_author(builder, entry, known, fetched.as_of)
        return builder.batch


def _load(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_BODY:
        raise ImportRejected(f"the Hub body is {len(data):,} bytes; the limit is {MAX_BODY:,}.")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ImportRejected(f"the Hub body is not JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("format") != BODY_FORMAT:
        raise ImportRejected(
            f"the Hub body is not a collected Hub snapshot (format {BODY_FORMAT} expected)."
        )
    for key in ("repos", "authors"):
        if not isinstance(body.get(key), list):
            raise ImportRejected(f"the Hub body has no '{key}' list.")
    return body


def _named(value: object) -> bool:
    return isinstance(value, str) and bool(clean_text(value))


def _parse_repo(builder: BatchBuilder, entry: Any, known: dict[str, str], as_of: str) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("repo"), str):
        builder.batch.skipped.append(SkippedRow("hub", "a repo entry without a 'repo'"))
        return
    repo = entry["repo"]
    if entry.get("status") != "ok":
        builder.batch.skipped.append(SkippedRow(f"repo {repo}", str(entry.get("error"))[:300]))
        return
    model = entry.get("model")
    if not isinstance(model, str) or not _named(model):
        builder.batch.skipped.append(SkippedRow(f"repo {repo}", "no catalog model named"))
        return
    _parse_info(builder, entry.get("info"), clean_text(model), None, known, as_of, new=False)


def _parse_author(builder: BatchBuilder, entry: Any, known: dict[str, str], as_of: str) -> None:
    if not isinstance(entry, dict) or not isinstance(entry.get("author"), str):
        builder.batch.skipped.append(SkippedRow("hub", "an author entry without an 'author'"))
        return
    where = f"author {entry['author']}"
    if entry.get("status") != "ok" or not isinstance(entry.get("models"), list):
        builder.batch.skipped.append(SkippedRow(where, str(entry.get("error"))[:300]))
        return
    org = entry.get("org") if _named(entry.get("org")) else entry["author"]
    for info in entry["models"]:
        repo = info.get("id") if isinstance(info, dict) else None
        if not isinstance(repo, str) or not is_repo_id(repo):
            builder.batch.skipped.append(SkippedRow(where, f"a model without a repo id: {repo!r}"))
            continue
        if repo in known:
            continue  # read as a catalog model's repo already
        name = repo.partition("/")[2]
        _parse_info(builder, info, name, org, known, as_of, new=True)


def _parse_info(
    builder: BatchBuilder,
    info: Any,
    model: str,
    org: str | None,
    known: dict[str, str],
    as_of: str,
    new: bool,
) -> None:
    if not isinstance(info, dict) or not isinstance(info.get("id"), str):
        builder.batch.skipped.append(SkippedRow(f"model {model}", "model info without an 'id'"))
        return
    repo = info["id"]
    where = f"repo {repo}"
    builder.model(ModelRec(model, org=org, aliases=(repo,)))
    prov = Provenance("huggingface", url=f"https://huggingface.co/{repo}", as_of=as_of)
    builder.fact(model, "hf_repo", repo, prov)
    card = info.get("cardData")
    card = card if isinstance(card, dict) else {}
    _license(builder, model, card, info.get("tags"), prov)
    for base, relation in base_model_tags(info.get("tags")):
        builder.lineage(model, known.get(base, base), relation, prov)
    gated = info.get("gated")
    gated_text = "false" if gated is False else gated if isinstance(gated, str) else None
    if gated_text in _GATED:
        builder.fact(model, "gated", gated_text, prov)
    elif gated is not None:
        builder.batch.skipped.append(SkippedRow(where, f"gated {gated!r} is not false/auto/manual"))
    for key in ("downloads", "likes"):
        _count(builder, model, key, info.get(key), where, prov)
    _params(builder, model, info.get("safetensors"), where, prov)
    created = parse_date(info.get("createdAt") or "")
    if new and created:
        builder.fact(model, "release_date", created, prov)


def _license(
    builder: BatchBuilder, model: str, card: dict[str, Any], tags: object, prov: Provenance
) -> None:
    """cardData license (or the 'license:' tag); 'other' is the license_name it points to."""
    text = card.get("license")
    if isinstance(text, list):
        text = next((t for t in text if isinstance(t, str)), None)
    if not isinstance(text, str) and isinstance(tags, list):
        text = next((t[8:] for t in tags if isinstance(t, str) and t.startswith("license:")), None)
    if not isinstance(text, str) or not text.strip():
        return
    name = card.get("license_name")
    if text.strip().casefold() == "other" and isinstance(name, str) and name.strip():
        text = name
    link = card.get("license_link")
    if isinstance(link, str) and link.startswith(("http://", "https://", "LICENSE")):
        prov = Provenance(prov.source, prov.url, prov.as_of, note=f"license link: {link[:200]}")
    lic = normalize_license(text)
    # A public repo holds the weights: open, of an unspecified kind when the license is unknown.
    openness = lic.openness if lic.openness is not Openness.UNKNOWN else Openness.OPEN_UNSPECIFIED
    builder.license_claim(model, text, openness, prov)


def _count(
    builder: BatchBuilder, model: str, key: str, value: object, where: str, prov: Provenance
) -> None:
    if value is None:
        return
    number = parse_number(value) if isinstance(value, int | float) else None
    if number is None or number < 0 or number != int(number):
        builder.batch.skipped.append(SkippedRow(where, f"{key} {value!r} is not a count"))
        return
    builder.fact(model, key, int(number), prov)


def _params(
    builder: BatchBuilder, model: str, safetensors: object, where: str, prov: Provenance
) -> None:
    if safetensors is None:
        return
    total = safetensors.get("total") if isinstance(safetensors, dict) else None
    number = parse_number(total) if isinstance(total, int | float) else None
    if number is None or number <= 0:
        builder.batch.skipped.append(
            SkippedRow(where, f"safetensors total {total!r} is not a parameter count")
        )
        return
    builder.fact(model, "params", int(number), prov)


def hub_targets(rows: Iterable[tuple[str, str]]) -> list[HubTarget]:
    """(model, repo) pairs to targets, one per repo (the first model named for it)."""
    seen: dict[str, HubTarget] = {}
    for model, repo in rows:
        if is_repo_id(repo) and repo not in seen:
            seen[repo] = HubTarget(repo, model)
    return list(seen.values())


ADAPTER: SyncAdapter = HubAdapter()  # what the sync engine registers under 'huggingface'
