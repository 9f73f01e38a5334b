"""The privacy rules as pure functions, attacked with small and adversarial cell sizes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.limits import MIN_GROUP_CLOSED, MIN_GROUP_OPEN
from bot.reports import ReportOptions
from bot.reports.privacy import (
    DOMINANCE_GROUP,
    RELEASE_STEP,
    jointly_shown,
    merge_small,
    open_answers_shown,
    poolable,
    releasable,
    released,
    released_places,
    suppress,
    thresholds,
)

M = MIN_GROUP_CLOSED


def recoverable(cells: dict[str, int], hidden: set[str], minimum: int) -> bool:
    """Can an attacker who sees the total and the shown cells single out a small group?"""
    if not hidden:
        return False
    pool = sum(cells[k] for k in hidden)  # = total - shown cells: always computable
    return len(hidden) == 1 or pool < minimum


def test_minimums_are_floors_configurable_upwards_only() -> None:
    assert thresholds(None, None) == (MIN_GROUP_CLOSED, MIN_GROUP_OPEN)
    assert thresholds(2, 3) == (MIN_GROUP_CLOSED, MIN_GROUP_OPEN)
    assert thresholds(8, 20) == (8, 20)
    options = ReportOptions(min_closed=1, min_open=0)
    assert (options.min_closed, options.min_open) == (MIN_GROUP_CLOSED, MIN_GROUP_OPEN)
    assert ReportOptions(min_closed=7, min_open=12).min_closed == 7


def test_release_in_whole_blocks() -> None:
    assert RELEASE_STEP == MIN_GROUP_CLOSED
    assert [released(n) for n in (0, 1, 4, 5, 6, 9, 10, 14, 15, 41)] == [
        0,
        0,
        0,
        5,
        5,
        5,
        10,
        10,
        15,
        40,
    ]


def test_no_cell_hidden_when_all_are_large_enough() -> None:
    assert suppress({"a": 5, "b": 20, "c": 7}, M) == set()


def test_single_small_cell_pulls_in_the_smallest_other() -> None:
    # A language group of 3 in a round of 40: hiding it alone would leave 40 - 37 = 3.
    cells = {"nl": 30, "tr": 7, "bg": 3}
    hidden = suppress(cells, M)
    assert hidden == {"bg", "tr"}
    assert not recoverable(cells, hidden, M)


def test_two_tiny_cells_are_not_a_safe_pool() -> None:
    # 1 + 2 = 3 < 5: the pool itself would be a small group; a third cell joins.
    cells = {"a": 1, "b": 2, "c": 6, "d": 30}
    hidden = suppress(cells, M)
    assert hidden == {"a", "b", "c"}
    assert not recoverable(cells, hidden, M)


def test_cells_of_three_four_five_beside_larger_ones() -> None:
    cells = {"x3": 3, "x4": 4, "x5": 5, "big": 28}
    hidden = suppress(cells, M)
    assert hidden == {"x3", "x4"}  # 3 + 4 = 7 >= 5 and two cells: x5 can stay
    assert not recoverable(cells, hidden, M)


def test_zero_cells_stay_shown_and_do_not_count_as_pool() -> None:
    cells = {"empty": 0, "small": 2, "big": 20}
    hidden = suppress(cells, M)
    assert hidden == {"small", "big"}
    assert "empty" not in hidden


def test_everything_hidden_when_no_safe_pool_exists() -> None:
    assert suppress({"a": 2, "b": 1}, M) == {"a", "b"}
    assert suppress({"only": 3}, M) == {"only"}


def test_suppression_is_deterministic_on_ties() -> None:
    cells = {"b": 6, "a": 6, "z": 2}
    assert suppress(cells, M) == suppress(dict(reversed(list(cells.items()))), M) == {"a", "z"}


@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 40), max_size=8),
    st.integers(5, 12),
)
def test_no_hidden_cell_follows_from_the_total(cells: dict[str, int], minimum: int) -> None:
    hidden = suppress(cells, minimum)
    nonzero = {k for k, n in cells.items() if n > 0}
    assert all(cells[k] >= minimum for k in nonzero - hidden)  # every shown cell is large enough
    assert all(cells[k] > 0 for k in hidden)
    if hidden != nonzero:  # unless the breakdown shows nothing beyond the total
        assert not recoverable(cells, hidden, minimum)


def test_small_languages_merge_before_they_are_named() -> None:
    mapping = merge_small({"nl": 20, "tr": 5, "bg": 3, "ar": 1}, M, "_other")
    assert mapping == {"nl": "nl", "tr": "tr", "bg": "_other", "ar": "_other"}


def test_pool_of_small_schools_only_when_it_is_safe() -> None:
    assert poolable({"A": 30, "B": 20}, M) == {"A", "B"}
    assert poolable({"A": 30, "B": 3}, M) == {"A"}  # B would be total minus A
    assert poolable({"A": 30, "B": 3, "C": 1}, M) == {"A"}  # 3 + 1 < 5
    assert poolable({"A": 30, "B": 3, "C": 4}, M) == {"A", "B", "C"}


@given(st.dictionaries(st.integers(1, 50), st.integers(0, 30), max_size=8))
def test_a_total_over_schools_never_isolates_a_small_school(cells: dict[int, int]) -> None:
    included = poolable(cells, M)
    small_in = {k for k in included if 0 < cells[k] < M}
    assert not small_in or (len(small_in) >= 2 and sum(cells[k] for k in small_in) >= M)


def test_open_answers_need_ten() -> None:
    assert not open_answers_shown(9, MIN_GROUP_OPEN)
    assert open_answers_shown(10, MIN_GROUP_OPEN)


# ---- issue 11 ---------------------------------------------------------------------------------


def test_releasable_needs_the_minimum_and_no_unanimity_in_a_small_group() -> None:
    assert not releasable({"5": 4}, 4, M)
    assert not releasable({"5": 5}, 5, M)  # five times the same face: each one known
    assert releasable({"5": 4, "4": 1}, 5, M)
    assert releasable({"4": DOMINANCE_GROUP}, DOMINANCE_GROUP, M)  # a finding, not a person
    assert not releasable({"lezen": 6, "spelen": 2}, 6, M)  # an option chosen by all who answered


def test_unsafe_cells_are_hidden_with_a_complement_and_pools_are_checked() -> None:
    cells = {"a": 20, "b": 6, "c": 7}
    assert suppress(cells, M, unsafe={"b"}) == {"b", "c"}
    # the pool b+c would be unanimous too: hide a as well (then nothing is derivable)
    assert suppress(cells, M, unsafe={"b"}, pool_ok=lambda keys: "a" in keys) == {"a", "b", "c"}
    assert poolable({"x": 20, "y": 6}, M, unsafe={"y"}) == {"x"}


@given(st.dictionaries(st.sampled_from("abcdef"), st.integers(0, 30), min_size=1))
def test_suppression_with_unsafe_cells_never_leaves_one_recoverable(cells: dict[str, int]) -> None:
    unsafe = {k for k in cells if k in "ab"}
    hidden = suppress(cells, M, unsafe=unsafe)
    nonempty = {k for k, n in cells.items() if n}
    assert unsafe & nonempty <= hidden
    assert not recoverable(cells, hidden, M) or hidden == nonempty


@given(st.lists(st.integers(1, 40), unique=True), st.integers(0, 40))
def test_a_gap_takes_its_whole_block_and_nobody_moves_in(
    present: list[int], forgotten: int
) -> None:
    before = released_places(present)
    after = released_places(p for p in present if p != forgotten)
    assert len(before ^ after) in (0, RELEASE_STEP)  # nothing, or exactly one whole block
    assert after <= before  # a forget never lets a later place in


def test_joint_breakdowns_need_every_intersection_and_difference_safe() -> None:
    assert jointly_shown({("nl", "1A"): 10, ("nl", "1B"): 10, ("tr", "1A"): 5}, M)
    assert not jointly_shown({("nl", "1A"): 1, ("nl", "1B"): 10, ("tr", "1A"): 5}, M)
    assert not jointly_shown({("nl", "1A"): 6, ("nl", "1B"): 10, ("tr", "1B"): 3}, M)
