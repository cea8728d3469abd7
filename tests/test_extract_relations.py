"""Relations, dates and new things the text states; one regression test per bug found."""

from __future__ import annotations

from datetime import date

from .tiny_gazetteer import facts_of, findings_of


def test_a_lander_carries_the_rover_that_flies_with_it() -> None:
    facts = facts_of("The rover Pathmaker will fly to the Moon with the Heron landing platform.")
    assert ("heron", "carries", "pathmaker") in facts


def test_agencies_named_with_a_joint_mission_take_part_in_it() -> None:
    facts = facts_of("Moonshot 7 is a joint mission planned by the Orbital Agency and partners.")
    assert ("orbital-agency", "participatesIn", "moonshot-7") in facts


def test_a_possessive_with_an_acronym_still_names_the_organization() -> None:
    facts = facts_of("The Orbital Agency's (OA) Moonshot 7 reached orbit.")
    assert ("orbital-agency", "participatesIn", "moonshot-7") in facts


def test_a_postponement_keeps_its_old_date_and_its_cause() -> None:
    facts = facts_of(
        "Moonshot 7 was initially scheduled for 2020 but was postponed owing to the Great Flu."
    )
    postponements = {s for s, p, o in facts if p == "postponementOf" and o == "moonshot-7"}
    [node] = postponements
    assert (node, "previousDate", "2020") in facts
    assert (node, "causedBy", "great-flu") in facts


def test_a_postponement_belongs_to_the_article_s_mission_not_one_named_in_passing() -> None:
    """Bug: "the mission, a follow-on to Moonshot 6, was delayed due to …" was read as a
    postponement of Moonshot 6, the last mission named, not of the article's own."""
    facts = facts_of(
        "Moonshot 7 landed. Moonshot 7 is on the Moon. "
        "The mission, a follow-on to Moonshot 6, was delayed due to the Great Flu."
    )
    assert {o for _, p, o in facts if p == "postponementOf"} == {"moonshot-7"}


def test_an_earlier_schedule_without_a_year_is_in_the_past() -> None:
    """Bug: "initially scheduled for August 26" in a January article became next August."""
    facts = facts_of(
        "Moonshot 7 was initially scheduled for August 26 but was postponed to September 7.",
        published=date(2024, 1, 29),
    )
    assert ("previousDate", "2023-08-26") in {(p, o) for _, p, o in facts}


def test_a_landing_moved_is_not_a_launch_postponement() -> None:
    """Bug: "the landing would be postponed to August 27" became a new launch date."""
    facts = facts_of("Officials said the Moonshot 7 landing would be postponed to August 27.")
    assert not any(p in {"postponementOf", "plannedLaunchDate"} for _, p, _ in facts)


def test_returning_home_is_not_a_destination() -> None:
    """Bug: "… so that the crew can return to Earth" made Earth the mission's destination."""
    facts = facts_of("Moonshot 7 carries two crew so that they can return to Earth in May.")
    assert not any(p == "destination" for _, p, _ in facts)
    assert ("moonshot-7", "destination", "moon") in facts_of("Moonshot 7 flies to the Moon.")


def test_a_kind_noun_that_modifies_another_noun_names_nothing() -> None:
    """Bug: "Artemis mission manager Mike Sarafin" minted a mission called "Artemis"."""
    findings = findings_of("Zephyr mission manager Bo Tan spoke on Friday.")
    assert [e.label for e in findings.new_entries.values()] == ["Bo Tan"]


def test_an_age_is_not_part_of_a_role() -> None:
    """Bug: "Bo Tan, a 90-year-old astronomer, said" gave the role "90-year-old astronomer"."""
    facts = facts_of('Bo Tan, a 90-year-old astronomer, said "it is a sad day for us".')
    assert ("roleTitle", "astronomer") in {(p, o) for _, p, o in facts}


def test_new_things_are_typed_by_the_genre_s_patterns() -> None:
    findings = findings_of(
        "The Kestrel rover will ride on a lander called Osprey. "
        "Agency Director General Ada Quill praised the Zephyr mission."
    )
    kinds = {
        e.label: sorted(str(t).rsplit("#", 1)[-1] for t in e.types if "spacekg" in str(t))
        for e in findings.new_entries.values()
    }
    assert "Rover" in kinds["Kestrel"]
    assert "Lander" in kinds["Osprey"]
    assert "Mission" in kinds["Zephyr"]
    assert "Person" in kinds["Ada Quill"]
