"""The send budget (bot/core/sending.py): replies first, every limit held, on an injected clock.

The limits are checked against the emulator's own flood control (bot/emulators/telegram/flood.py:
Telegram's strict windows), fed with the times the sends reach the server, which a network
delays by a different amount for each.
"""

from __future__ import annotations

import heapq
import random
from itertools import count, pairwise

import pytest

from bot.core.sending import BULK, REPLY, Limits, SendQueue, Ticket, current_kind, fan_out
from bot.emulators.telegram import FloodControl, FloodLimits

GROUP = -1001
PERSON = 42


def grant_all(queue: SendQueue, now: float) -> list[Ticket]:
    granted, _again = queue.due(now)
    return granted


def test_a_reply_jumps_ahead_of_a_queued_fan_out() -> None:
    queue = SendQueue(Limits.telegram())
    fan = [queue.submit(-2000 - n, BULK) for n in range(100)]
    first = grant_all(queue, 0.0)
    assert len(first) == 1  # fan-out sends are spaced, never a burst
    for ticket in first:
        queue.done(ticket, 0.01)
    reply = queue.submit(PERSON, REPLY)
    granted = grant_all(queue, 0.011)
    assert granted == [reply]  # the next bulk slot is 34 ms away; the reply goes now
    later = grant_all(queue, 0.04)
    assert later == [fan[1]]  # then the fan-out goes on, in order


def test_replies_take_a_full_window_before_any_fan_out() -> None:
    queue = SendQueue(Limits.telegram())
    bulk = [queue.submit(-3000 - n, BULK) for n in range(50)]
    replies = [queue.submit(100 + n, REPLY) for n in range(40)]
    granted = grant_all(queue, 0.0)
    assert granted == replies[:30]  # 30 a second overall, all to the replies
    assert not any(t.granted for t in bulk)
    for ticket in granted:
        queue.done(ticket, 0.02)
    granted, again = queue.due(0.5)
    assert granted == [] and again == pytest.approx(0.02 + 1.0 * 1.001 + 0.001)  # the window is full
    granted = grant_all(queue, again)
    assert granted[:10] == replies[30:] and granted[10:] == bulk[:1]


def test_per_chat_and_per_group_limits_keep_slots_for_replies() -> None:
    queue = SendQueue(Limits.telegram())
    for _ in range(20):
        queue.submit(GROUP, BULK)
    sent: list[tuple[Ticket, float]] = []
    now = 0.0
    while now < 59.0:
        for ticket in grant_all(queue, now):
            sent.append((ticket, now))
            queue.done(ticket, now + 0.01)
        now += 0.01
    assert len(sent) == 15  # of a group's 20 a minute, fan-outs take 15
    # a chat: 1 a second after a burst, of which fan-outs leave one send for a reply
    gaps = [b - a for (_t, a), (_u, b) in pairwise(sent[1:])]
    assert all(0.95 < gap < 1.02 for gap in gaps)
    replies = [queue.submit(GROUP, REPLY) for _ in range(5)]
    first = grant_all(queue, 59.0)
    assert first == replies[:3]  # at once: the group had room, the chat bursts 3
    for ticket in first:
        queue.done(ticket, 59.01)
    granted, again = queue.due(59.5)
    assert granted == [] and again == pytest.approx(60.01)  # the chat's next token
    fourth = grant_all(queue, again)
    assert fourth == replies[3:4]
    queue.done(fourth[0], 60.02)
    granted, again = queue.due(60.5)
    assert granted == [] and again == pytest.approx(61.01)  # the token grew while it flew
    assert grant_all(queue, again) == replies[4:]


def test_a_chats_sends_keep_their_order() -> None:
    queue = SendQueue(Limits.telegram())
    tickets = [queue.submit(PERSON, BULK) for _ in range(4)]
    order: list[Ticket] = []
    now = 0.0
    while len(order) < 4:
        for ticket in grant_all(queue, now):
            order.append(ticket)
            queue.done(ticket, now)
        now += 0.05
    assert order == tickets


def test_retry_after_holds_every_send() -> None:
    queue = SendQueue(Limits.telegram())
    queue.pause(5.0)
    ticket = queue.submit(PERSON, REPLY)
    granted, again = queue.due(1.0)
    assert granted == [] and again == 5.0
    assert grant_all(queue, 5.0) == [ticket]


def test_a_withdrawn_send_frees_its_place() -> None:
    queue = SendQueue(Limits.telegram())
    gone = queue.submit(PERSON, REPLY)
    queue.withdraw(gone)
    assert queue.waiting == 0 and grant_all(queue, 0.0) == []


