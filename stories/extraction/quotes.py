"""Quoted passages and who said them.

A speaker is looked for, in order: a transcript label opening the quote ('"HOLT: …'), right
after the quote ("“…,” said Doe", "“…?” Doe asked"), before it in the same sentence (nearest
reporting verb first; "Doe did A and said", "Doe …, saying", a colon introduction), in a heading
line, later in the sentence, the owner of the words ("Doe’s assertion that “…”"), in the clause of
the sentence's subject ("Doe called the plan “a farce”"), and, for a sentence that is all quote,
the last speaker of this or the previous paragraph.  A pronoun is resolved against who the text is
about: the last few sentence subjects and speakers, agreeing in kind (person, group, thing) and,
where the text gives it, gender.  The speaker is a name, or a short description when none is given
("the newspaper", "her campaign", "one"), so the importer can link a name to an actor's alias and
keep a description as it is.  Titles, nicknames and slogans the rules can name are dropped, and
``quote_filter`` judges what is left: speech, or the writer's scare quotes.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import dropwhile, takewhile

from .layout import Piece, bare, pair_quotes, piece_at, search_end, split_pieces, undecorated
from .lexicon import (
    FEMALE_HONORIFICS, FEMALE_NAMES, FINITE_REPORTING_VERBS, HONORIFICS, MALE_HONORIFICS, MALE_NAMES,
    ORGANISATION_WORDS, PLACES, REPORTING_VERBS, SPEAKER_NOUNS, THING_NOUNS, TITLES,
)
from .quote_filter import is_spoken


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    text: str
    speaker: str | None
    speaker_role: str | None
    sentence_start: int
    sentence_end: int


_Speaker = tuple[str, str | None]  # (speaker as written, role or None)

# --------------------------------------------------------------------------- speakers

_TITLES = TITLES
_HONORIFICS = HONORIFICS
_DETERMINERS = frozenset("the a an one some two three several many most other another both".split())
_PRONOUNS = frozenset("he she they it".split())
_POSSESSIVE_PRONOUNS = frozenset("his her their its".split())
_BAD_START = frozenset(
    "from to in on at for with of by about into over under is are was were be been has have had do "
    "does did there this that these those which who what why how when where and but or so if then "
    "not no just only even still we i you our their its his her he she they it early late earlier later "
    "since following despite amid throughout instead during after before".split()
)
# Adverbs and auxiliaries hugging a subject: "Later she said", "Doe has also warned".
_FILLER = frozenset(
    "also later earlier previously recently reportedly has have had would will was were is once then "
    "again publicly repeatedly separately meanwhile yesterday today now however still simply just never "
    "already first finally ultimately actually even further also only could can may might must should shall "
    "quickly immediately angrily flatly bluntly firmly".split()
)
# Words no speaker phrase contains: "It may be", "He went on to", "following a Washington Post".
_NOT_IN_NOUN_PHRASE = frozenset(
    "may might can could should must shall will would went goes go put issued sent released gave made to following is are was were be been being do "
    "did does if when while because although though than not that this these those with".split()
)
# Capitalised section labels ("Key Takeaways:") that look like a speaker heading but are not.
_SECTION_WORDS = frozenset(
    "key takeaways takeaway summary background update note context analysis bottom line editor source "
    "sources disclaimer watch listen related quote quotes statements highlights next steps conclusion "
    "overview facts details reaction reactions timeline lessons response points agenda fact check".split()
)
_PREMODIFIERS = frozenset(
    "former then top senior chief deputy longtime fellow retired late new incoming outgoing acting current "
    "leading prominent veteran rival vice campaign of and for de la van von bin al da du le del der "
    "party state house senate white press communications policy national".split()
)
# An adjunct of time or venue trailing a subject: "Doe on Monday", "Doe in a Friday tweet".
_TIME_OR_VENUE = re.compile(
    r"\s(?:on|in|at|during|late|early|last|this|earlier|later)\s(?:(?:a|an|the|his|her|their|its)\s)?(?:\S+\s){0,2}?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|January|February|March|April|May|June|July|August|"
    r"September|October|November|December|morning|afternoon|evening|night|week|weekend|month|year|day|"
    r"interview|statement|tweet|speech|post|email|letter|appearance|call|conference|rally|debate|release|"
    r"op-ed|video|hearing|briefing|remarks)s?\b.*$",
    re.DOTALL,
)
# Endings of nouns for people: commenter, neurosurgeon, activist, historian, participant, resident.
# Common words that end like those nouns but name no one: "the top 1 percent", "the other", "a letter".
_NOT_AGENTS = frozenset(
    "percent cent event content intent extent talent accident incident element current recent different "
    "present absent silent frequent urgent apparent evident consistent permanent prominent violent ancient "
    "efficient sufficient excellent patent want plant grant restaurant significant important constant "
    "distant relevant instant vacant other another order number matter water paper power border center "
    "never ever however whether together further rather either neither under after over later earlier "
    "latter quarter chapter cancer character corner dinner disaster summer winter weather tower theater "
    "theatre register manner offer cover layer trigger shelter filter barrier danger anger hunger poster "
    "banner charter error floor door factor sector color colour behavior behaviour favor labor major minor "
    "honor mirror terror horror tumor rumor humor list twist wrist midst human omen".split()
)
_AGENT_SUFFIXES = ("er", "ers", "or", "ors", "ist", "ists", "ian", "ians", "ant", "ants", "ent", "ents",
                   "eon", "eons", "man", "men", "woman", "women")
# Words that open a sentence without opening its subject.
_NOT_SUBJECT_START = (_BAD_START - _PRONOUNS - _POSSESSIVE_PRONOUNS) | frozenset(
    "as although while when if because since after before alongside without despite unlike like "
    "according amid among following during until unless whether though once upon within beyond "
    "here there what yes no oh well himself herself themselves itself".split()
)
# Unnamed speakers that are a bare quantifier: "one said", "said another".
_BARE_SPEAKERS = frozenset("one another others some many most both".split())
# Days and months open sentences ("Friday, Doe said") but name no one.
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july "
    "august september october november december".split()
)
# Quantifiers that name no one, capitalised or not: "Nobody asked", "Each said", "Eight years ago".
_NO_ONE = frozenset(
    "nobody none nothing any each every everyone everybody all multiple neither either four five six seven "
    "eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds thousand thousands million "
    "millions dozens".split()
)
_NOT_NAMES = _DETERMINERS | _BAD_START | _CALENDAR | _NO_ONE
_CLAUSE_VERBS = FINITE_REPORTING_VERBS - SPEAKER_NOUNS
# In the masked copy the speaker search reads, the dot of "Sen.", "Marc E." or "(D-Mo.)" is held
# as this character so that phrase patterns stop only at a sentence's full stop.
_HELD_DOT = "\x01"
_ABBREVIATED = frozenset(
    "Sen Rep Gov Mr Mrs Ms Dr Jr Sr St Lt Gen Col Capt Sgt Rev Prof Sens Reps Ft Mt Atty Dept Corp Inc Co "
    "Ltd Calif Mass Conn Wash Ore Nev Tex Ariz Colo Mich Wis Minn Ill Ind Tenn Ala Miss Okla Kan Neb Del "
    "Md Pa Vt Va Ga Fla Ky Mo La Ark Mont Wyo Penn Cal".split()
)
_ABBREVIATION_CANDIDATE = re.compile(r"\b([A-Z][A-Za-z]{0,4})\.(?=[ \t]*[\w(,)])")


def _hold_abbreviation_dots(masked: str) -> str:
    def hold(m: re.Match[str]) -> str:
        word = m.group(1)
        return word + _HELD_DOT if len(word) == 1 or word in _ABBREVIATED else m.group()
    return _ABBREVIATION_CANDIDATE.sub(hold, masked)
_MAX_SPEAKER_WORDS = 8
# Lower-case words that join the parts of a name ("Secretary of State") but never open one.
_CONNECTORS = frozenset("of and for".split())


def _is_name_word(word: str) -> bool:
    return word[:1].isupper() and bare(word) not in _NOT_NAMES


def _is_person_noun(word: str) -> bool:
    word = bare(word)
    return word in SPEAKER_NOUNS or word.removesuffix("s") in SPEAKER_NOUNS or word.removesuffix("es") in SPEAKER_NOUNS


def _split_title(words: list[str]) -> tuple[str | None, list[str]]:
    """'Treasury Secretary Scott Bessent' -> ('Treasury Secretary', ['Scott', 'Bessent'])."""
    for i in range(len(words) - 2, -1, -1):
        if bare(words[i]) in _TITLES and all(_is_name_word(w) for w in words[i + 1:]):
            role_words = words[: i + 1]
            if role_words[0].lower() == "the":
                role_words = role_words[1:]
            honorific = len(role_words) == 1 and bare(role_words[0]) in _HONORIFICS
            return (None if honorific or not role_words else " ".join(role_words)), words[i + 1:]
    return None, words


def _is_filler(word: str) -> bool:
    return bare(word) in _FILLER or (word[:1].islower() and bare(word).endswith("ly") and len(word) > 4)


def _trim_filler(words: list[str]) -> list[str]:
    while words and _is_filler(words[-1]):
        words = words[:-1]
    while words and _is_filler(words[0]):
        words = words[1:]
    return words


def _can_head(word: str) -> bool:
    """Whether a phrase may end in ``word``: a name, or a noun for people or bodies."""
    b = bare(word)
    return (_is_name_word(word) or _is_person_noun(word) or b in _TITLES or b in _BARE_SPEAKERS
            or _is_agent_noun(word) or _ends_like_agent(b))


def _can_premodify_name(word: str) -> bool:
    """Lower-case words that may stand before a name: 'the former', 'campaign manager', '81-year-old'."""
    b = bare(word)
    return (b in _PREMODIFIERS or b in _DETERMINERS or b in _TITLES or _is_person_noun(word)
            or b.endswith(("al", "ic", "ive", "ary", "year-old"))
            or (b.replace("-", "").isdigit() and len(b) != 4))  # "81-year-old", "2" but not "in 2017 America"


def _owner(word: str) -> str | None:
    """'Stanley’s' -> 'Stanley', 'Sachs’' -> 'Sachs'; None when the word is not possessive."""
    m = re.fullmatch(r"(\w.*?)(?:[’']s|(?<=s)[’'])", word)
    return m.group(1) if m else None


def _is_agent_noun(word: str) -> bool:
    """'narrator', 'moderator', '46-year-old': lower-case words that name a person by what they do."""
    b = bare(word)
    return not word[:1].isupper() and (b.endswith(("year-old", "year-olds")) or (
        _ends_like_agent(b) and len(b) > 4))


def _ends_like_agent(b: str) -> bool:
    """'commenter', 'historian', 'resident' by their ending; 'payment' or 'percent' are no one."""
    return b.endswith(_AGENT_SUFFIXES) and not b.endswith(("ment", "ments")) and b.removesuffix("s") not in _NOT_AGENTS


def _is_clause(words: list[str]) -> bool:
    """A name followed by a past tense or an auxiliary ('Doe issued a statement'): a verb sits inside."""
    return any(_is_name_word(a) and b[:1].islower() and (bare(b).endswith("ed") or bare(b) in _VERB_LIKE)
               and not (_can_premodify_name(b) or _is_agent_noun(b)) for a, b in zip(words, words[1:]))


@lru_cache(maxsize=4096)  # the same subject phrase is parsed from several places per sentence
def _parse_speaker(phrase: str) -> _Speaker | None:
    """Turn a subject phrase into (speaker, role), or None when it is no plausible speaker."""
    phrase = _TIME_OR_VENUE.sub("", phrase.replace(_HELD_DOT, "."))
    words = _trim_filler(undecorated(phrase).split())
    if kept := _kept_description(words):
        return kept, None
    if not _may_be_noun_phrase(words):
        return None
    if _is_name_word(words[-1]):
        # Keep the name and the words that can describe it: "the effort results in John Kasich" is
        # John Kasich, "Republican presidential hopeful Donald Trump" is Donald Trump.
        cut = max((i for i, w in enumerate(words) if not (w[:1].isupper() or _can_premodify_name(w))), default=-1)
        if _is_clause(words[:cut + 1]) or (words[cut + 1] in _CONNECTORS and cut + 3 >= len(words)):
            return None  # "The Ledger rated 12% of Liberal claims": what was rated, not who
        words = list(dropwhile(lambda w: w in _CONNECTORS, words[cut + 1:]))
    elif _is_clause(words):
        return None  # "Jane Doe issued a statement" (before "saying") is what she did, not who
    if not any(_is_name_word(w) or _is_person_noun(w) or _is_agent_noun(w) for w in words):
        return None
    if owned := _owned_name(words):
        return owned
    role, name = _split_title(words)
    return " ".join(name), role


def _may_be_noun_phrase(words: list[str]) -> bool:
    """False for what cannot be a speaker: too long, a clause ("Doe said in her opening"), or
    ending in no noun ("Polls show Clinton up by 10", "Johnson kept", "discussed Trump’s")."""
    if not words or len(words) > _MAX_SPEAKER_WORDS or bare(words[0]) in _BAD_START:
        return False
    if any(bare(w) in _NOT_IN_NOUN_PHRASE or (w[:1].islower() and bare(w) in _CLAUSE_VERBS) for w in words):
        return False
    return (_can_head(words[-1]) and _owner(words[-1]) is None  # "New Jersey’s" owns, it does not speak
            and not (words[0][:1].islower() and bare(words[0]).endswith(("ed", "ing"))))


def _kept_description(words: list[str]) -> str | None:
    """'one', 'another', 'her campaign', 'his spokesman': descriptions kept whole, as written."""
    if len(words) == 1 and bare(words[0]) in _BARE_SPEAKERS:
        return bare(words[0])
    if (2 <= len(words) <= 4 and bare(words[0]) in _POSSESSIVE_PRONOUNS
            and (_is_person_noun(words[-1]) or _ends_like_agent(bare(words[-1])))
            and all(_can_premodify_name(w) or w[:1].isupper() for w in words[1:-1])):
        return " ".join(words)
    return None


def _owned_name(words: list[str]) -> _Speaker | None:
    """'Morgan Stanley’s Robin Xing': the owner is the affiliation, the rest the person."""
    for i, word in enumerate(words[:-1]):
        owner = _owner(word)
        if owner and all(_is_name_word(w) for w in words[: i + 1]):
            role, name = _split_title(words[i + 1:])
            if name and all(_is_name_word(w) for w in name):
                org = " ".join([*words[:i], owner])
                return " ".join(name), (f"{' '.join(words[: i + 1])} {role}" if role else org)
    return None


def _parse_label(label: str, paren: str | None) -> _Speaker | None:
    """Validate a 'Name (Role):' label; every word must be capitalised so 'The goal:' is no speaker."""
    words = undecorated(label).split()
    if not words or len(words) > 6 or not all(_is_name_word(w) or w == "and" for w in words):
        return None
    if any(bare(w) in _SECTION_WORDS for w in words):
        return None
    parsed = _parse_speaker(" ".join(words))
    if parsed is None:
        return None
    name, role = parsed
    paren_role = paren.strip() if paren and paren.strip()[:1].isupper() else None
    if not (paren_role or role or len(words) >= 2):
        return None
    return name, role or paren_role

# --------------------------------------------------------------------------- attribution

# Words are matched by one simple pattern and looked up in a set: a regex alternation of the
# whole lexicon would be tried at every character and make extraction many times slower.
_WORD = re.compile(r"\b(?:[Pp]uts?[ \t]+it|[A-Za-z]+)\b")
# After a quote only finite reporting verbs signal attribution ('“…” call set the stage' must not).
_AFTER_VERB_FIRST = re.compile(r"[ \t]*,?[ \t]*([A-Za-z]+)[ \t]+([^,.;:!?\x00]{2,80})")
_CLAUSE_BREAK = re.compile(
    r"[,;:()\[\]—–―\x00]|\s--?\s|\b(?:as|but|and|while|when|whereas|that|which|who|because|so|although|"
    r"though|after|before|if|since|where|then|meanwhile|however|yet|or)\b",
    re.IGNORECASE,
)
# A verb reached through a coordination or participle: "Doe did A and said", "Doe …, saying".
_SHARED_SUBJECT = re.compile(r"(?:,|\band|\bthen|\bbefore|\bafter|\bwhile|\bbut)[ \t]*(?:\w+ly[ \t]+)?$")
# A reporting word used as a noun: "the report said", "a statement read", "her tweet".
_DETERMINED = re.compile(
    r"(?:\b(?:the|a|an|his|her|their|its|our|this|that|whose|in|of)|\w[’']s|s[’'])[ \t]+$", re.IGNORECASE)
_ACCORDING = re.compile(r"\baccording to[ \t]+([^,.;:!?\x00“”\"]{2,80})", re.IGNORECASE)
_PHRASE_STOP = re.compile(
    r"\s(?:on|in|at|during|after|before|when|while|as|to|from|with|via|and|adding|noting|who|whose|which)\s"
)
_TERM_BEFORE = re.compile(
    r"(?:dubbed|so[-‑‐ ]called|known as|called|nicknamed|label+ed|termed|branded|coined|christened|"
    r"the (?:term|phrase|word|slogan|motto))[ \t]*\(?[ \t]*$",
    re.IGNORECASE,
)
# Quoted names of works and slogans: 'on ABC’s “This Week”', 'the book “X”', 'a “Y” hat'.
_WORK_BEFORE = re.compile(
    r"(?:\b(?:on|in|of|for|from|at|by|into)[ \t]+(?:(?:the|his|her|their|its|a)[ \t]+)?(?:\d{4}[ \t]+)?"
    r"(?:(?:[\w.&-]+[ \t]+){0,2}[\w.&-]+['’]s[ \t]+)?(?:new[ \t]+)?"
    r"|\b[A-Z][\w.&-]*['’]s?[ \t]+"
    r"|\b(?:to|told|tells|with|joined|joins)[ \t]+(?:[\w.&-]+[ \t]+){0,2}[\w.&-]+['’]s[ \t]+"
    r"|\b(?:show|series|podcast|program|programme|film|movie|book|memoir|documentary|ad|advert|song|album|"
    r"novel|column|op-ed|editorial|headline|article|essay|segment|spot|video|play|musical|titled|entitled|"
    r"slogan|motto|hashtag|banner|shirts?|hats?|signs?|caps?)[ \t]*,?[ \t]*)$",
    re.IGNORECASE,
)
_WORK_AFTER = re.compile(
    r"[ \t]*(?:star|stars|host|hosts|show|series|podcast|program|film|movie|book|documentary|ad|hats?|"
    r"shirts?|signs?|caps?|slogan|campaign|tour|crowd|movement|segment|column|op-ed|editorial|bus|"
    r"rally|rallies|event|anchor|actor|actress|creator|episode)\b",
    re.IGNORECASE,
)
# A sentence opening with its verb: "Said Doe, who …, “…”", "Added the senator: “…”".
# ("Asked about the plan, Doe replied" opens with a participle, not with the verb of "Said Doe")
_VERB_OPENS = re.compile(
    r"(?:Said|Says|Added|Adds|Asked|Asks|Wrote|Writes|Recalled|Recalls)[ \t]+"
    r"(?!(?:about|whether|if|why|what|how|who|when|where|to|by|for|on|in)\b)([^:;\x00]{2,100}?)[ \t]*[,:]?[ \t]*$")
_DASH_SIGNATURE = re.compile(
    r"[^\S\n]*(?:[―—–]|--|-(?=[ \t]?[A-Z]))[^\S\n]*((?:[A-Z][\w’'.\x01-]*[ \t]?){1,5})[ \t]*(?:[,.\n\x00]|$)")
_LABEL = re.compile(r"([^():“”\"\x00]{2,80}?)\s*(?:\(([^()]{1,60})\))?\s*:")
_LINE_END_COLON = re.compile(r":[ \t]*(?:\n|$)")
_VERB_LIKE = frozenset("is are was were has have had will would can could did does do says said".split())
_WINDOW = 300  # '... officials describe the current round of talks ... as “x”' spans ~100 chars
_MAX_VERBS = 4
_SUBJECT_REACH = 120  # characters; comfortably more than _MAX_SPEAKER_WORDS words
# A quote this long with no cue is someone's words and goes to whoever the passage is about;
# a shorter one ('their “very positive” call') may be the writer's and gets no guess.
_UTTERANCE_WORDS = 4
# Mentions (sentence subjects and speakers) searched for a pronoun's antecedent.  Salience fades
# fast: past the last three, a pronoun is better left to the speaker of the passage (on PolNeAR
# train, 3 beat 30 by 0.6 points of speaker accuracy); it also keeps resolution linear.
_LOOKBACK = 3


def _verbs(masked: str, lo: int, hi: int, also: frozenset[str] = frozenset()) -> list[re.Match[str]]:
    """Reporting verbs between ``lo`` and ``hi``, as matches (whether used as verbs is checked later);
    ``also`` admits more forms, such as "read" after a quote ("“…,” the editorial read")."""
    return [m for m in _WORD.finditer(masked, lo, hi) if (w := m.group().lower()) in REPORTING_VERBS or w in also]


def _first_verb(masked: str, lo: int, hi: int) -> re.Match[str] | None:
    return next((m for m in _WORD.finditer(masked, lo, hi) if m.group().lower() in REPORTING_VERBS), None)


def _is_headline(piece: str) -> bool:
    words = [w for w in piece.split() if len(w) > 3 and w[0].isalpha()]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _is_reporting_verb(masked: str, lo: int, verb: re.Match[str], headline: bool) -> bool:
    if verb.group()[0].isupper() and not headline:
        return False  # 'United States', 'Washington Post' are names, not verbs
    return not _DETERMINED.search(masked, max(lo, verb.start() - 12), verb.start())


def _subject_before(masked: str, lo: int, verb: re.Match[str], headline: bool) -> str | None:
    if not _is_reporting_verb(masked, lo, verb, headline):
        return None
    window = masked[max(lo, verb.start() - _SUBJECT_REACH):verb.start()]
    window = re.sub(r"\([^()\x00]{0,60}\)", lambda m: " " * len(m.group()), window)  # "Doe (D-Mo.) said"
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if not breaks and verb.start() - _SUBJECT_REACH > lo:
        return None  # the clause is longer than any plausible subject
    return window[breaks[-1].end():] if breaks else window


# Adverbials that open a sentence before its subject: "On Monday, …", "Early in his campaign, …".
_INTRODUCTION = re.compile(
    r"(?:On|In|At|During|After|Before|Later|Earlier|Early|Late|But|And|So|Meanwhile|However|Still|Yet|Then|"
    r"Also|Now|Last|This|Next|Since|Following|Despite|Amid|Throughout|Back|Instead|Separately|Finally|"
    r"Indeed|Today|Yesterday|Tonight|Speaking|Asked|When|While|As|If|Although|Though|Because|Given|With|Here|There|"
    r"[A-Z][a-z]+ing|"
    r"Without|Under|Like|Unlike|For|From|Through|Once|Until|Upon|Within|Having|Talking|Writing|Responding|"
    r"Addressing)\b[^,\x00]{0,60},[ \t]*"
)
# After a place that ends an introduction, a name and its verb: "…, New Hampshire, Trump went".
_NAME_THEN_VERB = re.compile(r"[ \t]+((?:[A-Z][\w’'\x01.-]*[ \t]+){0,2}[A-Z][\w’'\x01.-]*)[ \t]+(?=[a-z]+(?:ed|s)?\b(?![-’']))")


def _subject_words(body: str) -> list[str]:
    """The words of a sentence before its verb, a clause after a name, or a comma."""
    words: list[str] = []
    for m in re.finditer(r"\S+", body):
        word = m.group()
        if bare(word) in _VERB_LIKE or bare(word) in REPORTING_VERBS or (
                word[:1].islower() and word.endswith("ed") and not _is_person_noun(word)):
            break
        if (word[:1].islower() and words and (any(_is_name_word(w) for w in words) or _is_person_noun(words[-1]))
                and not _can_premodify_name(word)):
            break  # "Ana Ruiz left the stage", "The businessman began by": a lower-case word after the head
        words.append(word)
        if word.endswith((",", ";", ":")) or "(" in word or len(words) > _MAX_SPEAKER_WORDS:
            break
    return words


def _opens_without_subject(first_two: list[str]) -> bool:
    """"As the paper noted", "Holding signs, …" open with no subject; "Ted Cruz" does."""
    if not first_two or bare(first_two[0]) in _NOT_SUBJECT_START:
        return True
    names_on = len(first_two) == 2 and _is_name_word(first_two[1])
    return bare(first_two[0]).endswith(("ing", "ly", "ed")) and not names_on


@lru_cache(maxsize=1024)  # read for the discourse, a gender vote and the quotes of the same sentence
def _sentence_subject(masked: str, piece: Piece) -> tuple[str, int] | None:
    """The subject opening a sentence ('On Monday, Jane Doe, a senator, said …' -> 'Jane Doe')."""
    body = masked[piece.start:min(piece.end, piece.start + 200)]
    if body.startswith("\x00"):
        return None  # a sentence opening with a quote has its speaker after it
    intro = _INTRODUCTION.match(body)
    offset = intro.end() if intro else 0
    if _opens_without_subject(body[offset:].split(maxsplit=2)[:2]):
        return None
    words = _subject_words(body[offset:])
    if not words:
        return None
    phrase = re.split(r"[,;:(]", " ".join(words))[0]
    if words[-1].endswith(",") and (after := _NAME_THEN_VERB.match(body, offset + len(" ".join(words)))):
        return after.group(1), piece.start + after.start(1)  # "In Salem, New Hampshire, Trump went after …"
    return phrase, piece.start + offset


@dataclass(frozen=True)
class _Entity:
    """Someone the text talks about: a speaker's name and role, and what pronoun fits it."""
    name: str
    role: str | None
    kind: str  # "person" (he/she), "group" (they) or "thing" (it)
    gender: str | None  # "m", "f" or None when the text does not say


