"""The benchmark corpora: N synthetic articles (bench/generate.py) beside the real gazetteer.

A corpus is a data folder as the build reads it (`articles/`, `reference/`),
written once per size and seed and reused: the generator is deterministic, so
a folder holding the right number of articles for the seed is the corpus.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from bench.generate import generate

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "data" / "reference"
ONTOLOGY = ROOT / "ontology"


@dataclass(frozen=True)
class Corpus:
    size: int
    seed: int
    data: Path  # holds articles/ and reference/

    @property
    def articles(self) -> Path:
        return self.data / "articles"


def prepare(size: int, seed: int, directory: Path) -> Corpus:
    """The corpus of `size` articles for `seed` under `directory`, generated when missing."""
    data = directory / f"{size}-seed{seed}"
    stamp = data / ".complete"
    if not stamp.exists():
        if data.exists():
            shutil.rmtree(data)
        generate(size, seed, data / "articles", REFERENCE)
        # A copy, not a link: the build fingerprints its inputs by path and mtime.
        shutil.copytree(REFERENCE, data / "reference")
        stamp.write_text(f"{size} articles, seed {seed}\n")
    return Corpus(size, seed, data)
