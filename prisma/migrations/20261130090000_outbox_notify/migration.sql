-- Wakes the outbox relay as soon as a transaction that wrote an OutboxEvent commits: PostgreSQL delivers a
-- NOTIFY only at commit (never for a rolled-back transaction) and folds repeats within one transaction into one.
-- The relay still polls, so a notification missed while its listener reconnects delays a record, never loses it.
-- Prisma's migration runner cuts statements at every semicolon, even in a quoted function body or a comment, so
-- the body's semicolons are written as \073 (octal) in an escape string.
CREATE OR REPLACE FUNCTION "outbox_event_notify"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN PERFORM pg_notify(''outbox_event'', '''')\073 RETURN NULL\073 END';

CREATE TRIGGER "OutboxEvent_notify"
  AFTER INSERT ON "OutboxEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "outbox_event_notify"();