def _entity(speaker: _Speaker, phrase: str) -> _Entity:
    name, role = speaker
    words = [bare(w) for w in phrase.split()]
    if len(words) == 1 and words[0] in _AGREES:  # a resolved pronoun says what it stands for
        kind, gender = _AGREES[words[0]]
        return _Entity(name, role, kind, gender)
    if " and " in name:
        return _Entity(name, role, "group", None)  # "Wilcox and Beruff … they said"
    gender = _written_gender(name, words)
    last = name.split()[-1] if name.split() else ""
    if name[:1].islower() or (words[:1] == ["the"] and last[:1].islower()):  # "the newspaper", "two officials"
        kind, described = _description_kind(bare(last))
        return _Entity(name, role, kind, gender or described)
    return _Entity(name, role, _name_kind(name), gender)


def _written_gender(name: str, words: list[str]) -> str | None:
    """'m' or 'f' when an honorific or a known first name says so; a name alone is a surname
    ("Warren said" tells nothing of Elizabeth Warren)."""
    first = bare(name.split()[0]) if len(name.split()) > 1 else ""
    if (any(w in MALE_HONORIFICS for w in words) or (len(words) > 1 and words[0] in MALE_NAMES)
            or first in MALE_NAMES):
        return "m"
    if any(w in FEMALE_HONORIFICS for w in words) or first in FEMALE_NAMES:
        return "f"
    return None


