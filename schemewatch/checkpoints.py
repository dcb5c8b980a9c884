"""Where checkpoints live and how a reference (path or alias) finds one.

A checkpoint is a ``save_pretrained`` directory (safetensors) plus
``schemewatch_checkpoint.json`` recording its id, stage, position in the chain
and parent. A store is a folder of such directories with ``aliases.json``
mapping aliases (``base``, ``as-sft``, ``as-rl``, ``cap-1``, …) to ids.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from schemewatch.files import atomic_write_text

META_FILE = "schemewatch_checkpoint.json"
ALIASES_FILE = "aliases.json"
CONTENT_FILE = "schemewatch_content.json"
# What makes a checkpoint's behaviour: its weights, its config and its tokenizer.
_CONTENT_SUFFIXES = (".safetensors", ".json", ".jinja", ".model", ".txt")


class CheckpointNotFoundError(LookupError):
    """A checkpoint reference that resolves to nothing; the message says what to do."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class CheckpointInfo:
    """Identity and provenance of one checkpoint.

    Attributes:
        id: Unique id (also the directory name inside a store).
        stage: Stage name (``base``, ``as-sft``, ``as-rl``, ``cap-1``, … or ``external``).
        stage_index: Position in the training chain (0 = base; -1 when unknown).
        parent_id: The checkpoint this one was trained from, if any.
        path: The directory.
    """

    id: str
    stage: str
    stage_index: int
    parent_id: str | None
    path: Path

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


def write_checkpoint_meta(info: CheckpointInfo, extra: dict[str, object] | None = None) -> None:
    """Record ``info`` (plus ``extra``, e.g. the stage config) inside its directory."""
    meta = {k: v for k, v in info.to_dict().items() if k != "path"} | (extra or {})
    atomic_write_text(info.path / META_FILE, json.dumps(meta, indent=2, sort_keys=True))


def read_checkpoint(path: str | Path) -> CheckpointInfo:
    """Identify the checkpoint in directory ``path``.

    A directory without schemewatch metadata (any causal-LM directory) is an
    ``external`` checkpoint named after the directory.
    """
    path = Path(path)
    if not path.is_dir():
        raise CheckpointNotFoundError(f"checkpoint directory {str(path)!r} does not exist")
    meta_path = path / META_FILE
    if not meta_path.is_file():
        if not (path / "config.json").is_file():
            raise CheckpointNotFoundError(
                f"{str(path)!r} is not a model checkpoint (no config.json)"
            )
        # Two directories may share a name (…/a/final, …/b/final): the id carries a path hash.
        resolved = str(path.resolve())
        digest = hashlib.sha256(resolved.encode()).hexdigest()[:8]
        return CheckpointInfo(f"{path.resolve().name}-{digest}", "external", -1, None, path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return CheckpointInfo(
            str(meta["id"]), str(meta["stage"]), int(meta["stage_index"]), meta.get("parent_id"), path
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CheckpointNotFoundError(
            f"{str(meta_path)!r} is corrupt ({exc.__class__.__name__}); re-create the checkpoint"
        ) from None


def content_hash(path: str | Path) -> str:
    """A sha256 of the checkpoint's weights, config and tokenizer files: its identity wherever it lies.

    Computed once and cached beside it (``schemewatch_content.json``, keyed by each
    file's size and mtime), so a large checkpoint is not re-hashed every night; a
    copied or re-spelled directory has the same hash.
    """
    path = Path(path)
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in _CONTENT_SUFFIXES
                   and p.name not in (META_FILE, CONTENT_FILE))
    stats = {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in files}
    cache_path = path / CONTENT_FILE
    try:
        cached = json.loads(cache_path.read_text(encoding="utf-8"))
        if cached.get("stats") == stats:
            return str(cached["sha256"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    digest = hashlib.sha256()
    for p in files:
        digest.update(p.name.encode() + b"\x00")
        with open(p, "rb") as f:
            for block in iter(lambda f=f: f.read(1 << 20), b""):
                digest.update(block)
    sha = digest.hexdigest()
    try:  # a read-only checkpoint still evaluates; it is just hashed again next time
        atomic_write_text(cache_path, json.dumps({"sha256": sha, "stats": stats}, sort_keys=True))
    except OSError:
        pass
    return sha


def local_policy_name(path: str | Path) -> str:
    """The name a local checkpoint's policy reports (part of evaluation run ids): its content, not its path."""
    return f"local:{content_hash(path)[:16]}"


class CheckpointStore:
    """A folder of checkpoints with aliases."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path_for(self, checkpoint_id: str) -> Path:
        return self.root / checkpoint_id

    def aliases(self) -> dict[str, str]:
        """Alias → checkpoint id."""
        path = self.root / ALIASES_FILE
        if not path.is_file():
            return {}
        return dict(json.loads(path.read_text(encoding="utf-8")))

    def set_alias(self, alias: str, checkpoint_id: str) -> None:
        """Point ``alias`` at ``checkpoint_id`` (writes nothing when it already does)."""
        if self.aliases().get(alias) == checkpoint_id:
            return
        aliases = self.aliases() | {alias: checkpoint_id}
        atomic_write_text(self.root / ALIASES_FILE, json.dumps(aliases, indent=2, sort_keys=True))

    def list(self) -> list[CheckpointInfo]:
        """Every checkpoint in the store, in training order."""
        if not self.root.is_dir():
            return []
        found = [read_checkpoint(p) for p in self.root.iterdir() if (p / META_FILE).is_file()]
        return sorted(found, key=lambda c: (c.stage_index, c.id))

    def id_or_name(self, ref: str) -> str:
        """The id of the checkpoint ``ref`` names (alias, id or checkpoint directory); else ``ref`` itself.

        For runs filed under a model this store did not train (an Inspect log's model, an endpoint's
        name): such a name is kept as given, never read as a path.
        """
        aliases = self.aliases()
        if ref in aliases:
            return aliases[ref]
        if (self.root / ref / META_FILE).is_file() or (Path(ref) / META_FILE).is_file():
            return self.resolve(ref).id
        return ref

    def resolve(self, ref: str) -> CheckpointInfo:
        """A checkpoint by directory path, alias or id.

        Raises:
            CheckpointNotFoundError: naming the known aliases and what to run.
        """
        aliases = self.aliases()
        if ref in aliases:
            return read_checkpoint(self.path_for(aliases[ref]))
        if (self.root / ref / META_FILE).is_file():
            return read_checkpoint(self.root / ref)
        if Path(ref).is_dir() or os.sep in ref or ref.startswith("."):
            return read_checkpoint(ref)
        known = ", ".join(sorted(aliases)) or "none yet (run `schemewatch train`)"
        raise CheckpointNotFoundError(
            f"unknown checkpoint alias {ref!r}; known aliases: {known}; or pass a checkpoint directory"
        )
