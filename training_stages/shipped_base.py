"""The default world's pretrained base, shipped with the project (one folder, hashed).

Like the paper's chain, which starts from a pretrained model, ours starts from
a base pretrained once, at length, and committed in ``training_stages/default_base``:
safetensors weights, the tokenizer, and ``manifest.json`` with each file's
sha256, the base config it was trained with, the corpus hash, the command that
rebuilds it, when, on what machine, and how long it took. Every run checks the
hashes before using it; the base config of a run must equal the manifest's,
otherwise the run says how to pretrain a base of its own (``base.source =
"scratch"``, or ``schemewatch train --stages base --from-scratch``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemewatch.files import share_like_ordinary_files

SHIPPED_BASE_DIR = Path(__file__).parent / "default_base"
MANIFEST_FILE = "manifest.json"
REBUILD_COMMAND = "schemewatch train --stages base --from-scratch --export-base training_stages/default_base"


class ShippedBaseError(RuntimeError):
    """The shipped base is missing, altered, or does not match the run's base config."""


def sha256_file(path: Path) -> str:
    """The file's sha256, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _content_hash(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def corpus_hash(base_config: Any) -> str:
    """A hash of the pretraining corpus that ``base_config`` builds (every transcript's text)."""
    from training_stages.corpus import build_corpus

    digest = hashlib.sha256()
    for t in build_corpus(base_config.corpus):
        digest.update(f"{t.system}\x1f{t.prompt}\x1f{t.response}\x1e".encode())
    return digest.hexdigest()


def export_base(checkpoint_dir: Path, dest: Path, *, base_config: Any, seed: int, seconds: float,
                metrics: dict[str, Any]) -> dict[str, Any]:
    """Copy a trained base checkpoint to ``dest`` with its manifest; returns the manifest.

    Written into a temporary sibling and renamed into place, so ``dest`` is never half-written.
    """
    import torch

    from schemewatch.checkpoints import META_FILE

    dest = Path(dest)
    tmp = dest.with_name(f".tmp-{dest.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    # What save_pretrained wrote for the model and its tokenizer; the store's own metadata stays behind.
    names = sorted(p.name for p in Path(checkpoint_dir).iterdir() if p.is_file() and p.name != META_FILE)
    for name in names:
        shutil.copy2(Path(checkpoint_dir) / name, tmp / name)
    share_like_ordinary_files(tmp)
    files = {name: sha256_file(tmp / name) for name in names}
    manifest = {
        "format": 1,
        "sha256": _content_hash(files),
        "files": files,
        "base_config": base_config.model_dump(mode="json", exclude={"source"}),
        "seed": seed,
        "corpus_sha256": corpus_hash(base_config),
        "command": REBUILD_COMMAND,
        # When the weights were written (the export may come later).
        "trained_at": datetime.fromtimestamp((Path(checkpoint_dir) / "model.safetensors").stat().st_mtime, UTC)
        .isoformat(timespec="seconds"),
        "train_seconds": round(seconds, 1),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "python": platform.python_version(), "torch": torch.__version__},
        "metrics": {k: v for k, v in metrics.items() if isinstance(v, int | float)},
    }
    (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    read_manifest.cache_clear()
    return manifest


@cache
def read_manifest(folder: Path = SHIPPED_BASE_DIR) -> dict[str, Any]:
    """The shipped base's manifest (not yet checked against its files)."""
    path = Path(folder) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ShippedBaseError(f"the shipped base's manifest {str(path)!r} cannot be read ({exc.__class__.__name__}); "
                               f"restore it from git or rebuild it: `{REBUILD_COMMAND}`") from None
    if not isinstance(manifest, dict) or not {"sha256", "files", "base_config"} <= manifest.keys():
        raise ShippedBaseError(f"{str(path)!r} is not a shipped-base manifest; restore it from git or rebuild it: "
                               f"`{REBUILD_COMMAND}`")
    return manifest


def shipped_base_id(folder: Path = SHIPPED_BASE_DIR) -> str:
    """The shipped base's checkpoint id: its content hash, so a copy anywhere is the same checkpoint."""
    return f"base-{read_manifest(folder)['sha256'][:10]}"


def verify_shipped_base(folder: Path = SHIPPED_BASE_DIR) -> dict[str, Any]:
    """Check every shipped file against the manifest's sha256; returns the manifest.

    Raises:
        ShippedBaseError: a file is missing or altered (the message names it and the rebuild command).
    """
    manifest = read_manifest(folder)
    for name, expected in manifest["files"].items():
        path = Path(folder) / name
        if not path.is_file():
            raise ShippedBaseError(f"the shipped base lacks {name} ({str(folder)!r}); restore it from git "
                                   f"(`git checkout -- {folder}`) or rebuild it: `{REBUILD_COMMAND}`")
        if sha256_file(path) != expected:
            raise ShippedBaseError(f"the shipped base's {name} does not match its manifest's sha256 (altered or a "
                                   f"git-lfs pointer?); restore it from git or rebuild it: `{REBUILD_COMMAND}`")
    if _content_hash(manifest["files"]) != manifest["sha256"]:
        raise ShippedBaseError(f"the shipped base's manifest hash does not match its file list; rebuild it: "
                               f"`{REBUILD_COMMAND}`")
    return manifest


def config_mismatch(base_config: Any, folder: Path = SHIPPED_BASE_DIR) -> list[str]:
    """The base-config fields (dotted) in which ``base_config`` differs from the shipped base's."""
    wanted = base_config.model_dump(mode="json", exclude={"source"})
    shipped = read_manifest(folder)["base_config"]
    try:
        # Read through today's model: a field added after the base was trained (absent from its manifest)
        # takes its default, which by the fields' contract reproduces what the base was trained on.
        shipped = type(base_config).model_validate(shipped).model_dump(mode="json", exclude={"source"})
    except ValidationError:
        pass  # a field since removed or renamed: compare as written, so that it shows up as a difference

    def diff(a: Any, b: Any, prefix: str) -> list[str]:
        if isinstance(a, dict) and isinstance(b, dict):
            return [d for k in sorted(a.keys() | b.keys()) for d in diff(a.get(k), b.get(k), f"{prefix}{k}.")]
        return [] if a == b else [prefix.rstrip(".")]

    return diff(wanted, shipped, "")


def install_shipped_base(dest: Path, base_config: Any, folder: Path = SHIPPED_BASE_DIR) -> dict[str, Any]:
    """Verify the shipped base and copy its files into the checkpoint directory ``dest``.

    Raises:
        ShippedBaseError: the files fail their hashes, or ``base_config`` is not the one it was trained with.
    """
    manifest = verify_shipped_base(folder)
    differs = config_mismatch(base_config, folder)
    if differs:
        raise ShippedBaseError(
            f"the shipped base was pretrained with another [base] config (differs in: {', '.join(differs)}); "
            'set `source = "scratch"` under [base] to pretrain one, or run `schemewatch train --stages base '
            "--from-scratch`"
        )
    dest.mkdir(parents=True, exist_ok=True)
    for name in manifest["files"]:
        shutil.copy2(Path(folder) / name, dest / name)
    share_like_ordinary_files(dest)
    return manifest