def _description_kind(head: str) -> tuple[str, str | None]:
    """(kind, gender) of a description by its head noun: 'the report' is a thing, 'officials' a group."""
    singular = head.removesuffix("s")
    if head in THING_NOUNS or not (_is_person_noun(head) or _ends_like_agent(head)):
        return "thing", None  # "the report", "the agreement"
    if head != singular or head in ("people", "police"):
        return "group", None
    return "person", _DESCRIPTION_GENDER.get(singular)


def _name_kind(name: str) -> str:
    """'The Washington Post' and 'the WTO' are things, 'Democrats' a group, 'Jane Doe' a person."""
    last = name.split()[-1] if name.split() else ""
    head = bare(last)
    if (any(bare(w) in ORGANISATION_WORDS for w in name.split()) or (last.isupper() and len(last) > 1)
            or head in PLACES):
        return "thing"
    if head.endswith("s") and head.removesuffix("s") in SPEAKER_NOUNS | {"democrat", "republican", "american"}:
        return "group"
    # "The Fed", "The Chinese" take no he or she; "The Republican", "The Vermonter" do
    return "thing" if name.split()[0] == "The" and not head.endswith(("an", "crat", "er", "ist")) else "person"


_DESCRIPTION_GENDER = {
    **dict.fromkeys("man spokesman congressman businessman chairman father husband son brother boy king "
                    "gentleman grandfather uncle nephew actor".split(), "m"),
    **dict.fromkeys("woman spokeswoman congresswoman businesswoman chairwoman mother wife daughter sister "
                    "girl queen lady grandmother aunt niece actress".split(), "f"),
}
_FIRST_NAMES = MALE_NAMES | FEMALE_NAMES
_DEFINITE_DESCRIPTION = re.compile(r"[Tt]he(?: [a-z][\w-]*){1,3}")
_AGREES = {"he": ("person", "m"), "she": ("person", "f"), "they": ("group", None), "it": ("thing", None)}


