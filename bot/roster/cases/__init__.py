"""The roster use cases: what a person asks of the bloc, each one transaction, channel-neutral.

A use case takes plain values (the database, ids, parsed input, the time) and returns a result
the conversation renders; it never sees a Turn, a channel or a message text. By topic: the bloc
itself, its roles and a chat's language (``blocs``), its units and the roster file (``units``),
join codes and voters (``members``).
"""

from __future__ import annotations

from bot.roster.cases.blocs import (
    BlocCard,
    RoleClash,
    RoleSet,
    bloc_admins,
    bloc_card,
    create_bloc,
    create_homeless_bloc,
    person,
    set_language,
    set_role,
)
from bot.roster.cases.members import (
    CodeRefused,
    Joined,
    JoinResult,
    PollOpen,
    TooManyCodes,
    VoterSet,
    Wrong,
    issue_invites,
    join_by_code,
    join_by_link,
    open_poll,
    set_voter,
)
from bot.roster.cases.units import (
    MAX_UNITS,
    Added,
    Imported,
    Renamed,
    RosterView,
    Skipped,
    TooManyUnits,
    UnitRefused,
    active_units,
    add_units,
    import_roster,
    remove_unit,
    rename_unit,
    roster_view,
    unit_by_id,
)

__all__ = [
    "MAX_UNITS",
    "Added",
    "BlocCard",
    "CodeRefused",
    "Imported",
    "JoinResult",
    "Joined",
    "PollOpen",
    "Renamed",
    "RoleClash",
    "RoleSet",
    "RosterView",
    "Skipped",
    "TooManyCodes",
    "TooManyUnits",
    "UnitRefused",
    "VoterSet",
    "Wrong",
    "active_units",
    "add_units",
    "bloc_admins",
    "bloc_card",
    "create_bloc",
    "create_homeless_bloc",
    "import_roster",
    "issue_invites",
    "join_by_code",
    "join_by_link",
    "open_poll",
    "person",
    "remove_unit",
    "rename_unit",
    "roster_view",
    "set_language",
    "set_role",
    "set_voter",
    "unit_by_id",
]
