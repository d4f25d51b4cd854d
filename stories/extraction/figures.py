"""Percentages, money amounts and counted quantities found in news text, with parsed values."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .layout import Piece, bare, pair_quotes, piece_at, search_end, split_pieces


@dataclass(frozen=True)
class Figure:
    start: int
    end: int
    text: str
    value: Decimal
    value_high: Decimal | None
    unit: str
    sentence_start: int
    sentence_end: int



_DASHES = "-\u2010\u2011\u2012\u2013\u2212"  # not the em dash: it separates clauses
_NUMBER = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])")
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12,
           "k": 3, "m": 6, "mn": 6, "b": 9, "bn": 9, "t": 12, "tn": 12}
_SCALE_WORD = re.compile(r"[ \u00a0](thousand|million|billion|trillion)\b", re.IGNORECASE)
_SCALE_ABBR = re.compile(r"(bn|mn|tn|k|m|b|t)\b", re.IGNORECASE)
_PERCENT = re.compile(
    r"[ \u00a0](?:percentage|basis) points?\b|[ \u00a0]?%|[ \u00a0](?:percent|per cent|pct)\b", re.IGNORECASE
)
_CURRENCY_WORD = re.compile(r"[ \u00a0](dollars|pounds|euros|yen|yuan|renminbi|USD|GBP|EUR|CNY|JPY|RMB)\b")
_CURRENCY_BEFORE = re.compile(r"(?<![A-Za-z])(?:([A-Z]{1,2})?\$|£|€|¥|(USD|GBP|EUR|CNY|JPY|RMB)[ \u00a0])[ \u00a0]?$")
_RANGE = re.compile(rf"[ \u00a0]?[{_DASHES}][ \u00a0]?|[ \u00a0]+(to|and)[ \u00a0]+")
_COMPOUND = re.compile(rf"[{_DASHES}]([a-z]{{2,}})\b(?![{_DASHES}]?\d)")
_NOUN = re.compile(r"[ \u00a0]+([a-z]{2,})\b(?!['’]\w)")
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_MONTH_BEFORE = re.compile(rf"\b{_MONTH}\.?[ \u00a0]$")
# dates ("9 June"), ordinals ("2nd") and clock times ("10:30", "3pm") directly after a number
_DATE_OR_TIME_AFTER = re.compile(rf"[ \u00a0]{_MONTH}\b|(?i:st|nd|rd|th)\b|:\d|[ \u00a0]?(?i:[ap]\.m\.|[ap]m\b)")
_CURRENCY_UNITS = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "¥": "yen/yuan", "dollars": "USD",
                   "pounds": "GBP", "euros": "EUR", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "RMB": "CNY"}
_MAX_DIGITS = 20  # longer digit runs are IDs or junk, never amounts
_DOLLAR_PREFIXES = {"US": "USD", "C": "CAD", "CA": "CAD", "A": "AUD", "AU": "AUD", "HK": "HKD",
                    "S": "SGD", "NZ": "NZD", "NT": "TWD", "R": "BRL"}
_IRREGULAR_PLURALS = frozenset("people staff personnel children men women police cattle data feet".split())
_NOT_NOUNS = frozenset("is was has as us its this thus plus across less unless always perhaps towards "
                       "besides does goes whereas yes his hers ours yours theirs".split())
_MEASURES = frozenset("km kg mph mw gw kwh gb tb ft lb lbs bp bps mm cm ml".split())
_QUANTIFIERS = frozenset("about around nearly almost roughly some over under more fewer than up to just "
                         "only at least approximately".split())


def _clean(value: Decimal) -> Decimal:
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _is_count_noun(word: str) -> bool:
    if word in _IRREGULAR_PLURALS or word in _MEASURES:
        return True
    return word.endswith("s") and not word.endswith(("ss", "us", "is")) and word not in _NOT_NOUNS


def _read_scale(text: str, pos: int, attached_ok: bool) -> tuple[int, int]:
    if m := _SCALE_WORD.match(text, pos):
        return _SCALES[m.group(1).lower()], m.end()
    if attached_ok and (m := _SCALE_ABBR.match(text, pos)):
        return _SCALES[m.group(1).lower()], m.end() + (text[m.end():m.end() + 1] == "+")
    return 0, pos


def _read_unit(text: str, pos: int) -> tuple[str | None, int]:
    if m := _PERCENT.match(text, pos):
        unit = m.group().strip().lower()
        return (f"{unit.split()[0]} points" if "point" in unit else "percent"), m.end()
    if m := _CURRENCY_WORD.match(text, pos):
        return _CURRENCY_UNITS.get(m.group(1).lower(), m.group(1).upper()), m.end()
    return None, pos


def _is_name_number(text: str, start: int, sentence_start: int) -> bool:
    """'S&P 500', 'Section 301', 'COVID-19', '3-1': digits that belong to a name or score."""
    if start >= 2 and text[start - 1] in _DASHES + "/" and text[start - 2].isalnum():
        return True
    token = re.search(r"(\S+)[ \u00a0]$", text[max(0, start - 30):start])
    if not token or not any(c.isupper() for c in token.group(1)):
        return text[start - 1:start] == "#"
    word = token.group(1)
    if "&" in word or sum(c.isupper() for c in word) > 1:
        return True
    return start - len(token.group()) > sentence_start and bare(word) not in _QUANTIFIERS


def _read_high(text: str, pos: int, money: bool) -> tuple[Decimal, int, str | None, int] | None:
    """The upper end of a range starting at ``pos``: (number, scale, unit, end)."""
    symbol = _CURRENCY_BEFORE.match(text, pos) if money else None
    n2 = _NUMBER.match(text, symbol.end() if symbol else pos)
    if n2 is None or len(n2.group()) > _MAX_DIGITS:
        return None
    scale, end = _read_scale(text, n2.end(), money)
    unit, end = _read_unit(text, end)
    if unit is None and text[end:end + 1].isalpha():
        return None  # "5-10am", "3-4th": not a quantity range
    return Decimal(n2.group().replace(",", "")), scale, unit, end


def _figure_at(text: str, m: re.Match[str], piece: Piece) -> Figure | None:
    start, pos = m.start(), m.end()
    if pos - start > _MAX_DIGITS:
        return None
    if _MONTH_BEFORE.search(text, max(0, start - 12), start) or _DATE_OR_TIME_AFTER.match(text, pos):
        return None
    currency = _CURRENCY_BEFORE.search(text, max(0, start - 5), start)
    unit = None
    if currency:
        symbol = currency.group().strip()
        unit = _CURRENCY_UNITS.get(symbol) or currency.group(2) or _DOLLAR_PREFIXES.get(currency.group(1), symbol)
        start = currency.start()
    scale, pos = _read_scale(text, pos, currency is not None)
    if text[pos:pos + 1].isalpha():
        return None  # glued letters: ordinals, model numbers, unknown units
    own_unit, pos = _read_unit(text, pos)
    high_number, high_scale = None, 0
    r = _RANGE.match(text, pos)
    between = text[max(0, start - 8):start].lower().endswith("between ")
    # "from 5% to 10%" is a change, not a range: "to"/"and" only join bare numbers
    joins = r and (r.group(1) != "and" or between) and not (r.group(1) and (scale or own_unit))
    if joins and (high := _read_high(text, r.end(), currency is not None)):
        high_number, high_scale, own_unit, pos = high[0], high[1], high[2] or own_unit, high[3]
    low = Decimal(m.group().replace(",", ""))
    plain = "," not in m.group() and "." not in m.group()
    unit = own_unit or unit
    if unit is None:
        if (plain and 1800 <= low <= 2199) or _is_name_number(text, start, piece.start):
            return None  # years and numbered names
        if high_number is None and (c := _COMPOUND.match(text, pos)):
            unit, pos = _plural(c.group(1)), c.end()
        elif (noun := _NOUN.match(text, pos)) and _is_count_noun(noun.group(1)):
            unit, pos = noun.group(1), noun.end()
        else:
            return None
    value = _clean(low * 10 ** (scale or high_scale))
    high = _clean(high_number * 10 ** (high_scale or scale)) if high_number is not None else None
    return Figure(start, pos, text[start:pos], value, high, unit, piece.start, piece.end)


def find_figures(text: str, *, end: int | None = None) -> list[Figure]:
    """Percentages, money amounts and counted quantities before ``end`` with parsed values."""
    limit = search_end(text, end)
    pieces = split_pieces(text, limit, pair_quotes(text, limit))
    starts = [p.start for p in pieces]
    figures: list[Figure] = []
    consumed = 0
    for m in _NUMBER.finditer(text, 0, limit):
        piece = piece_at(pieces, starts, m.start())
        if m.start() < consumed or piece is None:
            continue
        figure = _figure_at(text, m, piece)
        if figure and figure.end <= limit:
            figures.append(figure)
            consumed = figure.end
    return figures
