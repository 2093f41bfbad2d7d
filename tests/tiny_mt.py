"""Tiny CTranslate2 translation models built on the spot, with no download and no torch: a sentencepiece
model trained on a few sentences and a Transformer spec filled with numpy weights.

The weights make a "chain" model: every layer's weights are zero (each sublayer adds nothing to its
residual), the decoder's embeddings are one-hot and its output projection maps each token to the next
token of a fixed answer. So a model answers one known sentence per target language, whatever it reads:
enough to check the plumbing (tokenise, translate, detokenise, pivot, language tokens) exactly.
"""

from __future__ import annotations

import io
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

SENTENCES = {
    "ti": ["ሰላም ከመይ ኣለኹም", "ስራሕ ይደሊ ኣለኹ", "ኣብ ሆላንድ ክሰርሕ ይደሊ"],
    "en": ["hello world", "i am looking for work", "i want to work in the netherlands"],
    "nl": ["hallo wereld", "ik zoek werk", "ik wil in nederland werken"],
    "ar": ["مرحبا بالعالم", "أبحث عن عمل", "أريد أن أعمل في هولندا"],
}
# What a tiny model answers in each target language.
ANSWERS = {"en": "hello world", "nl": "hallo wereld", "ti": "ሰላም ከመይ", "ar": "مرحبا بالعالم"}
SPECIALS = ["<unk>", "<s>", "</s>"]
D_MODEL = 64


def train_spm(sentences: list[str], path: Path) -> list[str]:
    """A word-level sentencepiece model of these sentences; returns its pieces in id order."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(sentences * 3),
        model_writer=model,
        model_type="word",
        vocab_size=len({w for s in sentences for w in s.split()}) + len(SPECIALS),
        hard_vocab_limit=False,
        character_coverage=1.0,
        minloglevel=2,
    )
    path.write_bytes(model.getvalue())
    processor = spm.SentencePieceProcessor(model_proto=model.getvalue())
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def _norm(layer_norm: Any) -> None:
    layer_norm.gamma = np.ones(D_MODEL, np.float32)
    layer_norm.beta = np.zeros(D_MODEL, np.float32)


def _fill_layer(layer: Any) -> None:
    """Zero weights: attention and feed-forward add nothing, the residual passes the embedding through."""
    ffn = layer.ffn
    _norm(ffn.layer_norm)
    ffn.linear_0.weight = np.zeros((4, D_MODEL), np.float32)
    ffn.linear_0.bias = np.zeros(4, np.float32)
    ffn.linear_1.weight = np.zeros((D_MODEL, 4), np.float32)
    ffn.linear_1.bias = np.zeros(D_MODEL, np.float32)
    attentions = [layer.self_attention]
    if hasattr(layer, "attention"):
        attentions.append(layer.attention)
    for attention in attentions:
        _norm(attention.layer_norm)
        shapes = [3 * D_MODEL, D_MODEL] if len(attention.linear) == 2 else [D_MODEL, 2 * D_MODEL, D_MODEL]
        for linear, rows in zip(attention.linear, shapes, strict=True):
            linear.weight = np.zeros((rows, D_MODEL), np.float32)
            linear.bias = np.zeros(rows, np.float32)


def save_chain_model(
    path: Path, source_vocab: list[str], target_vocab: list[str], chains: dict[str, list[str]], start: str
) -> None:
    """A Transformer whose decoder, from each key of `chains`, writes that chain's tokens and then </s>."""
    from ctranslate2.specs import transformer_spec

    assert len(target_vocab) <= D_MODEL
    assert len(source_vocab) <= D_MODEL
    spec = transformer_spec.TransformerSpec.from_config(1, 2)
    rng = np.random.default_rng(0)
    for side in (spec.encoder, spec.decoder):
        side.scale_embeddings = False
        side.position_encodings.encodings = np.zeros((512, D_MODEL), np.float32)
        _norm(side.layer_norm)
        for layer in side.layer:
            _fill_layer(layer)
    spec.encoder.embeddings[0].weight = rng.normal(size=(len(source_vocab), D_MODEL)).astype(np.float32)
    spec.decoder.embeddings.weight = 10 * np.eye(len(target_vocab), D_MODEL, dtype=np.float32)
    index = {token: i for i, token in enumerate(target_vocab)}
    projection = np.zeros((len(target_vocab), D_MODEL), np.float32)
    for first, tokens in chains.items():
        sequence = [first, *tokens, "</s>"]
        for previous, following in pairwise(sequence):
            projection[index[following], index[previous]] = 10.0
    spec.decoder.projection.weight = projection
    bias = np.zeros(len(target_vocab), np.float32)
    bias[index["</s>"]] = 1.0  # anything off the chains ends the sentence
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(source_vocab)
    spec.register_target_vocabulary(target_vocab)
    spec.config.decoder_start_token = start
    spec.validate()
    spec.optimize(quantization=None)
    spec.save(str(path))


def build_marian_pair(root: Path, source: str, target: str) -> Path:
    """`root/<source>-<target>/` as ct2-transformers-converter leaves an OPUS-MT model (with its .spm files)."""
    import sentencepiece as spm

    pair = root / f"{source}-{target}"
    pair.mkdir(parents=True)
    source_vocab = train_spm(SENTENCES[source], pair / "source.spm")
    target_vocab = train_spm(SENTENCES[target], pair / "target.spm")
    answer = spm.SentencePieceProcessor(model_file=str(pair / "target.spm")).encode(ANSWERS[target], out_type=str)
    save_chain_model(pair, source_vocab, target_vocab, {"<s>": answer}, start="<s>")
    return pair


def build_nllb(root: Path, name: str = "nllb-tiny") -> Path:
    """An NLLB-like model: one sentencepiece model for every language, the target chosen by its language token."""
    import sentencepiece as spm

    from bot.translate.models import NLLB_CODES

    model = root / name
    model.mkdir(parents=True)
    pieces = train_spm([s for sentences in SENTENCES.values() for s in sentences], model / "sentencepiece.bpe.model")
    vocab = [*pieces, *NLLB_CODES.values()]
    processor = spm.SentencePieceProcessor(model_file=str(model / "sentencepiece.bpe.model"))
    chains = {code: processor.encode(ANSWERS[lang], out_type=str) for lang, code in NLLB_CODES.items()}
    save_chain_model(model, vocab, vocab, chains, start="</s>")
    return model
