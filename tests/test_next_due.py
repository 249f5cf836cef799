"""The scheduler's next wake-up (storage/reminders.py next_due): the same answer as reading every
pending row, from two indexed looks that do not grow with the number of pending rows."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database
from storage.reminders import ReminderRepo, TimerRepo, next_due_sql

OLD = "SELECT MIN(MAX(due_at, COALESCE(retry_at, due_at))) FROM {t} WHERE status = 'pending'"


async def test_next_due_counts_retries_and_uses_the_indexes(tmp_path: Path) -> None:
    async with Database(tmp_path / "d.sqlite3") as db:
        async with db.transaction() as uow:
            await uow.conn.execute(
                "INSERT INTO blocs(id, chat_id, name, language, timezone, created_by, created_at) "
                "VALUES (1, -1, 'Khối', 'vi', 'Asia/Ho_Chi_Minh', 1, '2026-01-01T00:00:00+00:00')"
            )
            await uow.conn.execute(
                "INSERT INTO events(id, bloc_id, kind, title, starts_at, created_by, created_at, updated_at) "
                "VALUES (1, 1, 'meeting', 'Họp', '2026-12-31T00:00:00+00:00', 1, '2026-01-01', '2026-01-01')"
            )
            rows = [  # (due_at, status, retry_at)
                ("2026-12-10T00:00:00+00:00", "pending", None),
                ("2026-12-05T00:00:00+00:00", "pending", "2026-12-20T00:00:00+00:00"),  # retry later
                ("2026-12-08T00:00:00+00:00", "pending", "2026-12-01T00:00:00+00:00"),  # moved later
                ("2026-12-01T00:00:00+00:00", "sent", None),
            ]
            for due, status, retry in rows:
                await uow.conn.execute(
                    "INSERT INTO reminders(event_id, offset_s, due_at, status, retry_at) VALUES (1, 0, ?, ?, ?)",
                    (due, status, retry),
                )
                await uow.conn.execute(
                    "INSERT INTO timers(kind, ref, due_at, status, retry_at) VALUES ('k', ?, ?, ?, ?)",
                    (due, due, "done" if status == "sent" else status, retry),
                )
        async with db.read() as uow:
            for repo, table in ((uow.repo(ReminderRepo), "reminders"), (uow.repo(TimerRepo), "timers")):
                old = (await uow.conn.execute_fetchall(OLD.format(t=table)))[0][0]
                found = await repo.next_due()
                assert found is not None and found.isoformat() == old == "2026-12-08T00:00:00+00:00"
                plan = [
                    str(r[3])
                    for r in await uow.conn.execute_fetchall("EXPLAIN QUERY PLAN " + next_due_sql(table))
                ]
                assert any(f"INDEX {table}_retry" in step for step in plan)
                assert not any(step.startswith("SCAN") for step in plan), plan  # no full read
