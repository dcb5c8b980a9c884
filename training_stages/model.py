"""The default world's model: a small GPT-2 built from a config, random init.

Pure: a config dataclass and a constructor; no I/O, no logging (nanoGPT style).
"""

from __future__ import annotations

from dataclasses import dataclass

from transformers import GPT2Config, GPT2LMHeadModel


@dataclass(frozen=True)
class TinyModelConfig:
    """Shape of the default world's causal LM.

    Measured here: with 4 layers × 128 dims the action follows the reasoning
    as the corpus teaches (see ``ModelShape.n_layer``; 3 layers not tried);
    2 layers train twice as fast (../shared/NOTES.md: ~18 k tokens/s on 2 CPU
    cores) but pick tools almost regardless of what they reasoned.
    """

    n_layer: int = 4
    n_embd: int = 128
    n_head: int = 4
    n_positions: int = 1024
    dropout: float = 0.0


def build_model(vocab_size: int, eos_token_id: int, config: TinyModelConfig = TinyModelConfig()) -> GPT2LMHeadModel:
    """A randomly initialised GPT-2 of the given shape."""
    hf_config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=config.n_positions,
        n_embd=config.n_embd,
        n_layer=config.n_layer,
        n_head=config.n_head,
        resid_pdrop=config.dropout,
        embd_pdrop=config.dropout,
        attn_pdrop=config.dropout,
        bos_token_id=eos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=eos_token_id,
    )
    return GPT2LMHeadModel(hf_config)
