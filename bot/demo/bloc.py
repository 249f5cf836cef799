"""The demo bloc (seed 004, Khối thi đua số 3), loaded straight into a console's database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.demo.roster import PEOPLE, UNITS
from bot.services import Services

if TYPE_CHECKING:
    from bot.channels.console.repl import Console

GROUP_TITLE = "Khối thi đua số 3"


async def load_demo_bloc(services: Services, console: Console) -> None:
    """The bloc, its 8 units, one linked representative each (all of whom have started a
    private chat), chair and vice chair for this year; nothing if it is there already."""
    group = await console.chat_id(private=False, name=GROUP_TITLE)
    ids = {name: await console.person_id(name) for _k, _uid, name, _u in PEOPLE}
    async with services.db.transaction() as uow:
        there = await uow.blocs.by_chat(group) is not None
    if not there:
        await _create(services, group, ids, console.lang)
    # Also when the bloc was there (a second `console --demo` on the same folder): the console
    # writes in its group, and its people have their private chats.
    for _key, _uid, name, _n in PEOPLE:
        console.channel.private_chats.add(ids[name])
    console.where.group = GROUP_TITLE


async def _create(services: Services, group: int, ids: dict[str, int], lang: str) -> None:
    """The demo bloc with its units, people, chair and vice chair, in one transaction."""
    async with services.db.transaction() as uow:
        chair = ids[PEOPLE[0][2]]
        bloc = await uow.blocs.create(group, GROUP_TITLE, lang, services.config.timezone, chair)
        units = [await uow.units.add(bloc.id, name) for name in UNITS]
        year = services.clock.now().year
        for _key, _uid, name, number in PEOPLE:
            await uow.people.upsert(ids[name], name, None)
            await uow.people.mark_started(ids[name])
            await uow.units.link(bloc.id, units[number - 1].id, ids[name])
        await uow.blocs.set_role(bloc.id, year, "chair", units[2].id)
        await uow.blocs.set_role(bloc.id, year, "vice", units[3].id)
