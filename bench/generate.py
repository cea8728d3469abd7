"""Synthetic articles of the genre, for benchmarks and scale tests.

    python -m bench.generate --count 1000 --seed 7 --out bench/corpus/1000

Each article is text, not triples: it goes through the real extractor. The
named things come from the reference gazetteer (data/reference/): agencies
with their missions and spacecraft, people with their positions and
accounts, events that postpone launches. Sentences follow the genre's
phrasings (posts with signatures, quotes in every attribution style, roles,
postponements with causes), so extraction, reasoning and the store see data
of the shape real articles give. The same seed gives the same corpus.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, URIRef

from spacekg.build import load_reference
from spacekg.vocab import SKG, Iris

MONTHS = "January February March April May June July August September October November December"


@dataclass(frozen=True)
class World:
    """What the generator can write about, read once from the reference data."""

    missions: list[tuple[str, list[str], list[tuple[str, URIRef]]]]  # name, agencies, crafts
    people: list[tuple[str, str, str | None, str | None]]  # name, role, org, handle
    events: list[str]
    bodies: list[str]


def _label(graph: Graph, node: URIRef) -> str | None:
    for label in graph.objects(node, RDFS.label):
        if isinstance(label, Literal) and label.language == "en":
            return str(label)
    return None


def load_world(reference: Graph) -> World:
    missions = []
    for mission in sorted(set(reference.subjects(RDF.type, SKG.Mission))):
        name = _label(reference, mission)  # type: ignore[arg-type]
        # Sorted everywhere: rdflib's iteration order follows the hash seed, and the
        # same seed must write the same corpus in every process.
        agencies = [
            _label(reference, a)  # type: ignore[arg-type]
            for p in (SKG.ledBy, SKG.hasParticipant)
            for a in sorted(reference.objects(mission, p))
        ]
        crafts = [
            (_label(reference, c), kind)  # type: ignore[arg-type]
            for c in sorted(reference.subjects(SKG.partOfMission, mission))
            for kind in sorted(reference.objects(c, RDF.type))
        ]
        if name and any(agencies):
            missions.append((name, [a for a in agencies if a], [c for c in crafts if c[0]]))
    people = []
    for person in sorted(set(reference.subjects(RDF.type, SKG.Person))):
        name = _label(reference, person)  # type: ignore[arg-type]
        role, org = None, None
        for position in sorted(reference.objects(person, SKG.holdsPosition)):
            role = next(
                (
                    str(t)
                    for t in sorted(reference.objects(position, SKG.roleTitle))
                    if isinstance(t, Literal) and t.language == "en"
                ),
                None,
            )
            org_iri = reference.value(position, SKG.positionIn)
            org = _label(reference, org_iri) if isinstance(org_iri, URIRef) else None  # type: ignore[arg-type]
        account = reference.value(person, SKG.hasAccount)
        handle = reference.value(account, SKG.handle) if account is not None else None
        if name and role:
            people.append((name, role, org, str(handle) if handle else None))
    events = [
        label
        for e in sorted(set(reference.subjects(RDF.type, SKG.Pandemic)))
        + sorted(set(reference.subjects(RDF.type, SKG.Event)))
        if (label := _label(reference, e))  # type: ignore[arg-type]
    ]
    bodies = [
        label
        for b in sorted(set(reference.subjects(RDF.type, SKG.CelestialBody)))
        if (label := _label(reference, b))  # type: ignore[arg-type]
    ]
    return World(missions, people, events, bodies)


QUOTE_STYLES = (
    '"{words}," {speaker} said.',
    '{speaker} had said, "{words}."',
    '"{words}", {speaker} wrote in a post.',
    "“{words},” said {speaker}.",
    '{speaker} told reporters: "{words}."',
    '{speaker} said in a statement: "{words}."',
)
WORDS = (
    "We are confident in the team and the hardware",
    "The spacecraft is healthy and performing as expected",
    "Safety comes first, and we will fly when we are ready",
    "This is a great day for science and for our partners",
    "We continue to monitor the situation closely",
    "The data we are getting back is extraordinary",
)
TAGS = ("SpaceExploration", "Launch", "Science", "Mars", "Moon", "Space")


def article(world: World, rng: random.Random, index: int) -> str:
    name, agencies, crafts = rng.choice(world.missions)
    day = date(2019, 1, 1) + timedelta(days=rng.randrange(365 * 6))
    person, role, org, handle = rng.choice(world.people)
    agency = rng.choice(agencies)
    lines = [f"date {day.isoformat()}", ""]
    lines.append(
        f"{org + chr(39) + 's ' if org else ''}{role} {person} spoke on {day:%A} about "
        f"the {name} mission, which {agency} is a part of."
    )
    lines.append("")
    if crafts:
        craft, kind = rng.choice(crafts)
        noun = str(kind).rsplit("#", 1)[-1].lower().replace("landingplatform", "landing platform")
        lines.append(
            f"The {craft} {noun} is part of the {name} mission. {_destination(world, rng, name)}"
        )
        lines.append("")
    words = rng.choice(WORDS)
    lines.append(rng.choice(QUOTE_STYLES).format(words=words, speaker=person))
    lines.append("")
    if handle:
        posted = day - timedelta(days=rng.randrange(1, 20))
        lines.append(
            f"{words}. #{rng.choice(TAGS)} https://t.co/{rng.getrandbits(32):08x} — "
            f"{person} (@{handle}) {MONTHS.split()[posted.month - 1]} {posted.day}, {posted.year}"
        )
        lines.append("")
    surname = person.split()[-1]
    lines.append(f'"{rng.choice(WORDS)}," {surname} added.')
    lines.append("")
    if world.events and rng.random() < 0.5:
        lines.append(
            f"The launch was initially scheduled for {day.year - 1} but was postponed owing to "
            f"the {rng.choice(world.events)}."
        )
    else:
        lines.append(
            f"The mission is likely to launch in {MONTHS.split()[rng.randrange(12)]} next year."
        )
    lines.append("")
    lines.append(f"Report {index}: {agency} and its partners will share more updates soon.")
    return "\n".join(lines) + "\n"


def _destination(world: World, rng: random.Random, mission: str) -> str:
    return (
        f"The {mission} mission will travel to {rng.choice(world.bodies)}." if world.bodies else ""
    )


def generate(
    count: int, seed: int, out: Path, reference_dir: Path = Path("data/reference")
) -> None:
    """Write `count` articles into `out` (created), the same ones for the same seed."""
    world = load_world(load_reference(reference_dir, Iris()))
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    width = len(str(count))
    for index in range(count):
        (out / f"synthetic-{index:0{width}d}.txt").write_text(
            article(world, rng, index), encoding="utf-8"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--reference", type=Path, default=Path("data/reference"))
    args = parser.parse_args()
    generate(args.count, args.seed, args.out, args.reference)
    print(f"wrote {args.count} articles to {args.out}")


if __name__ == "__main__":
    main()