class _Discourse:
    """Who the text is about: speakers and sentence subjects in text order, for pronouns and follow-ons.

    Mentions arrive in text order, so a pronoun looks back over a bounded number of them.
    """

    def __init__(self) -> None:
        self.offsets: list[int] = []
        self.entities: list[_Entity] = []
        self.speaking: list[bool] = []
        self.genders: dict[str, str] = {}
        self.full_names: dict[str, str] = {}
        self.proper: set[str] = set()  # capitalised words met mid-sentence: names, not sentence openers
        self.ambiguous: set[str] = set()  # surnames two people in the text share

    def add(self, offset: int, entity: _Entity, speaking: bool) -> None:
        if not speaking and entity.kind == "person" and _DEFINITE_DESCRIPTION.fullmatch(entity.name):
            # "the senator", "the billionaire": a later mention of the last person named, so a
            # pronoun after it finds the name
            entity = self._named_before(offset, entity.gender) or entity
        surname = entity.name.split()[-1] if entity.kind == "person" and entity.name[:1].isupper() else None
        if surname and not self._shared(surname, entity):
            if entity.gender:
                self.genders[surname] = entity.gender
            if len(entity.name) > len(self.full_names.get(surname, "")):
                self.full_names[surname] = entity.name
            entity = _Entity(self.full_names[surname], entity.role, entity.kind,
                             entity.gender or self.genders.get(surname))
        k = bisect_right(self.offsets, offset)
        self.offsets.insert(k, offset)
        self.entities.insert(k, entity)
        self.speaking.insert(k, speaking)

    def _shared(self, surname: str, entity: _Entity) -> bool:
        """Whether two people of this surname are in the text (Bill and Hillary Clinton): then a bare
        "Clinton" says nothing of first name or gender."""
        if " " in entity.name:
            first = entity.name.split()[0]
            known = self.full_names.get(surname)
            if known and " " in known and known.split()[0] != first and bare(first) in _FIRST_NAMES:
                self.ambiguous.add(surname)
                self.genders.pop(surname, None)
        return surname in self.ambiguous

    def _named_before(self, at: int, gender: str | None) -> _Entity | None:
        k = bisect_right(self.offsets, at)
        for i in range(k - 1, max(-1, k - 1 - _LOOKBACK), -1):
            entity = self.entities[i]
            known = entity.gender or self.genders.get(entity.name.split()[-1])
            if entity.kind == "person" and entity.name[:1].isupper() and (gender is None or known in (None, gender)):
                return entity
        return None

    def resolve(self, pronoun: str, at: int) -> _Entity | None:
        """The latest earlier mention that the pronoun agrees with in kind and gender."""
        kind, gender = _AGREES[pronoun]
        k = bisect_right(self.offsets, at)
        for i in range(k - 1, max(-1, k - 1 - _LOOKBACK), -1):
            entity = self.entities[i]
            surname = entity.name.split()[-1]
            known = entity.gender or self.genders.get(surname)
            if entity.kind == kind and (gender is None or known in (None, gender)):
                return entity
            if kind == "group" and entity.kind == "thing" and entity.name[:1].islower():
                return entity  # "the campaign … they said"
        return None

    def latest(self, at: int, since: int) -> _Entity | None:
        """The latest person or group mentioned since ``since``, speaking or not."""
        k = bisect_right(self.offsets, at)
        for i in range(k - 1, max(-1, k - 1 - _LOOKBACK), -1):
            if self.offsets[i] < since:
                return None
            if self.entities[i].kind != "thing" or self.speaking[i]:
                return self.entities[i]
        return None

    def last_speaker(self, at: int, since: int) -> _Entity | None:
        k = bisect_right(self.offsets, at)
        for i in range(k - 1, -1, -1):
            if self.offsets[i] < since:
                return None
            if self.speaking[i]:
                return self.entities[i]
        return None