def test_fan_out_marks_only_what_is_inside() -> None:
    assert current_kind() == REPLY
    with fan_out():
        assert current_kind() == BULK
    assert current_kind() == REPLY


def test_zalo_limits_are_per_second_without_groups() -> None:
    limits = Limits.per_second(10.0)
    assert (limits.overall, limits.overall_window, limits.per_group, limits.per_chat_rate) == (
        10,
        1.0,
        0,
        1.0,
    )
    queue = SendQueue(limits)
    tickets = [queue.submit(2**53 + n, REPLY) for n in range(12)]
    assert grant_all(queue, 0.0) == tickets[:10]


def simulate(seed: int) -> tuple[float, list[float], int, int]:
    """A morning: 1,000 reminders to 1,000 groups at once, people asking all along (a reply every
    0.2 s in their private chats, one group answering someone every second), each send reaching
    the server 0-20 ms after it was let go and answered 0-10 ms later. Returns (when the last
    reminder reached the server, each private reply's wait, replies sent meanwhile, 429s the
    server would have given)."""
    rng = random.Random(seed)
    queue = SendQueue(Limits.telegram())
    now = 0.0
    server = FloodControl(FloodLimits(clock=lambda: now))
    events: list[tuple[float, int, str, Ticket]] = []
    order = count()
    asked: dict[int, float] = {}
    for n in range(1000):
        queue.submit(-5000 - n, BULK)
    waits: list[float] = []
    last_reminder = 0.0
    refused = replies = 0
    step = 0
    while step < 60_000 and (queue.waiting or events or step < 40_000):
        now = step * 0.001
        if step % 200 == 0 and step < 40_000:
            ticket = queue.submit(PERSON + step // 200, REPLY)  # a person asks once
            asked[ticket.seq] = now
        if step % 1000 == 0 and step < 40_000:
            queue.submit(GROUP, REPLY)
        for ticket in grant_all(queue, now):
            arrive = now + rng.uniform(0.0, 0.02)
            heapq.heappush(events, (arrive, next(order), "arrive", ticket))
            heapq.heappush(events, (arrive + rng.uniform(0.0, 0.01), next(order), "done", ticket))
            if ticket.kind == REPLY and queue.sent[BULK] < 1000:
                replies += 1
            if ticket.seq in asked:
                waits.append(now - asked.pop(ticket.seq))
        while events and events[0][0] <= now + 0.001:
            at, _n, what, ticket = heapq.heappop(events)
            now = at
            if what == "arrive":
                if server.retry_after(ticket.chat) is not None:
                    refused += 1
                server.record(ticket.chat)
                if ticket.kind == BULK:
                    last_reminder = at
            else:
                queue.done(ticket, at)
        step += 1
    assert queue.sent[BULK] == 1000
    return last_reminder, waits, replies, refused


@pytest.mark.parametrize("seed", [1, 2])
def test_a_fan_out_runs_at_the_limit_without_a_429_and_replies_wait_little(seed: int) -> None:
    last, waits, replies, refused = simulate(seed)
    assert refused == 0  # the server never saw more than its limits, whatever the delays
    bound = (1000 + replies) / 30  # the fan-out and the replies that went meanwhile, at 30/s
    assert last <= 1.025 * bound  # the loss: one round trip per window (and 0.2 % for the clocks)
    assert len(waits) == 200 and max(waits) < 0.25  # a reply waits a few slots at most


def test_a_person_pressing_fast_gets_one_a_second_after_a_burst_and_no_429() -> None:
    """30 presses in 6 s, each answered by an edit of the same private message."""
    rng = random.Random(5)
    queue = SendQueue(Limits.telegram())
    now = 0.0
    server = FloodControl(FloodLimits(clock=lambda: now))
    events: list[tuple[float, int, str, Ticket]] = []
    order = count()
    granted_at: list[float] = []
    refused = 0
    for step in range(40_000):
        now = step * 0.001
        if step % 200 == 0 and step < 6000:
            queue.submit(PERSON, REPLY)
        for ticket in grant_all(queue, now):
            granted_at.append(now)
            arrive = now + rng.uniform(0.0, 0.05)
            heapq.heappush(events, (arrive, next(order), "arrive", ticket))
            heapq.heappush(events, (arrive + rng.uniform(0.0, 0.02), next(order), "done", ticket))
        while events and events[0][0] <= now:
            at, _n, what, ticket = heapq.heappop(events)
            if what == "arrive":
                refused += server.retry_after(ticket.chat) is not None
                server.record(ticket.chat)
            else:
                queue.done(ticket, at)
    assert refused == 0 and len(granted_at) == 30
    assert granted_at[2] < 0.5  # the burst
    assert 27 < granted_at[-1] < 30  # then one a second (each a little later than its token)
