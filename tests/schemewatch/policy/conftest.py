"""Checkpoints shared by the policy tests."""

import pytest


@pytest.fixture(scope="module")
def early_ending_checkpoint(tiny_checkpoint, tmp_path_factory):
    """The tiny checkpoint with its end-of-sequence embedding scaled up, so that
    rows of a batch end at different steps (the untrained one rarely ends)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_checkpoint)
    model = AutoModelForCausalLM.from_pretrained(tiny_checkpoint)
    with torch.no_grad():
        model.get_input_embeddings().weight[tokenizer.eos_token_id] *= 2.0
    path = tmp_path_factory.mktemp("ckpt") / "early-ending"
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path
