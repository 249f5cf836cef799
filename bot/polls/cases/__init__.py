"""The polls use cases: what a person asks of a poll, each one transaction, channel-neutral.

A use case takes plain values (the database, ids, parsed input, the time) and returns a result
the conversation renders; it never sees a Turn, a channel or a message text. By topic:
``state`` (a poll as the conversation sees it), ``voting`` (standing, drafts, casting; with
``drafts``, the sealed ballot drafts), ``opening`` (rounds and their boxes), ``committee``
(who holds the codes), ``closing`` (the close, the count, the card, pages and links),
``definitions`` (drafts defined and settled, the close question, boxes by code, the minutes'
facts). The stored rows the conversation renders are named here too.
"""

from storage.conversations import ANYONE
from storage.polls import BoxRow, CategoryRow, CountRow, Holder, Poll, RoundRow

__all__ = ["ANYONE", "BoxRow", "CategoryRow", "CountRow", "Holder", "Poll", "RoundRow"]
