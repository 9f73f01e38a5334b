"""Every benchmark scenario runs end to end at a tiny size and reports the expected fields.

No timing is asserted here: targets are checked by `python -m bench` as ratios measured in one
run (bench/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import SCENARIOS, TINY
from bench.__main__ import run_all
from bench.results import FIELDS, Result, table


async def test_every_scenario_runs_at_a_tiny_size(tmp_path: Path) -> None:
    results = await run_all(list(SCENARIOS), TINY, tmp_path, echo=False)

    prefixes = {r.scenario.split()[0] for r in results}
    assert prefixes == set(SCENARIOS)
    for result in results:
        assert isinstance(result, Result)
        data = result.to_dict()
        assert set(FIELDS) <= set(data), result.scenario
        assert data["status"] in ("met", "not met", "skipped", "info")
        if result.skipped is None:
            assert result.value is not None and result.value > 0, result.scenario
            assert result.baseline is not None and result.baseline > 0, result.scenario
            assert result.met is not None and result.target
        json.dumps(data, default=str)
    assert all(line for line in table(results).splitlines())

    throughput = next(r for r in results if r.scenario.startswith("P1 answer throughput"))
    full = throughput.details["full_stack"]
    assert throughput.details["every_answer_stored"], full
    assert full["answers"] == TINY.p1_parents * TINY.p1_answers_each * TINY.p1_rounds
    assert full["bot_api_calls_per_answer"] >= 2  # answer the tap, edit, ask the next question

    cpu = next(r for r in results if r.scenario.startswith("P1 CPU per answer"))
    assert cpu.details["baseline"]["bot_api_calls"]["editMessageText"] > 0  # the same 3 calls
    counted = cpu.details["per_answer"]
    assert counted["reads_per_answer"] > 0 and counted["writes_per_answer"] > 0
    assert counted["chat_locks_per_answer"] >= 1
    latency = next(r for r in results if r.scenario.startswith("P1 p99 latency"))
    assert f"full_stack_at_{TINY.p1_high_rate:.0f}_per_s" in latency.details
