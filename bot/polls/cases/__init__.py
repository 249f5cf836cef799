"""The polls use cases: what a person asks of the bloc, each one transaction, channel-neutral.

A use case takes plain values (the database, ids, parsed input, the time) and returns a result
the conversation renders; it never sees a Turn, a channel or a message text.
"""
