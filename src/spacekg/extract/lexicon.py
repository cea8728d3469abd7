"""The genre's ordinary vocabulary: what news about spaceflight says, not who.

Nothing here names a particular agency, mission, craft or person; those live in
the reference gazetteer (data/reference/). These tables are the words a reporter
uses around names: kinds of craft, titles of office, verbs of speech, cues for
causes and dates.
"""

from __future__ import annotations

from spacekg.vocab import SKG

#: Nouns that follow a craft's or mission's name ("the Pragyan rover"), longest first.
KIND_NOUNS: dict[str, object] = {
    "landing platform": SKG.LandingPlatform,
    "surface platform": SKG.LandingPlatform,
    "space telescope": SKG.SpaceTelescope,
    "space station": SKG.SpaceStation,
    "space probe": SKG.Spacecraft,
    "spacecraft": SKG.Spacecraft,
    "helicopter": SKG.Spacecraft,
    "telescope": SKG.SpaceTelescope,
    "observatory": SKG.SpaceTelescope,
    "orbiter": SKG.Orbiter,
    "lander": SKG.Lander,
    "rover": SKG.Rover,
    "probe": SKG.Spacecraft,
    "capsule": SKG.Capsule,
    "mission": SKG.Mission,
    "rocket": SKG.LaunchVehicle,
    "launcher": SKG.LaunchVehicle,
}

#: Words that may stand before a name without being part of it ("the Russian-made X").
NAME_PREFIX_WORDS = frozenset(
    """
    the a an its their his her our this that these those new future first second
    final upcoming planned proposed joint robotic crewed uncrewed unmanned manned
    lunar martian solar earth-based twin sister
    american european russian soviet chinese japanese indian israeli emirati korean
    south-korean canadian french german italian british spanish ukrainian brazilian
    australian iranian turkish saudi mexican polish dutch swiss swedish norwegian
    """.split()
)

#: Capitalised words that start sentences or name days and months, never people.
NOT_NAMES = frozenset(
    """
    The A An And But Or If In On At By For From Of To With As After Before During
    Under Over While Meanwhile Earlier Later Today Yesterday Tomorrow Also However
    This That These Those It Its He She They We I You Our His Her Their There Here
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
    Mr Mrs Ms Dr Prof Sir President Minister Director General Chairman Administrator
    Great News Watch Breaking Update Notwithstanding Multiple Many Some Several
    """.split()
)

#: Titles of office, longest first. A title in HEAD_TITLES makes its holder head of the body.
ROLE_TITLES = (
    "Director General",
    "Director-General",
    "Deputy Director General",
    "Secretary-General",
    "Secretary General",
    "Deputy Administrator",
    "Associate Administrator",
    "Acting Administrator",
    "Administrator",
    "Chairperson",
    "Chairman",
    "Chairwoman",
    "Chair",
    "Chief Executive Officer",
    "Chief Executive",
    "CEO",
    "Vice President",
    "President",
    "Prime Minister",
    "Deputy Prime Minister",
    "Minister",
    "Deputy Director",
    "Director",
    "Head",
    "Chief Scientist",
    "Chief Engineer",
    "Project Scientist",
    "Project Manager",
    "Programme Manager",
    "Program Manager",
    "Mission Manager",
    "Mission Director",
    "Flight Director",
    "Spokesperson",
    "Spokesman",
    "Spokeswoman",
    "Press Secretary",
    "Founder",
    "Commander",
    "Astronaut",
    "Cosmonaut",
    "Taikonaut",
)

HEAD_TITLES = frozenset(
    t.lower()
    for t in (
        "Director General",
        "Director-General",
        "Secretary-General",
        "Secretary General",
        "Administrator",
        "Acting Administrator",
        "Chairperson",
        "Chairman",
        "Chairwoman",
        "Chair",
        "Chief Executive Officer",
        "Chief Executive",
        "CEO",
        "President",
        "Head",
        "Director",
    )
)

#: Lower-case nouns of a role given after a name ("NAME, leader of the … team").
ROLE_NOUNS = (
    "leader",
    "head",
    "director",
    "chief",
    "manager",
    "chairman",
    "chairperson",
    "chair",
    "president",
    "administrator",
    "spokesperson",
    "spokesman",
    "spokeswoman",
    "scientist",
    "engineer",
    "astronaut",
    "cosmonaut",
    "founder",
    "commander",
    "member",
    "professor",
    "researcher",
    "deputy",
    "minister",
    "official",
    "lead",
    "executive",
    "designer",
    "astronomer",
    "director-general",
)

#: Verbs that attribute words to a speaker, in every form news writing uses.
SPEECH_VERBS = (
    "said",
    "says",
    "say",
    "wrote",
    "writes",
    "added",
    "adds",
    "stated",
    "states",
    "told",
    "tells",
    "explained",
    "explains",
    "noted",
    "notes",
    "tweeted",
    "posted",
    "announced",
    "announces",
    "declared",
    "remarked",
    "commented",
    "continued",
    "emphasized",
    "emphasised",
    "stressed",
    "insisted",
    "confirmed",
    "asserted",
    "claimed",
    "recalled",
    "acknowledged",
    "admitted",
    "warned",
    "concluded",
    "replied",
    "responded",
    "answered",
    "mentioned",
    "observed",
    "pointed out",
    "quipped",
    "exclaimed",
    "shared",
)

#: Words that introduce the cause of a postponement.
CAUSE_CUES = (
    "owing to",
    "due to",
    "because of",
    "as a result of",
    "in the wake of",
    "on account of",
    "caused by",
    "following",
    "amid",
    "after",
    "over",
)

POSTPONE_VERBS = (
    "postponed",
    "delayed",
    "pushed back",
    "put off",
    "rescheduled",
    "moved",
    "slipped",
    "suspended",
    "called off",
    "scrubbed",
)

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

MONTH_ABBREVIATIONS = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}

#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof st jr sr gen col lt sgt capt cmdr gov sen rep inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec no vs etc approx est
    """.split()
)

#: Languages statements are identified among; py3langid confuses short texts otherwise.
STATEMENT_LANGUAGES = (
    "en ru uk fr de es it pt ja zh hi ko ar he fa pl nl tr sv no da fi cs ro hu el bg".split()
)
