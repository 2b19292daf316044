"""The runaway cooldown of a client, and the memory of what stopped the engine."""

from __future__ import annotations

import threading

import pytest

from service.errors import EngineReloading, QueryTimeout, RunawayCooldown
from service.sparql.cooldown import GATE, Cooldowns
from service.sparql.suspects import Suspects


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_cooldown_doubles_on_each_repeat_up_to_the_cap() -> None:
    clock = Clock()
    cooldowns = Cooldowns(30, cap=200, clock=clock)
    lengths = []
    for _ in range(5):
        lengths.append(cooldowns.punish("10.0.0.1"))
        clock.now += 1
    assert lengths == [30, 60, 120, 200, 200]
    with pytest.raises(RunawayCooldown) as refused:
        cooldowns.check("10.0.0.1")
    assert refused.value.retry_after == 199  # one second has passed
    assert refused.value.french.startswith("une requête de ce client")
    cooldowns.check("10.0.0.2")  # another client is not concerned
    clock.now += 199
    cooldowns.check("10.0.0.1")  # over


def test_a_client_that_behaves_for_a_while_starts_again_from_the_first_step() -> None:
    clock = Clock()
    cooldowns = Cooldowns(30, cap=200, clock=clock)
    assert cooldowns.punish("10.0.0.1") == 30
    assert cooldowns.punish("10.0.0.1") == 60
    clock.now += 60 + 201
    assert cooldowns.punish("10.0.0.1") == 30


def test_the_server_s_own_work_and_a_zero_setting_never_cool_down() -> None:
    cooldowns = Cooldowns(30)
    for client in (GATE, ""):
        assert cooldowns.punish(client) == 0
        cooldowns.check(client)
    off = Cooldowns(0)
    assert off.punish("10.0.0.1") == 0
    off.check("10.0.0.1")


def test_suspects_are_refused_until_cleared_runaways_until_the_data_changes() -> None:
    suspects = Suspects()
    suspects.suspect("q")
    with pytest.raises(QueryTimeout, match="told whether it was the cause"):
        suspects.refuse_known("q", 5)
    suspects.cleared("q")
    suspects.refuse_known("q", 5)
    suspects.runaway("r")
    with pytest.raises(QueryTimeout, match="past the 5 s limit"):
        suspects.refuse_known("r", 5)
    suspects.forget()
    suspects.refuse_known("r", 5)


def test_waiting_for_the_quarantine_is_bounded() -> None:
    suspects = Suspects()
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with suspects.quarantine(1):
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(5)
    try:
        with pytest.raises(EngineReloading, match="n'a pas pu"), suspects.quarantine(0.2):
            pass
    finally:
        leave.set()
        holder.join(5)
    with suspects.quarantine(0.2):
        pass
