"""The owlrl path (`reasoning.reason`) against the compiled rules (`rules.reason`) on one corpus.

    python -m bench.reasoning                      # data/articles
    python -m bench.reasoning --count 300          # 300 synthetic articles (seed 7)
    python -m bench.reasoning --count 1000 --owlrl-limit 900

Builds the asserted graph as the build does (reference data, then every
article through the real extractor), runs both reasoners on it, and prints
their times, the inferred triple counts and whether the inferred graphs are
equal. owlrl is given at most `--owlrl-limit` seconds (default 15 minutes);
past that its row says so and equality is not checked.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from pathlib import Path
from types import FrameType

from rdflib import Graph

from bench.generate import generate
from spacekg import reasoning, rules
from spacekg.articles import read_article
from spacekg.build import load_graph, load_reference
from spacekg.extract import Gazetteer, extract
from spacekg.vocab import Iris

ROOT = Path(__file__).resolve().parents[1]
MAX_ARTICLE_BYTES = 10_000_000


def asserted_graph(ontology: Graph, reference_dir: Path, articles_dir: Path, iris: Iris) -> Graph:
    """Reference data plus every article's extracted graph, as `spacekg.build` assembles them."""
    reference = load_reference(reference_dir, iris)
    gazetteer = Gazetteer.from_graph(reference, ontology)
    asserted = Graph()
    asserted += reference
    for path in sorted(articles_dir.glob("*.txt")):
        asserted += extract(read_article(path, MAX_ARTICLE_BYTES), gazetteer, iris)
    return asserted


class _OutOfTime(Exception):
    pass


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _OutOfTime


def compare(ontology: Graph, asserted: Graph, iris: Iris, owlrl_limit: int) -> list[str]:
    """Run both reasoners; one printable line each, and whether their graphs agree."""
    started = time.perf_counter()
    fast = rules.reason(ontology, asserted, iris)
    fast_seconds = time.perf_counter() - started
    lines = [
        f"rules  {fast_seconds:8.2f} s  inferred {len(fast.inferred):>9,}  engine {fast.engine}"
        + (f" ({fast.note})" if fast.note else "")
    ]
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(owlrl_limit)
    started = time.perf_counter()
    try:
        slow = reasoning.reason(ontology, asserted, iris)
    except _OutOfTime:
        lines.append(f"owlrl  > {owlrl_limit} s: stopped, not compared")
        return lines
    finally:
        signal.alarm(0)
    slow_seconds = time.perf_counter() - started
    lines.append(
        f"owlrl  {slow_seconds:8.2f} s  inferred {len(slow.inferred):>9,}  noise {slow.noise:,}"
    )
    equal = set(fast.inferred) == set(slow.inferred)
    lines.append(f"equal  {equal}   speed-up x{slow_seconds / fast_seconds:.0f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, help="synthetic articles (default: data/articles)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--ontology", type=Path, default=ROOT / "ontology" / "spacekg.ttl")
    parser.add_argument("--owlrl-limit", type=int, default=900, help="seconds (default 900)")
    args = parser.parse_args()

    iris = Iris()
    ontology = load_graph(args.ontology)
    reference_dir = args.data / "reference"
    with tempfile.TemporaryDirectory() as scratch:
        if args.count is None:
            articles_dir, corpus = args.data / "articles", str(args.data / "articles")
        else:
            articles_dir = Path(scratch)
            generate(args.count, args.seed, articles_dir, reference_dir)
            corpus = f"{args.count} synthetic articles, seed {args.seed}"
        started = time.perf_counter()
        asserted = asserted_graph(ontology, reference_dir, articles_dir, iris)
        print(f"corpus {corpus}: {len(asserted):,} asserted triples")
        print(f"extract {time.perf_counter() - started:7.2f} s")
    for line in compare(ontology, asserted, iris, args.owlrl_limit):
        print(line)


if __name__ == "__main__":
    main()
