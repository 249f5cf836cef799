-- Form drafts become conversation rows (one mechanism for what the bot waits for from a person,
-- issue 10): slot 'form:<form id>', kind 'form_draft', chat_id = person_id = the person (a
-- draft is the person's wherever they answer), payload {"unit_id", "answers", "picked",
-- "updated_at"}. A draft is kept 60 days past the later of its last touch and the form's
-- deadline (the chair may reopen a form), then it expires like any conversation row.
INSERT OR REPLACE INTO conversations(chat_id, person_id, slot, kind, payload, message_id, expires_at, seq)
SELECT d.user_id, d.user_id, 'form:' || d.form_id, 'form_draft',
       json_object('unit_id', d.unit_id, 'answers', json(d.answers), 'picked', json(d.picked),
                   'updated_at', d.updated_at),
       d.message_id,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', MAX(d.updated_at, COALESCE(f.deadline_at, d.updated_at)), '+60 days'),
       (SELECT COALESCE(MAX(seq), 0) FROM conversations) + d.seq
FROM form_drafts d JOIN forms f ON f.id = d.form_id;

DROP TABLE form_drafts;
