"""The privacy rules of every report: pure functions, the same for chat, charts, files and /status.

No output may show, or let a reader compute, one parent's answers. The rules, who may see what,
and the risks that remain are written down in `docs/privacy.md` (the threat model); this module
is their one implementation, and each function names the rule it applies:

     1  thresholds, shown                 a figure needs `min_closed` answers (floor 5)
     2  released_places                   stable blocks of the completion order (never shift)
     3  (build)                           answer breakdowns only once a round is closed
     4  suppress                          complementary suppression inside one breakdown
     5  merge_small, language_cells,      small languages are never named, in reports,
        nameable_languages                /status and the feedback language menu
     6  (figures.pool)                    derived figures only from shown figures
     7  poolable                          schools in a centre total
     8  (queries, build)                  nothing identifies a respondent; open answers in a
                                          language that is not named are withheld
     9  releasable                        a figure is wholly shown or wholly hidden: enough
                                          answers behind every number, no unanimous value
    10  jointly_shown                     a second breakdown only when every intersection and
                                          difference with the first is 0 or at least the minimum
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from typing import TypeVar

from bot.limits import MIN_GROUP_CLOSED, MIN_GROUP_OPEN

K = TypeVar("K", bound=Hashable)

# Respondents enter the figures in blocks of this size (rule 2): the floor of the minimum.
RELEASE_STEP = MIN_GROUP_CLOSED
# Rule 9 (dominance): a distribution of fewer answers than this in which one value holds them
# all is hidden. It is the group size at which the open answers, each parent's own words, are
# shown too; from there on "everyone gave 4" is a finding about the school. The residual risk
# (each of them is then known to have given 4) is written down in docs/privacy.md.
DOMINANCE_GROUP = MIN_GROUP_OPEN


def thresholds(min_closed: int | None, min_open: int | None) -> tuple[int, int]:
    """Configured minimums, raised to the floors in `bot.limits` (configurable upwards only)."""
    closed = max(MIN_GROUP_CLOSED, min_closed or 0)
    opened = max(MIN_GROUP_OPEN, min_open or 0)
    return closed, opened


def released(final: int, step: int = RELEASE_STEP) -> int:
    """At most how many of `final` respondents enter the figures: whole blocks of `step` only."""
    return final // step * step if final > 0 else 0


def block_of(place: int, step: int = RELEASE_STEP) -> int:
    """Rule 2: the block of a place in the completion order (places count from 1)."""
    return (place - 1) // step


def released_places(present: Iterable[int], step: int = RELEASE_STEP) -> set[int]:
    """Rule 2: the places whose respondents enter the figures.

    Every final respondent holds a fixed place in its round's completion order, never reused
    (`respondents.place`, migration 004). Places 1..step form block 0, and so on. A block is
    released only when every one of its `step` places is present: a forgotten (or stopped)
    respondent leaves a gap, and its whole block leaves the figures with it, so no later
    respondent ever moves into a released block and two releases differ by a whole block.
    `queries._counted_cte` is the same rule in SQL.
    """
    places = set(present)
    blocks: dict[int, int] = {}
    for place in places:
        blocks[block_of(place, step)] = blocks.get(block_of(place, step), 0) + 1
    return {p for p in places if blocks[block_of(p, step)] == step}


def shown(n: int | None, minimum: int) -> bool:
    """Rule 1: a figure is shown when at least `minimum` answers stand behind it."""
    return n is not None and n >= minimum


def releasable(counts: Mapping[str, int], n: int, minimum: int) -> bool:
    """Rule 9: may a distribution of `n` answers be shown at all, every number of it?

    At least `minimum` answers stand behind it (`n` is the basis of every number shown: for a
    scale, the faces given, so a shown mean always comes with its faces and a hidden mean never
    leaves faces behind), and, in a group under `DOMINANCE_GROUP`, no single value holds all of
    them (dominance: five parents who all gave the same face would each be known). For multiple
    choice `counts` are per option and `n` is the respondents who answered: an option chosen by
    all of them is the same unanimity.
    """
    unanimous = max(counts.values(), default=0) >= n
    return n >= minimum and not (unanimous and n < DOMINANCE_GROUP)


def suppress(
    cells: Mapping[K, int],
    minimum: int,
    *,
    unsafe: Collection[K] = (),
    pool_ok: Callable[[set[K]], bool] | None = None,
) -> set[K]:
    """The cells of a breakdown to hide, so that no hidden cell follows from the total.

    `cells` maps each cell of a complete partition to its size (answers or respondents); the
    total is the sum and is assumed shown. `unsafe` cells are hidden whatever their size (rule
    9). Returns the hidden keys: empty, or at least two cells holding together at least
    `minimum` and passing `pool_ok` (what a reader computes as total minus the shown cells must
    itself be releasable), or every non-empty cell when that cannot be reached.
    """
    hidden = {k for k, n in cells.items() if 0 < n < minimum}
    hidden |= {k for k in unsafe if cells.get(k, 0) > 0}
    if not hidden:
        return hidden
    candidates = sorted(
        (k for k, n in cells.items() if k not in hidden and n > 0),
        key=lambda k: (cells[k], str(k)),
    )
    while candidates and not (
        _safe_pool(cells, hidden, minimum) and (pool_ok is None or pool_ok(hidden))
    ):
        hidden.add(candidates.pop(0))
    return hidden


def _safe_pool(cells: Mapping[K, int], hidden: set[K], minimum: int) -> bool:
    return len(hidden) >= 2 and sum(cells[k] for k in hidden) >= minimum


def jointly_shown(cross: Mapping[tuple[str, str], int], minimum: int) -> bool:
    """Rule 10: may a second breakdown be shown beside the first?

    `cross` maps (cell of the first, cell of the second) to the respondents in both. Only when
    every intersection, and every difference of a cell with a cell of the other breakdown
    (cell minus intersection), is 0 or at least `minimum`: otherwise "class 1A minus the
    Turkish parents" could be one parent.
    """
    rows: dict[str, int] = {}
    cols: dict[str, int] = {}
    for (a, b), n in cross.items():
        rows[a] = rows.get(a, 0) + n
        cols[b] = cols.get(b, 0) + n

    def ok(n: int) -> bool:
        return n == 0 or n >= minimum

    return all(
        ok(n) and ok(rows[a] - n) and ok(cols[b] - n)
        for a in rows
        for b in cols
        for n in [cross.get((a, b), 0)]
    )


def merge_small(cells: Mapping[K, int], minimum: int, other: K) -> dict[K, K]:
    """Rule 5: map each key to itself, or to `other` when it has fewer than `minimum`."""
    return {k: (k if n >= minimum else other) for k, n in cells.items()}


OTHER_LANGUAGES = "_other"  # the one cell of every language too small to name (rule 5)


def language_cells(counts: Mapping[str, int], minimum: int) -> list[tuple[str, int | None]]:
    """Rule 5 for `/status`: (language code or OTHER_LANGUAGES, count or None when hidden).

    Languages under the minimum are merged into one cell, then the cells are suppressed as
    one breakdown of the shown total (rule 4), so "total minus Dutch" is never one small
    language. Largest first, the merged cell last. The caller labels OTHER_LANGUAGES
    "andere talen" and a None count "minder dan N" (or leaves it out).
    """
    merged: dict[str, int] = {}
    for code, cell in merge_small(counts, minimum, OTHER_LANGUAGES).items():
        merged[cell] = merged.get(cell, 0) + counts[code]
    hidden = suppress(merged, minimum)
    order = sorted(merged, key=lambda k: (k == OTHER_LANGUAGES, -merged[k], k))
    return [(k, None if k in hidden else merged[k]) for k in order if merged[k] > 0]


def nameable_languages(counts: Mapping[str, int], minimum: int) -> set[str]:
    """Rule 5 for menus (the feedback translation menu): languages spoken by enough families.

    A language of fewer than `minimum` respondents is not offered by name; a feedback text for
    them goes out in the "other languages" fallback (Dutch), so the menu never says that one
    family speaks Bulgarian.
    """
    return {code for code, n in counts.items() if n >= minimum}


def poolable(
    cells: Mapping[K, int],
    minimum: int,
    *,
    unsafe: Collection[K] = (),
    pool_ok: Callable[[set[K]], bool] | None = None,
) -> set[K]:
    """Rule 7: the cells (schools) that may be added into a total beside shown cells.

    Every releasable cell at or above the minimum is shown elsewhere. The others (under the
    minimum, or `unsafe`: hidden by rule 9 in their own report) may join the total only as a
    pool of at least two cells holding at least `minimum` that passes `pool_ok`; else they stay
    out.
    """
    small = {k for k, n in cells.items() if 0 < n < minimum}
    small |= {k for k in unsafe if cells.get(k, 0) > 0}
    if not small or (_safe_pool(cells, small, minimum) and (pool_ok is None or pool_ok(small))):
        return set(cells)
    return set(cells) - small


def open_answers_shown(counted_respondents: int, min_open: int) -> bool:
    """Open answers of a round are shown when enough respondents are counted in it."""
    return counted_respondents >= min_open


def listing_order(sizes: Mapping[K, int], minimum: int) -> list[K]:
    """Live counts by cell (/status): shown cells largest first, then the cells under the
    minimum in the order of their keys, so their place in the list hints at no size."""
    big = sorted((k for k, n in sizes.items() if shown(n, minimum)), key=lambda k: (-sizes[k], k))
    small = sorted(k for k, n in sizes.items() if not shown(n, minimum))  # type: ignore[type-var]
    return big + small
