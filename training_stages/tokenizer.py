"""The default world's tokenizer: byte-level BPE trained locally with ``tokenizers``.

Role markers are special tokens (dropped on decode); the response-format tags
are ordinary added tokens, kept whole so a tiny model sees ``<action>`` as one
symbol, and kept on decode so the grader can read them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

EOS = "<|endoftext|>"
ROLE_TOKENS = ("<|system|>", "<|user|>", "<|assistant|>")
FORMAT_TAGS = ("<think>", "</think>", "<action>", "</action>", "<report>", "</report>")

# A minimal chat template: any transformers code (and LocalCheckpointPolicy)
# renders system/user/assistant turns the way the corpus was written.
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}<|system|>{{ m['content'] }}\n"
    "{% elif m['role'] == 'user' %}<|user|>{{ m['content'] }}\n"
    "{% else %}<|assistant|>{{ m['content'] }}<|endoftext|>{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def train_tokenizer(
    texts: Iterable[str], vocab_size: int = 2000, tool_names: Iterable[str] = ()
) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on ``texts`` and wrap it for transformers.

    Args:
        texts: The training corpus (iterated once).
        vocab_size: Target size of the BPE vocabulary.
        tool_names: Action names to keep as single tokens, as agent models have
            tool tokens: a tiny model then picks a tool instead of spelling it.
    """
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[EOS, *ROLE_TOKENS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=EOS,
        bos_token=EOS,
        pad_token=EOS,
        additional_special_tokens=list(ROLE_TOKENS),
    )
    wrapped.add_tokens(list(FORMAT_TAGS))
    wrapped.add_tokens(sorted(set(tool_names)))
    wrapped.chat_template = CHAT_TEMPLATE
    wrapped.padding_side = "left"
    return wrapped
