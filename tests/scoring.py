"""Score extraction against the human-written expectations in tests/expectations/.

Each expectation file says what a careful reader finds in one article: the
names mentioned, the statements with speaker and language, the new things, the
relations and the roles. The score is the share of each the extractor finds.
`python tests/scoring.py` prints the table; test_extract_expectations.py
holds the floors.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from spacekg.extract.model import Findings
from spacekg.extract.text import fold
from spacekg.vocab import SKG

EXPECTATIONS = Path(__file__).parent / "expectations"

RELATIONS = {
    "participatesIn": SKG.participatesIn,
    "partOfMission": SKG.partOfMission,
    "carries": SKG.carries,
    "affiliatedWith": SKG.affiliatedWith,
    "headOf": SKG.headOf,
    "twinOf": SKG.twinOf,
}


@dataclass
class Score:
    found: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str) -> None:
        self.total += 1
        self.found += ok
        if not ok:
            self.misses.append(what)

    @property
    def ratio(self) -> float:
        return self.found / self.total if self.total else 1.0


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", fold(text)).casefold()


def _names(findings: Findings, iri: object) -> set[str]:
    entry = findings.gazetteer.entries.get(iri)  # type: ignore[call-overload]
    names = set(findings.gazetteer.names_of(iri)) | ({entry.label} if entry else set())  # type: ignore[arg-type]
    return {_norm(n) for n in names}


def _same_agent(findings: Findings, iri: object, expected: str) -> bool:
    names = _names(findings, iri)
    wanted = _norm(expected)
    return wanted in names or any(
        wanted and (wanted in n or n in wanted) for n in names if len(n) > 3
    )


#: What each relation links, in our ontology; expectations outside it are not scored
#: (a person "participating" in a mission, a head of a country, a rocket "carrying" a craft).
DOMAINS = {
    "participatesIn": (SKG.Organization, SKG.Mission),
    "partOfMission": (SKG.Spacecraft, SKG.Mission),
    "carries": (SKG.Spacecraft, SKG.Spacecraft),
    "affiliatedWith": (SKG.Person, SKG.Organization),
    "headOf": (SKG.Person, SKG.Organization),
    "twinOf": (SKG.Spacecraft, SKG.Spacecraft),
}


def _in_model(findings: Findings, subject: str, predicate: str, obj: str) -> bool:
    domain, range_ = DOMAINS[predicate]

    subjects = findings.gazetteer.lookup(subject)
    objects = findings.gazetteer.lookup(obj)
    return any(e.is_a(domain) for e in subjects) and any(e.is_a(range_) for e in objects)


def score(findings: Findings, expected: dict) -> dict[str, Score]:  # type: ignore[type-arg]
    scores = {
        k: Score()
        for k in (
            "mentions",
            "statements",
            "precision",
            "speakers",
            "languages",
            "roles",
            "relations",
        )
    }
    anchors = {_norm(findings.text[m.span.begin : m.span.end]) for m in findings.mentions}
    for name in expected["mentions"]:
        # An alias may carry more words than the name a reader noted ("the Moon").
        wanted = _norm(name)
        scores["mentions"].add(any(wanted in anchor for anchor in anchors), name)

    statements = findings.posts + findings.quotes
    for want in expected["statements"]:
        start = _norm(want["text_start"])[:20]
        got = next((s for s in statements if _norm(s.text).startswith(start)), None)
        if got is None:
            got = next((s for s in statements if start in _norm(s.text)), None)
        what = f"{want['kind']} by {want['speaker']}: {want['text_start']!r}"
        scores["statements"].add(got is not None, what)
        if got is not None:
            assert got.speaker is not None
            scores["speakers"].add(
                _same_agent(findings, got.speaker.iri, want["speaker"]),
                f"{what} -> {got.speaker.label}",
            )
            scores["languages"].add(got.lang == want["lang"], f"{what} -> {got.lang}")

    starts = [_norm(w["text_start"])[:20] for w in expected["statements"]]
    for statement in statements:
        text = _norm(statement.text)
        scores["precision"].add(
            any(text.startswith(start) or start in text for start in starts),
            f"{statement.kind}: {statement.text[:40]!r}",
        )

    positions = {(s, o) for s, p, o in findings.facts if p == SKG.holdsPosition}
    titles = {s: str(o) for s, p, o in findings.facts if p == SKG.roleTitle}
    for known in findings.gazetteer.positions.values():
        for position, _, names in known:
            titles.setdefault(position, " ".join(names))
    for want in expected.get("people_roles", []):
        ok = any(
            _same_agent(findings, person, want["person"])
            and _norm(want["role"]) in _norm(titles.get(position, ""))
            for person, position in positions
        )
        scores["roles"].add(ok, f"{want['person']}: {want['role']}")

    for subject, predicate, obj in expected.get("relations", []):
        if predicate not in RELATIONS or not _in_model(findings, subject, predicate, obj):
            continue
        ok = any(
            p == RELATIONS[predicate]
            and _same_agent(findings, s, subject)
            and _same_agent(findings, o, obj)
            for s, p, o in findings.facts
        )
        scores["relations"].add(ok, f"{subject} {predicate} {obj}")
    return scores


def load(stem: str) -> dict:  # type: ignore[type-arg]
    return json.loads((EXPECTATIONS / f"{stem}.json").read_text(encoding="utf-8"))


def main() -> None:
    from spacekg.articles import read_article
    from spacekg.build import load_graph, load_reference
    from spacekg.extract import Gazetteer, analyse
    from spacekg.vocab import Iris

    root = Path(__file__).parent.parent
    gazetteer = Gazetteer.from_graph(
        load_reference(root / "data" / "reference", Iris()),
        load_graph(root / "ontology" / "spacekg.ttl"),
    )
    totals: dict[str, Score] = {}
    for path in sorted((root / "data" / "articles").glob("*.txt")):
        findings = analyse(read_article(path, 10**7), gazetteer, Iris())
        scores = score(findings, load(path.stem))
        print(path.stem, "  ".join(f"{k} {s.found}/{s.total}" for k, s in scores.items()))
        for key, value in scores.items():
            total = totals.setdefault(key, Score())
            total.found += value.found
            total.total += value.total
            for miss in value.misses:
                print(f"    miss {key}: {miss}")
    print("ALL", "  ".join(f"{k} {s.ratio:.0%}" for k, s in totals.items()))


if __name__ == "__main__":
    main()
