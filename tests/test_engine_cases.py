"""The flow engine, as data: every `tests/engine_cases/*.yaml` is one scenario.

A case names a flow (a shipped flow id, or a small flow written inline), a script of inputs,
the events each input must produce, and the final state. The runner drives the pure engine
(`bot.engine.start` / `bot.engine.resume`) step by step, and between two steps it stores the
state as JSON and reads it back, as the host does: a scenario passes only if every state
survives that round trip and the engine never changes the state it was given.

Case file shape::

    description: what this case shows
    flow: barometer-ouders            # or an inline flow mapping (id, version, questions, ...)
    script:
      - start:                        # optional first step: check what engine.start says
        expect: [...]
      - choose: {question: q1, value: "4", version: 1}   # version: a button of that version
      - done: {question: q3}
      - text: "hallo"                 # or {repeat: "x", times: 2001}
      - voice: {file_id: F1, seconds: 7}
      - skip: {question: q2}          # or `skip:` with no question (typed "skip")
      - back:
      - resume:
      - unusable: sticker
      - host_status: paused           # the host sets a status it owns (paused, expired)
        expect: [...]                 # events, in order: `kind` and any fields to compare
        state: {current: q2, unusable: 1}   # optional: fields of the state after this step
    final: {status: completed, current: null, answers: {q1: {value: "4"}}}

Expected events and states match on the fields given (nested mappings too); `text_length`
compares the length of an answer's `text`. A step without `expect` must produce no event
check; write `expect: []` to require that nothing happens.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import engine
from bot.engine import SessionState, Status
from bot.flow_model import Flow, get_flow

CASES_DIR = Path(__file__).parent / "engine_cases"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
INPUT_KINDS = {"choose", "done", "text", "voice", "skip", "back", "resume", "unusable"}


def load_case(path: Path) -> dict[str, Any]:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(case, dict) and "script" in case and "flow" in case, f"{path.name}: bad case"
    return case


def case_flow(case: dict[str, Any]) -> Flow:
    spec = case["flow"]
    return get_flow(spec) if isinstance(spec, str) else Flow.model_validate(spec)


def build_input(flow: Flow, kind: str, arg: Any) -> engine.Input:
    """One script line as an engine input."""
    arg = {} if arg is None else arg

    def key_of(a: dict[str, Any]) -> str | None:
        return f"{flow.id}@{a['version']}" if "version" in a else None

    match kind:
        case "choose":
            return engine.Choose(
                question_id=arg["question"], value=str(arg["value"]), flow_key=key_of(arg)
            )
        case "done":
            return engine.Done(question_id=arg["question"], flow_key=key_of(arg))
        case "text":
            if isinstance(arg, dict):
                return engine.Text(text=str(arg["repeat"]) * int(arg["times"]))
            return engine.Text(text=str(arg))
        case "voice":
            return engine.Voice(file_id=arg["file_id"], seconds=int(arg.get("seconds", 0)))
        case "skip":
            return engine.Skip(question_id=arg.get("question"), flow_key=key_of(arg))
        case "back":
            return engine.Back()
        case "resume":
            return engine.Resume()
        case "unusable":
            return engine.Unusable(what=str(arg))
    raise AssertionError(f"unknown input {kind!r}")


def matches(expected: Any, actual: Any, where: str) -> None:
    """Assert that `actual` has every field of `expected` (recursively)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, value in expected.items():
            if key == "text_length":
                assert len(actual.get("text") or "") == value, f"{where}.text length"
                continue
            assert key in actual, f"{where}: no field {key!r} in {actual!r}"
            if key == "answers":  # exactly these questions have an answer, no more
                assert sorted(value) == sorted(actual[key]), (
                    f"{where}.answers: {sorted(actual[key])}"
                )
            matches(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list | tuple), f"{where}: expected a list, got {actual!r}"
        assert len(expected) == len(actual), f"{where}: expected {expected!r}, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            matches(e, a, f"{where}[{i}]")
    else:
        assert expected == actual, f"{where}: expected {expected!r}, got {actual!r}"


def round_trip(state: SessionState) -> SessionState:
    """What the store does between two inputs: JSON out, JSON in."""
    again = SessionState.from_json(state.to_json())
    assert again == state, "the state changed on its way through JSON"
    assert again.to_json() == state.to_json()
    return again


def run_case(case: dict[str, Any]) -> SessionState:
    flow = case_flow(case)
    script: list[dict[str, Any]] = list(case["script"])
    state, events = engine.start(flow)
    if script and "start" in script[0]:
        check_step(script.pop(0), 0, state, events)
    state = round_trip(state)
    for number, step in enumerate(script, start=1):
        kinds = [k for k in step if k in INPUT_KINDS or k == "host_status"]
        assert len(kinds) == 1, f"step {number}: one input per step, got {sorted(step)}"
        kind = kinds[0]
        if kind == "host_status":
            state = state.model_copy(update={"status": Status(step[kind])})
            events: list[Any] = []
        else:
            before = state.to_json()
            state, events = engine.resume(flow, state, build_input(flow, kind, step[kind]))
            given = SessionState.from_json(before)
            assert given.to_json() == before, f"step {number}: the engine changed its input state"
        check_step(step, number, state, events)
        state = round_trip(state)
    if "final" in case:
        matches(case["final"], state.model_dump(mode="json"), "final state")
    return state


def check_step(step: dict[str, Any], number: int, state: SessionState, events: list[Any]) -> None:
    if "expect" in step:
        got = [e.model_dump(mode="json") for e in events]
        kinds = [e["kind"] for e in got]
        wanted = [e["kind"] for e in step["expect"]]
        assert kinds == wanted, f"step {number} ({_label(step)}): events {kinds}, expected {wanted}"
        matches(step["expect"], got, f"step {number} events")
    if "state" in step:
        matches(step["state"], state.model_dump(mode="json"), f"step {number} state")


def _label(step: dict[str, Any]) -> str:
    return next((f"{k}: {step[k]!r}" for k in step if k not in ("expect", "state")), "?")


def test_there_are_cases() -> None:
    assert len(CASE_FILES) >= 14, [p.name for p in CASE_FILES]


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_engine_case(path: Path) -> None:
    run_case(load_case(path))


def test_the_runner_catches_a_wrong_expectation() -> None:
    """A case that expects the wrong event must fail: the runner is not a rubber stamp."""
    case = load_case(CASES_DIR / "straight_path.yaml")
    case["script"][1]["expect"][0]["answer"]["value"] = "5"
    with pytest.raises(AssertionError, match="value"):
        run_case(case)
