"""The privacy rules of every report: pure functions, the same for chat, charts and files.

No output may show, or let a reader compute, one parent's answers. The rules, in the order a
report applies them:

1. Thresholds. A closed-question figure (counts per face or option, mean, shares) is shown only
   when at least `min_closed` answers stand behind it (default and floor 5); open answers are
   shown only when at least `min_open` respondents are counted in the round (default and floor
   10). A configured value below the floor is raised to it (`thresholds`).

2. Release in blocks. Only *final* respondents count (completed, or every respondent once the
   round is closed, since answers cannot change after that), and only the first
   `RELEASE_STEP * k` of them in the order they finished (`released`). Two reports of the same
   round therefore differ by at least five respondents or not at all, so a reader cannot take
   the report before and after one parent answered and subtract. The step is the floor, not
   the configured minimum, so viewers with different minimums get the same counted set.

3. Breakdowns of answers (by language, by class group) appear only once the round is closed:
   while it is open a cell could grow by one parent between two reports, and the difference
   would be that parent's answers.

4. Complementary suppression (`suppress`). A breakdown is a partition of a shown total. A cell
   under the minimum is hidden; if the hidden cells could then be recovered as "total minus the
   rest", more cells are hidden, smallest first, until at least two cells are hidden and together
   hold at least the minimum. What the reader can compute, total minus the shown cells, is then
   a pool of at least `minimum` answers from at least two cells, which says no more than any
   shown cell does. Per statement this is applied to the answer counts of the cells, so exact
   face counts of a statement with n just above the minimum can never be combined with a
   breakdown to single out a small group. Cells with zero respondents are shown (a zero says
   nothing about a person) and do not count towards the pool.

5. Small languages are never named (`merge_small`). A language spoken by fewer than `minimum`
   respondents joins one cell "other languages" before suppression, so the report does not
   reveal that, say, the one Bulgarian-speaking family took part. Open answers from such a
   language are labelled "other language".

6. Derived figures come only from shown figures: a theme mean pools the statement figures that
   are shown, a framework figure pools the themes' shown statements, a gap or a trend compares
   two shown figures. A hidden figure can therefore never be recovered from a derived one.

7. Across schools (`poolable`) a school's figure is public in its own report, so it cannot be
   hidden as a complement. A centre total includes the schools under the minimum only when
   they are at least two and together hold at least the minimum; otherwise they are left out of
   the total (and the report says how many were left out). Schools are listed by name only when
   the viewer may see them by name, in alphabetical order, never ranked by score; and when the
   total minus the listed schools would be exactly one unlisted school, none is listed.

8. Nothing identifies a respondent: reports carry no respondent ids, chat ids, names or
   usernames; open answers are sorted by language and text, never by time, so the answers of one
   parent to two open questions cannot be linked; voice file ids appear only in a report built
   for a brugfiguur who asked for them.

Residual risks, accepted and documented: a reader who already knows everything about all but
one parent of a cell learns the last one (any published count has this); when every respondent
of a small shown cell gives the same answer, that answer is known for all of them; a parent who
asks to be forgotten after a round closed changes the counted set once.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from bot.limits import MIN_GROUP_CLOSED, MIN_GROUP_OPEN

K = TypeVar("K", bound=Hashable)

# Respondents enter the figures in blocks of this size (rule 2): the floor of the minimum.
RELEASE_STEP = MIN_GROUP_CLOSED


def thresholds(min_closed: int | None, min_open: int | None) -> tuple[int, int]:
    """Configured minimums, raised to the floors in `bot.limits` (configurable upwards only)."""
    closed = max(MIN_GROUP_CLOSED, min_closed or 0)
    opened = max(MIN_GROUP_OPEN, min_open or 0)
    return closed, opened


def released(final: int, step: int = RELEASE_STEP) -> int:
    """How many of `final` respondents enter the figures: whole blocks of `step` only."""
    return final // step * step if final > 0 else 0


def shown(n: int | None, minimum: int) -> bool:
    """Rule 1: a figure is shown when at least `minimum` answers stand behind it."""
    return n is not None and n >= minimum


def suppress(cells: Mapping[K, int], minimum: int) -> set[K]:
    """The cells of a breakdown to hide, so that no hidden cell follows from the total.

    `cells` maps each cell of a complete partition to its size (answers or respondents); the
    total is the sum and is assumed shown. Returns the hidden keys: empty, or at least two cells
    holding together at least `minimum` (or every non-empty cell when that cannot be reached).
    """
    hidden = {k for k, n in cells.items() if 0 < n < minimum}
    if not hidden:
        return hidden
    candidates = sorted(
        (k for k, n in cells.items() if k not in hidden and n > 0),
        key=lambda k: (cells[k], str(k)),
    )
    while not _safe_pool(cells, hidden, minimum) and candidates:
        hidden.add(candidates.pop(0))
    return hidden


def _safe_pool(cells: Mapping[K, int], hidden: set[K], minimum: int) -> bool:
    return len(hidden) >= 2 and sum(cells[k] for k in hidden) >= minimum


def merge_small(cells: Mapping[K, int], minimum: int, other: K) -> dict[K, K]:
    """Rule 5: map each key to itself, or to `other` when it has fewer than `minimum`."""
    return {k: (k if n >= minimum else other) for k, n in cells.items()}


def poolable(cells: Mapping[K, int], minimum: int) -> set[K]:
    """Rule 7: the cells (schools) that may be added into a total beside shown cells.

    Every cell at or above the minimum is shown elsewhere. The cells under it may join the total
    only as a pool of at least two cells holding at least `minimum`; else they stay out.
    """
    small = {k for k, n in cells.items() if 0 < n < minimum}
    if not small or _safe_pool(cells, small, minimum):
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
