"""The replica state machine: least in flight, cooldowns that grow, half-open trials, rendezvous affinity.

Time is the test's own clock: no test waits for a cooldown to pass.
"""

from __future__ import annotations

import random
from collections import Counter

from easyllm_shim._upstream.replicas import MAX_COOLDOWN, Replicas, public_url, session_key

URLS = ["http://a:1", "http://b:2", "http://c:3"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def replicas(cooldown: float = 1.0) -> tuple[Replicas, Clock]:
    clock = Clock()
    return Replicas(URLS, cooldown, clock, random.Random(7)), clock


def test_the_replica_with_fewest_calls_in_flight_is_chosen() -> None:
    pool, _ = replicas()
    first, second = pool.choose(), pool.choose()
    third = pool.choose()

    assert {first, second, third} == {0, 1, 2}
    pool.done(second, True)
    assert pool.choose() == second


def test_ties_are_broken_at_random_so_sequential_calls_spread() -> None:
    pool, _ = replicas()
    chosen: Counter[int] = Counter()
    for _ in range(300):
        index = pool.choose()
        pool.done(index, True)
        chosen[index] += 1

    assert sorted(chosen) == [0, 1, 2]
    assert min(chosen.values()) >= 45


def test_a_failed_replica_is_skipped_for_a_cooldown_that_doubles_with_each_failure() -> None:
    pool, clock = replicas(cooldown=1.0)
    pool.done(pool.choose("k-for-a"), True)
    dead = pool.choose("k-for-a")
    pool.done(dead, False)

    assert [h.state for h in pool.health()][dead] == "cooling down"
    assert pool.health()[dead].retry_in == 1.0
    assert all(pool.choose() != dead for _ in range(50))  # in flight never returned: still skipped
    clock.now += 1.0
    assert pool.health()[dead].state == "half-open"
    trial = next(i for i in iter(pool.choose, None) if i == dead)
    pool.done(trial, False)
    assert pool.health()[dead].failures == 2
    assert pool.health()[dead].retry_in == 2.0
    for _ in range(10):
        clock.now += MAX_COOLDOWN
        trial = next(i for i in iter(pool.choose, None) if i == dead)
        pool.done(trial, False)
    assert pool.health()[dead].retry_in == MAX_COOLDOWN


def test_a_half_open_replica_gets_one_trial_call_whose_success_restores_it() -> None:
    pool, clock = replicas(cooldown=0.5)
    dead = pool.choose()
    pool.done(dead, False)
    clock.now += 0.5

    trial = next(i for i in iter(pool.choose, None) if i == dead)
    others = [pool.choose() for _ in range(30)]  # while the trial is under way, nobody else tries it
    assert dead not in others
    pool.done(trial, True)
    assert pool.health()[dead].state == "healthy"
    assert pool.health()[dead].failures == 0


def test_an_abandoned_trial_frees_the_replica_for_the_next_trial() -> None:
    pool, clock = replicas()
    dead = pool.choose()
    pool.done(dead, False)
    clock.now += 1.0
    trial = next(i for i in iter(pool.choose, None) if i == dead)
    pool.done(trial, None)

    assert pool.health()[dead].state == "half-open"
    assert next(i for i in iter(pool.choose, None) if i == dead) == dead


def test_with_every_replica_cooling_down_the_one_ready_first_is_tried() -> None:
    pool, clock = replicas()
    calls = [pool.choose() for _ in range(3)]
    for index in calls:
        clock.now += 0.1
        pool.done(index, False)

    assert all(h.state == "cooling down" for h in pool.health())
    assert pool.choose() == calls[0]


def test_a_session_key_stays_on_its_replica_and_moves_only_while_it_is_unhealthy() -> None:
    pool, clock = replicas()
    home = pool.choose("alice")
    pool.done(home, True)
    assert all(pool.choose("alice") == home for _ in range(20))
    keys = [f"user-{n}" for n in range(300)]
    homes = {key: pool.choose(key) for key in keys}
    assert min(Counter(homes.values()).values()) >= 60  # rendezvous hashing spreads keys

    for key in keys:
        pool.done(homes[key], None)
    pool.done(pool.choose("alice"), False)
    away = pool.choose("alice")
    assert away != home
    moved = [key for key in keys if homes[key] != home and pool.choose(key) != homes[key]]
    assert moved == []  # only the keys of the replica that left move
    clock.now += 1.0
    pool.done(pool.choose("alice"), True)  # the half-open trial is alice's own call
    assert pool.choose("alice") == home


def test_session_fields_and_public_urls() -> None:
    assert session_key({"prompt_cache_key": "p", "user": "u"}) == "p"
    assert session_key({"user": "u", "safety_identifier": "s"}) == "u"
    assert session_key({"safety_identifier": "s"}) == "s"
    assert session_key({"user": ""}) is None
    assert public_url("https://me:secret@tgi.internal:8080/v1") == "https://tgi.internal:8080/v1"
