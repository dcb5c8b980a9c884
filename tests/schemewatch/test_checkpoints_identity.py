"""A checkpoint's identity is its content: the same for a copy, different when the weights change, hashed once."""

import os
import shutil

from schemewatch.checkpoints import CONTENT_FILE, content_hash, local_policy_name


def test_a_copy_has_the_same_hash_and_a_changed_weight_another(tiny_checkpoint, tmp_path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(tiny_checkpoint, copy)
    assert content_hash(copy) == content_hash(tiny_checkpoint)
    assert local_policy_name(copy) == local_policy_name(tiny_checkpoint)
    with open(copy / "model.safetensors", "r+b") as f:
        f.seek(-8, os.SEEK_END)
        f.write(b"\x00" * 8)
    assert content_hash(copy) != content_hash(tiny_checkpoint)


def test_the_hash_is_cached_beside_the_checkpoint_and_reused(tiny_checkpoint, tmp_path, monkeypatch) -> None:
    copy = tmp_path / "c"
    shutil.copytree(tiny_checkpoint, copy)
    first = content_hash(copy)
    assert (copy / CONTENT_FILE).is_file()
    import hashlib

    monkeypatch.setattr(hashlib, "sha256", lambda *a: (_ for _ in ()).throw(AssertionError("re-hashed")))
    assert content_hash(copy) == first  # read from the cache: no hashing