# Where a speaker's own words end and a modifier starts: "a source | close to the talks".
_REDUCED_RELATIVE = re.compile(
    r"\s(?:close to|familiar with|involved in|with knowledge of|speaking|writing|talking|testifying|appearing|"
    r"responding|commenting|reacting|referring)\s"
)


def _antecedent(pronoun: str, discourse: _Discourse | None, at: int) -> _Speaker | None:
    entity = discourse.resolve(pronoun, at) if discourse else None
    return (entity.name, entity.role) if entity else None


_CONTRACTION = re.compile(r"[’'](?:s|d|ll|ve|re)$")


def _resolve(phrase: str | None, discourse: _Discourse | None, at: int) -> _Speaker | None:
    if phrase is None:
        return None
    words = _trim_filler(phrase.split())
    pronoun = _CONTRACTION.sub("", " ".join(words).lower())  # "He’s claiming", "She'd said"
    if pronoun in _PRONOUNS:
        return _antecedent(pronoun, discourse, at)
    if len(words) > 1 and words[-1] in _PRONOUNS:
        return _antecedent(words[-1], discourse, at)  # "on the radio show he attacked"
    if (cut := _REDUCED_RELATIVE.search(" ".join(words))) and (found := _resolve(cut.string[:cut.start()], None, at)):
        return found  # "a source close to the campaign said", "an aide speaking to Fox News said"
    # The subject may follow words that are not part of it: "No wonder Trump said", "with Doe tweeting".
    for i in range(min(len(words), _MAX_SPEAKER_WORDS)):
        if bare(words[i]) in _PRONOUNS:
            return _antecedent(bare(words[i]), discourse, at)  # "He now lives in Busan": he, never Busan
        if found := _parse_speaker(" ".join(words[i:])):
            return found
        if ((words[i][:1].isupper() and bare(words[i]) not in _NOT_NAMES)
                or (words[i] in _CONNECTORS and i + 2 >= len(words))):
            return None  # never cut into a name ("Sen. Ron Johnson kept") or take an object ("11% of Doe")
    return None


def _appositive(phrase: str) -> _Speaker | None:
    """'Jane Doe, the trade minister' -> ('Jane Doe', 'the trade minister')."""
    name, _, role = phrase.replace(_HELD_DOT, ".").partition(",")
    role = re.sub(r"(?<=[a-z])[.;:!?]$", "", role.strip(" ,"))  # keep the dot of "U.S."
    first = role.split()[0] if role else ""
    # "Doe, who runs the fund" or "Doe, adding that ..." are clauses, not roles
    if not (first.lower() in ("the", "a", "an") or first[:1].isupper() or bare(first) in _TITLES):
        return None
    name = re.sub(r"\([^()]*\)", "", name).strip()
    parsed = _parse_speaker(name)
    if parsed and all(_is_name_word(w) for w in name.split()):
        return parsed[0], role
    return None


def _longest_speaker_prefix(phrase: str) -> _Speaker | None:
    """'a source involved in …' -> 'a source': the words after an inverted verb, up to a modifier."""
    words = phrase.split()
    for n in range(len(words) - 1, 0, -1):
        if found := _parse_speaker(" ".join(words[:n])):
            return found
    return None


def _speaker_after(masked: str, close: int, stop: int, inner: str, discourse: _Discourse) -> _Speaker | None:
    tail = masked[close + 1: min(stop, close + 160)].split("\x00")[0]
    if m := re.match(r"[ \t]*,?[ \t]*(?:according to|per)[ \t]+([^,.;:!?\x00]{2,80})", tail, re.IGNORECASE):
        return _parse_speaker(m.group(1))
    if (m := _DASH_SIGNATURE.match(tail)) and all(_is_name_word(w) for w in m.group(1).split()):
        return _parse_speaker(m.group(1))  # a pull quote signed with a dash: "“…” ― Jane Doe"
    if not (inner.rstrip().rstrip("’'‘ ")[-1:] in ",!?—–-…" or tail.lstrip().startswith(",")):
        return None
    if (m := _AFTER_VERB_FIRST.match(tail)) and m.group(1).lower() in FINITE_REPORTING_VERBS:
        phrase = _without_place(re.sub(r"\([^()]*\)?", "", _PHRASE_STOP.split(m.group(2) + " ")[0]))
        rest = tail[m.end(2):]
        if rest.startswith(",") and (app := _appositive(phrase + "," + rest.split(",")[1])):
            return app
        return _resolve(phrase, discourse, close) or _longest_speaker_prefix(phrase)
    # the first word used as a verb: "one of the states in the suit, said" skips the noun "states"
    verb = next((v for v in _verbs(tail, 0, 100, FINITE_REPORTING_VERBS) if _is_reporting_verb(tail, 0, v, False)),
                None)
    if verb is None:
        return None
    subject = re.sub(r"\([^()]*\)", "", tail[:verb.start()]).strip(" \t,")
    if "," in subject:  # "Doe, the minister," or "an official, who asked not to be named,"
        return _appositive(subject) or _resolve(subject.split(",")[0], discourse, close)
    return None if _CLAUSE_BREAK.search(subject) else _resolve(subject, discourse, close)


def _speaker_before(masked: str, piece: Piece, open_: int, discourse: _Discourse) -> _Speaker | None:
    lo = max(piece.start, open_ - _WINDOW)
    pre = masked[lo:open_]
    # inline "Jane Doe (Minister): “…”", "Jane Doe, CNN: “…”", or after a digest's headline "… - Jane Doe: “…”"
    label = _LABEL.fullmatch(re.split(r"\s[-—–]\s", pre)[-1].strip())
    if label and (found := _parse_label(label.group(1).strip(), label.group(2))):
        return found
    according = list(_ACCORDING.finditer(pre))
    if according:
        return _parse_speaker(according[-1].group(1))
    if inverted := _VERB_OPENS.match(masked, piece.start, open_):  # "Said Doe, a senator, “…”"
        subject = inverted.group(1)
        if found := _appositive(subject) or _resolve(subject.split(",")[0], discourse, piece.start):
            return found
    headline = piece.end - piece.start < 200 and _is_headline(masked[piece.start:piece.end])
    for verb in _verbs(masked, lo, open_)[-_MAX_VERBS:][::-1]:
        if found := _subject_of_verb(masked, piece, lo, verb, headline, discourse):
            return found
    return None


_OF_PLACE = re.compile(r"(.*?\b([A-Z][\w’'.-]*))\s+of\s+(?:the\s+)?[A-Z].*")


def _without_place(phrase: str) -> str:
    """'Lee Park of Madison' -> 'Lee Park'; 'Secretary of State John Kerry' and 'a spokesman of X' stay."""
    named = _OF_PLACE.fullmatch(phrase.strip())
    return named.group(1) if named and bare(named.group(2)) not in _TITLES else phrase


_TRAILING_ADVERBS = re.compile(r"(?:\s+[a-z]+ly)*\s*$")


def _subject_of_verb(masked: str, piece: Piece, lo: int, verb: re.Match[str], headline: bool,
                     discourse: _Discourse) -> _Speaker | None:
    """The speaker a reporting verb before the quote names: its subject, an appositive, or the
    sentence's subject when the verb shares it ("Doe did A and said", "Doe …, saying")."""
    subject = _subject_before(masked, lo, verb, headline)
    bare_verb = subject is not None and not _trim_filler(subject.split())
    # "Doe, tired, finally answered", "Sen. Doe (D-Vt.), pointing to …, said"
    before = _TRAILING_ADVERBS.sub("", re.sub(r"\([^()\x00]{0,60}\)", "", masked[lo:verb.start()]))
    if bare_verb and before.endswith(","):
        app = re.search(r"([^,;:()\x00]{2,60}),([^,;:()\x00]{2,90}),\s*$", before)
        if app and (found := _appositive(app.group(1) + "," + app.group(2)) or _clause_opening_name(app.group(2))
                    or _parse_speaker(_after_clause_break(app.group(1)))):
            return found  # "… that Jane Doe, who is thinking of running, said"
    if found := _resolve(subject, discourse, verb.start()):
        return found
    if bare_verb and _SHARED_SUBJECT.search(masked, lo, verb.start()):
        return (_earlier_verb_subject(masked, piece, verb, headline, discourse)
                or _opening_subject(masked, piece, discourse))
    return None


def _after_clause_break(text: str) -> str:
    breaks = list(_CLAUSE_BREAK.finditer(text))
    return text[breaks[-1].end():] if breaks else text


def _clause_opening_name(chunk: str) -> _Speaker | None:
    """'Here in Salem, Ana Ruiz stepped up her pitch, saying': the name opening the clause before."""
    words = _subject_words(chunk.strip())
    if words and _is_name_word(words[0]) and len(words) < len(chunk.split()):
        return _parse_speaker(" ".join(words))
    return None


def _earlier_verb_subject(masked: str, piece: Piece, verb: re.Match[str], headline: bool,
                          discourse: _Discourse) -> _Speaker | None:
    """'He cannot say that …, Doe added, saying …': a participle shares the nearest clause's subject."""
    for earlier in _verbs(masked, piece.start, verb.start())[::-1]:
        if earlier.group().endswith("ing"):
            continue  # "mocked Doe's constant shouting": a gerund has no subject of its own
        subject = _subject_before(masked, piece.start, earlier, headline)
        if subject and subject.strip() and (found := _resolve(subject, discourse, earlier.start())):
            return found
    return None


def _opening_subject(masked: str, piece: Piece, discourse: _Discourse) -> _Speaker | None:
    opening = _sentence_subject(masked, piece)
    return _resolve(opening[0], discourse, opening[1]) if opening else None


def _speaker_later(masked: str, piece: Piece, close: int, discourse: _Discourse) -> _Speaker | None:
    """A reporting clause later in the quote's sentence: '… “firepower” they need, Doe said.'"""
    for verb in _verbs(masked, close + 1, min(piece.end, close + _WINDOW))[:_MAX_VERBS]:
        subject = _subject_before(masked, close + 1, verb, False)
        if found := _resolve(subject, discourse, verb.start()):
            return found
        after = _AFTER_VERB_FIRST.match(masked, verb.start() - 1)
        if (subject is not None and not subject.strip(" \t,") and after
                and after.group(1).lower() in FINITE_REPORTING_VERBS and masked[close + 1:verb.start()].rstrip().endswith(",")):
            phrase = _PHRASE_STOP.split(after.group(2) + " ")[0]
            if found := _resolve(phrase, discourse, verb.start()):
                return found  # "…, said Doe."
    return None


def _is_title_case(quote: str) -> bool:
    """'Meet the Press', 'Contract with America', '21st': every word capitalised but the short
    ones title case leaves small, or a numeral."""
    words = [w for w in quote.split() if w[:1].isalnum()]
    long_words = [w for w in words if (len(w) > 3 and bare(w) not in _SMALL_TITLE_WORDS) or w[0].isdigit()]
    return bool(long_words) and all(w[0].isupper() or w[0].isdigit() for w in long_words) and not words[0][0].islower()


_SMALL_TITLE_WORDS = frozenset("with from into over upon onto than that this".split())
# Title-case names ending in one of these are events, laws or shows: a “Commander-in-Chief Forum”.
_NAMED_THING_HEADS = frozenset(
    "forum summit conference convention act bill plan tour show hour hours report awards debate "
    "town hall rally festival program project initiative".split()
)


def _names_a_work(text: str, start: int, end: int, close: int, opens_sentence: bool, has_speaker: bool) -> bool:
    """A title of a show, book or ad, or a slogan, rather than words someone said."""
    quote = text[start:end]
    if not _is_title_case(quote) or len(quote.split()) > 12:
        return False
    if (_WORK_BEFORE.search(text, max(0, start - 40), start - 1) or _WORK_AFTER.match(text, close + 1)
            or bare(quote.split()[-1]) in _NAMED_THING_HEADS):
        return True
    # A capitalised phrase inside a sentence that nobody is said to have spoken.
    return not has_speaker and not opens_sentence and len(quote.split()) > 1


_NICKNAME_BEFORE = re.compile(r"\b[A-Z][\w’'-]*\.?[ \t]$")
_NICKNAME_AFTER = re.compile(r"[ \t][A-Z][\w’'-]+")
_STAGE_DIRECTION = re.compile(r"[(\[][^()\[\]]*[)\]][.,]?")
_WORD_AS_WORD = frozenset("he she him her they them it his hers we us i me you".split())


def _is_no_utterance(text: str, start: int, end: int, open_: int, close: int) -> bool:
    """A nickname ('Thomas K. “Tommy” Lund'), a transcript's stage direction ('(APPLAUSE.)') or a
    pronoun quoted as a word ('“she” is a “he”'): quotation marks around words nobody said."""
    quote = text[start:end]
    if _STAGE_DIRECTION.fullmatch(quote) or bare(quote) in _WORD_AS_WORD:
        return True
    return (" " not in quote and quote[:1].isupper() and _NICKNAME_BEFORE.search(text, max(0, open_ - 30), open_)
            is not None and _NICKNAME_AFTER.match(text, close + 1) is not None)


def _heading(text: str, piece: Piece, masked: str) -> _Speaker | None:
    """A piece like 'Kevin Hassett (NEC Chairman):' or 'The minister said:' ending its line."""
    if piece.end - piece.start > 150 or not _LINE_END_COLON.match(text, piece.end - 1):
        return None
    body = text[piece.start:piece.end]
    label = _LABEL.fullmatch(body)
    if label and (found := _parse_label(label.group(1).strip(), label.group(2))):
        return found
    verbs = _verbs(masked, piece.start, piece.end)
    # "The ministry said in a statement:" - a short adjunct may sit between verb and colon
    if verbs and re.fullmatch(r"[^,;.!?\x00]{0,40}:", masked[verbs[-1].end():piece.end]):
        return _resolve(_subject_before(masked, piece.start, verbs[-1], _is_headline(body)), None, 0)
    return None


def _heading_by_piece(text: str, pieces: list[Piece], masked: str) -> list[_Speaker | None]:
    """The heading speaker in force for each piece; a block ends at a bullet, heading or blank line."""
    active: _Speaker | None = None
    has_content = False
    result: list[_Speaker | None] = []
    for piece in pieces:
        found = _heading(text, piece, masked)
        if found is not None:
            active, has_content = found, False
        elif piece.bulleted or (piece.after_blank and has_content):
            active = None
        else:
            has_content = True
        result.append(None if found else active)
    return result


# A capitalised word after a lower-case one or a comma is a proper noun ("told Clinton", "said Trump"),
# so the same word opening a sentence names someone; "Markets" or "Instead" never stand there.
_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,] )([A-Z][a-z]+)\b(?![’']s)")
_GENDERED_PRONOUN = re.compile(r"\b(?:(he|him|his|himself)|(she|her|hers|herself))\b", re.IGNORECASE)


def _genders_from_pronouns(masked: str, pieces: list[Piece]) -> dict[str, str]:
    """Gender by surname, from the first he/his or she/her after a name opens a sentence.

    "Fiorina said … . She added" tells what no list of first names can; each sentence a name opens
    casts one vote, and the majority over the article decides.
    """
    votes: dict[str, list[int]] = {}
    for k, piece in enumerate(pieces):
        opening = _sentence_subject(masked, piece)
        if not opening or not all(_is_name_word(w) for w in opening[0].split()):
            continue
        parsed = _parse_speaker(opening[0])
        if parsed is None or not parsed[0][:1].isupper() or bare(parsed[0]) in _PRONOUNS:
            continue
        end = pieces[k + 1].end if k + 1 < len(pieces) else piece.end
        if m := _GENDERED_PRONOUN.search(masked, opening[1] + len(opening[0]), end):
            tally = votes.setdefault(parsed[0].split()[-1], [0, 0])
            tally[m.group(1) is None] += 1
    return {surname: "m" if m > f else "f" for surname, (m, f) in votes.items() if m != f}


def _new_discourse(masked: str, pieces: list[Piece]) -> _Discourse:
    """An empty discourse that already knows what the whole text tells of genders and proper nouns."""
    discourse = _Discourse()
    discourse.genders.update(_genders_from_pronouns(masked, pieces))
    discourse.proper = {m.group(1) for m in _MID_SENTENCE_CAPITAL.finditer(masked)}
    return discourse


def _read_piece(masked: str, piece: Piece, discourse: _Discourse) -> None:
    """Add a sentence's subject and the subjects of its reporting verbs, pronouns resolved as met."""
    opening = _sentence_subject(masked, piece)
    if opening and opening[0][:1].isupper() and (found := _resolve(opening[0], discourse, opening[1])):
        if _is_known_name(found, discourse):
            discourse.add(opening[1], _entity(found, opening[0]), False)
    headline = piece.end - piece.start < 200 and _is_headline(masked[piece.start:piece.end])
    for verb in _verbs(masked, piece.start, piece.end):
        if verb.group().endswith("ing"):
            continue  # "broke into D.C. reporting": a participle's subject is not the word before it
        subject = _subject_before(masked, piece.start, verb, headline)
        if subject and subject.strip() and (found := _resolve(subject, discourse, verb.start())):
            discourse.add(verb.start(), _entity(found, subject), True)
        elif subject is not None and (found := _inverted_subject(masked, piece.start, verb)):
            discourse.add(verb.start(), _entity(found, found[0]), True)


def _inverted_subject(masked: str, lo: int, verb: re.Match[str]) -> _Speaker | None:
    """The name after a verb that follows a comma: '…, noted NBC’s Dante Chinni.'"""
    if verb.group().lower() not in FINITE_REPORTING_VERBS or not masked[lo:verb.start()].rstrip().endswith(","):
        return None
    after = _AFTER_VERB_FIRST.match(masked, verb.start() - 1)
    if after is None or after.group(1) != verb.group():
        return None
    words = list(takewhile(lambda w: w[:1].isupper(), after.group(2).split()))
    return _parse_speaker(" ".join(words)) if words else None


def _is_known_name(found: _Speaker, discourse: _Discourse) -> bool:
    """One capitalised word opening a sentence ("Instead", "Markets") names someone only if the text
    named that person before, it has a role, or it is a known first name; descriptions always do."""
    name, role = found
    words = name.split()
    return (len(words) != 1 or not name[:1].isupper() or role is not None or name in discourse.full_names
            or name in discourse.proper or bare(name) in _FIRST_NAMES)


def _sentence_subject_acting(masked: str, piece: Piece, open_: int, discourse: _Discourse) -> _Speaker | None:
    """The sentence's subject, for words quoted inside what it did: 'Doe called the plan “a farce”'.

    Only when a verb stands between subject and quote ('The United States “will respond”' has none).
    """
    opening = _sentence_subject(masked, piece)
    if opening is None:
        return None
    phrase, at = opening
    between = masked[at + len(phrase):open_]
    if not re.search(r"(?:^|\s)[a-z]+", between) or "\x00" in between:
        return None
    found = _resolve(phrase, discourse, at)
    if found and not _is_known_name(found, discourse):
        return None  # "Markets fell on the “bad news”": one capitalised word is no one yet
    return found


def _salient(discourse: _Discourse, at: int, since: int) -> _Speaker | None:
    """Who a quote nobody is said to have spoken most likely belongs to: the last speaker nearby, else
    the last person the text named there."""
    entity = discourse.last_speaker(at, since) or discourse.latest(at, since)
    return (entity.name, entity.role) if entity else None


def _paragraph_start(text: str, at: int, paragraphs_back: int) -> int:
    """Where the paragraph holding ``at`` starts, or the one ``paragraphs_back`` before it."""
    start = at
    for _ in range(paragraphs_back + 1):
        start = text.rfind("\n", 0, start)
        while start > 0 and not text[text.rfind("\n", 0, start) + 1:start].strip():
            start = text.rfind("\n", 0, start)  # skip blank lines between paragraphs
        if start < 0:
            return 0
    return start + 1


@dataclass
class _Article:
    """One article as the quote finder reads it, and how far its discourse has been read.

    The discourse is read sentence by sentence just ahead of the quote being attributed, so a
    pronoun opening a sentence ("He added that …") meets the speaker of the quote before it
    ("“…,” said Doe.") rather than whoever was the last subject.
    """
    text: str
    masked: str
    pieces: list[Piece]
    starts: list[int]
    headings: list[_Speaker | None]
    discourse: _Discourse
    limit: int
    read: int = 0
    reporting: dict[int, bool] = field(default_factory=dict)

    def reports(self, k: int) -> bool:
        """Whether piece ``k`` holds a reporting verb, outside its quotes (read once per piece)."""
        if k not in self.reporting:
            piece = self.pieces[k]
            self.reporting[k] = _first_verb(self.masked, piece.start, piece.end) is not None
        return self.reporting[k]

    def read_through(self, at: int) -> None:
        k = bisect_right(self.starts, at) - 1
        while self.read <= k:
            _read_piece(self.masked, self.pieces[self.read], self.discourse)
            self.read += 1


def _mask_quotes(text: str, limit: int, pairs: list[tuple[int, int]]) -> str:
    """The text with every quote blanked, so verbs inside other quotes never attribute."""
    chars = list(text[:limit])
    for o, c in pairs:
        chars[o:c + 1] = "\x00" * (c + 1 - o)
    return _hold_abbreviation_dots("".join(chars))


# A transcript quoted whole: '"HOLT: Is that where the talks stand?' or '“MR. DOE: We do.'
_TRANSCRIPT_LABEL = re.compile(
    r"[ \t]*(?:(?:MR|MRS|MS|DR|SEN|REP|GOV)\.[ \t]+)?([A-Z][A-Z’'-]+(?:[ \t][A-Z][A-Z’'-]+){0,2}):[ \t]")


def _transcript_speaker(text: str, open_: int) -> _Speaker | None:
    label = _TRANSCRIPT_LABEL.match(text, open_ + 1)
    if label is None or any(w.lower() in _SECTION_WORDS | {"video", "audio", "photo"} for w in label.group(1).split()):
        return None
    return label.group(1).title(), None


# "Doe’s repeated claim that “hundreds” went missing": the owner of the words said them
_POSSESSOR_OF_WORDS = re.compile(
    r"((?:[A-Z][\w.’'-]*[ \t]+){0,3}[A-Z][\w.-]*)(?:['’]s|(?<=s)['’])[ \t]+(?:[\w-]+[ \t]+){0,3}?"
    r"(?:claims?|assertions?|pledges?|call|broadside|promises?|remarks?|comments?|statements?|words|"
    r"description|charges?|accusations?|vows?|warnings?|criticism|suggestion|insistence|argument|contention|"
    r"tweets?|slogan|refrain|line|phrase|label|prediction|complaint|demands?|boast|retort|quip|jab)\b"
    r"[^\x00.;]{0,60}$"
)


def _possessor_of_words(masked: str, piece: Piece, open_: int) -> _Speaker | None:
    owner = _POSSESSOR_OF_WORDS.search(masked, max(piece.start, open_ - 140), open_)
    return _parse_speaker(owner.group(1)) if owner else None


# Who a colon introduction names outright: "asked the host, Jane Doe:", "From the report:"
_BEFORE_COLON = re.compile(r"(?:\b([a-z]+)|\b(?:More[ \t]+)?[Ff]rom)[ \t]+([^,;:\x00]{2,80}):[ \t]*$")


def _named_before_colon(masked: str, piece: Piece, open_: int) -> _Speaker | None:
    named = _BEFORE_COLON.search(masked, max(piece.start, open_ - 100), open_)
    if named is None or (named.group(1) and named.group(1) not in FINITE_REPORTING_VERBS):
        return None
    return _parse_speaker(named.group(2))


def _next_word(text: str, at: int, limit: int) -> int:
    """Where the words after a closing mark resume, past spaces and a signature's dash."""
    rest = text[at:min(limit, at + 12)]
    return min(at + len(rest) - len(rest.lstrip(" \t\u00a0-―—–,")) + 1, limit - 1)


def _speaker_around(article: _Article, piece: Piece, o: int, c: int) -> _Speaker | None:
    """The speaker a cue right after or before the quote names; after a colon the introduction
    comes first ("Doe issued a statement: “…”"), then a cue after the quote ("…: “…,” the senator
    says"), then the introduction's subject."""
    text, masked, discourse = article.text, article.masked, article.discourse
    after_piece = piece_at(article.pieces, article.starts, _next_word(text, c + 1, article.limit)) or piece
    inner = text[o + 1:c]
    if not masked[max(piece.start, o - 3):o].rstrip().endswith(":"):
        return (_speaker_after(masked, c, after_piece.end, inner, discourse)
                or _speaker_before(masked, piece, o, discourse))
    ends_sentence = inner.rstrip().endswith((".", "!", "?"))  # then what follows is a new sentence
    return (_named_before_colon(masked, piece, o) or _speaker_before(masked, piece, o, discourse)
            or (None if ends_sentence else _speaker_after(masked, c, after_piece.end, inner, discourse))
            or _opening_subject(masked, piece, discourse))


def _speaker_of(article: _Article, k: int, o: int, c: int, previous: Quote | None) -> _Speaker | None:
    """Who says the quote between marks ``o`` and ``c``, by the cues the module docstring lists."""
    text, masked, discourse, pieces, starts = article.text, article.masked, article.discourse, article.pieces, article.starts
    piece = pieces[k]
    if found := _transcript_speaker(text, o):
        return found
    closing = piece_at(pieces, starts, c) or piece
    found = (_speaker_around(article, piece, o, c) or article.headings[k]
             or _speaker_later(masked, closing, c, discourse)
             or _possessor_of_words(masked, piece, o))
    if found is None and previous and previous.speaker and previous.sentence_start == piece.start:
        found = (previous.speaker, previous.speaker_role)  # “…,” said Doe, “…”: one quote, split
    if found is None and o == piece.start:
        # News convention: a sentence that is all quote continues the last speaker nearby.
        entity = discourse.last_speaker(o, _paragraph_start(text, o, 1))
        found = (entity.name, entity.role) if entity else None
    return found


def _cueless_speaker(article: _Article, piece: Piece, o: int, quote: str) -> _Speaker | None:
    """A quote no cue attributes: the sentence's subject if it acts on the quote, else whoever the
    passage is about when the quote is an utterance, else the one speaking in its paragraph."""
    text, discourse = article.text, article.discourse
    if o > piece.start and (found := _sentence_subject_acting(article.masked, piece, o, discourse)):
        return found
    if len(quote.split()) >= _UTTERANCE_WORDS:
        return _salient(discourse, o, _paragraph_start(text, o, 3))
    if _DETERMINED.search(text, max(0, o - 8), o):
        return None  # 'their “very positive” call': a modifier, perhaps the writer's own
    entity = discourse.last_speaker(o, _paragraph_start(text, o, 0))
    return (entity.name, entity.role) if entity else None


def find_quotes(text: str, *, end: int | None = None) -> list[Quote]:
    """Quoted passages before ``end`` with their speaker and role where the prose gives one."""
    return [quote for quote, clues in quote_candidates(text, end=end) if is_spoken(clues)]


def quote_candidates(text: str, *, end: int | None = None) -> list[tuple[Quote, dict[str, float]]]:
    """Every quote the rules keep, with the clues ``quote_filter`` weighs to tell speech from scare
    quotes; ``find_quotes`` keeps those it judges spoken, and the filter is trained on these."""
    limit = search_end(text, end)
    pairs = pair_quotes(text, limit)
    pieces = split_pieces(text, limit, pairs)
    masked = _mask_quotes(text, limit, pairs)
    article = _Article(text, masked, pieces, [p.start for p in pieces], _heading_by_piece(text, pieces, masked),
                       _new_discourse(masked, pieces), limit)
    discourse = article.discourse
    candidates: list[tuple[Quote, dict[str, float]]] = []
    for o, c in pairs:
        inner = text[o + 1:c]
        s = o + 1 + (len(inner) - len(inner.lstrip()))
        e = c - (len(inner) - len(inner.rstrip()))
        k = bisect_right(article.starts, o) - 1
        if (e <= s or k < 0 or text[o - 1:o] == "=" or _TERM_BEFORE.search(text, max(0, o - 40), o)
                or _is_no_utterance(text, s, e, o, c)):
            continue  # markup attributes (author="…"), coined terms and nicknames are no quotes
        article.read_through(min(c + 2, limit - 1))
        piece = pieces[k]
        found = _speaker_of(article, k, o, c, candidates[-1][0] if candidates else None)
        if _names_a_work(text, s, e, c, o == piece.start, found is not None):
            continue
        cued = found is not None
        if found is None:
            found = _cueless_speaker(article, piece, o, text[s:e])
        if found is not None:
            discourse.add(o, _entity(found, found[0]), True)
        closing = piece_at(pieces, article.starts, c) or piece
        quote = Quote(s, e, text[s:e], found[0] if found else None, found[1] if found else None,
                      piece.start, max(piece.end, closing.end))
        candidates.append((quote, _clues(article, k, quote, o, c, cued)))
    return candidates


_DETERMINER_BEFORE = re.compile(
    r"(?:\b(?:the|a|an|his|her|their|its|our|this|that|these|those|such|any|no)|[’']s?)[ \t]+(?:[\w-]+[ \t]+)?$",
    re.IGNORECASE)
_PREPOSITION_BEFORE = re.compile(r"\b(?:of|for|as|about|on|in|to|with|from|by|like)[ \t]+$")
_NAMING_BEFORE = re.compile(r"\b(?:as|called|call|calls|calling|term|terms|word|phrase|so-called)[ \t]+$",
                            re.IGNORECASE)
_FIRST_OR_SECOND_PERSON = re.compile(r"\b(?:I|we|you|my|our|me|us|I[’']m|we[’']re)\b")


def _clues(article: _Article, k: int, quote: Quote, open_: int, close: int, cued: bool) -> dict[str, float]:
    """What ``quote_filter`` weighs: the quote's shape, its cue, and whether the prose around it
    reports speech (a reporting verb in its sentence, the sentence before, or its paragraph)."""
    text, piece = article.text, article.pieces[k]
    words = quote.text.split()
    size = str(len(words)) if len(words) < 4 else "4-6" if len(words) < 7 else "7+"
    before = text[max(0, open_ - 30):open_]
    sentence_verb = article.reports(k)
    punctuated = quote.text[-1:] in ",.?!"
    paragraph = range(bisect_right(article.starts, text.rfind("\n", 0, open_)),
                      bisect_right(article.starts, text.find("\n", close) % (len(text) + 1)))
    clues = {
        "bias": True, f"words {size}": True, "cue": cued, f"cue, words {size}": cued,
        "speaker": quote.speaker is not None, "opens sentence": open_ <= piece.start + 1,
        "lower case": quote.text[:1].islower(), "punctuated": punctuated, f"punctuated, words {size}": punctuated,
        "verb in sentence": sentence_verb, f"verb in sentence, words {size}": sentence_verb,
        "verb in sentence before": k > 0 and article.reports(k - 1),
        "verb in paragraph": any(article.reports(i) for i in paragraph),
        "determiner before": _DETERMINER_BEFORE.search(before) is not None,
        "preposition before": _PREPOSITION_BEFORE.search(before) is not None,
        "naming word before": _NAMING_BEFORE.search(before) is not None,
        "noun after": not punctuated and re.match(r"[ \t][a-z]", text[close + 1:close + 3]) is not None,
        "first or second person": _FIRST_OR_SECOND_PERSON.search(quote.text) is not None,
        "title case": _is_title_case(quote.text), "capitals": quote.text.isupper(),
        "one hyphenated word": len(words) == 1 and "-" in quote.text,
    }
    return {name: float(value) for name, value in clues.items() if value}

