using System.Data.Common;
using Maas.Storage.Migrations;
using Microsoft.Data.Sqlite;

namespace Maas.Storage.Sqlite;

/// <summary>
/// The schema of the disk store. Instants are INTEGER Unix microseconds (UTC), the precision
/// PostgreSQL keeps too, so ordering and boundary comparisons are exact integer comparisons.
/// </summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<SchemaMigration> Migrations =
    [
        new(1, "api_keys and owner_revocations", """
            CREATE TABLE api_keys (
                id           TEXT    NOT NULL PRIMARY KEY,
                owner        TEXT    NOT NULL,
                owner_groups TEXT    NOT NULL, -- JSON array of strings
                name         TEXT    NOT NULL,
                description  TEXT    NULL,
                hash         BLOB    NOT NULL UNIQUE,
                created_at   INTEGER NOT NULL, -- Unix microseconds, UTC
                expires_at   INTEGER NOT NULL,
                revoked_at   INTEGER NULL,
                last_used_at INTEGER NULL
            ) STRICT;
            CREATE INDEX ix_api_keys_owner_created ON api_keys (owner, created_at DESC, id DESC);
            CREATE TABLE owner_revocations (
                owner          TEXT    NOT NULL PRIMARY KEY,
                revoked_before INTEGER NOT NULL -- Unix microseconds, UTC
            ) STRICT;
            """),
        new(2, "labels on api_keys and the indexes of key search", """
            ALTER TABLE api_keys ADD COLUMN labels TEXT NOT NULL DEFAULT '{}'; -- JSON object of strings
            CREATE INDEX ix_api_keys_owner_expires ON api_keys (owner, expires_at, id);
            CREATE INDEX ix_api_keys_owner_name ON api_keys (owner, name, id);
            CREATE INDEX ix_api_keys_created ON api_keys (created_at, id);
            """),
        new(3, "key rotation links and the append-only audit trail", """
            ALTER TABLE api_keys ADD COLUMN rotated_from TEXT NULL;
            ALTER TABLE api_keys ADD COLUMN replaced_by  TEXT NULL;
            CREATE TABLE audit_log (
                sequence        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
                at              INTEGER NOT NULL, -- Unix microseconds, UTC
                action          TEXT    NOT NULL, -- create, revoke, rotate, revoke_all, bulk_revoke
                actor           TEXT    NOT NULL,
                subject         TEXT    NOT NULL,
                key_id          TEXT    NULL,
                replaced_key_id TEXT    NULL,
                count           INTEGER NULL,
                request_id      TEXT    NULL,
                client_address  TEXT    NULL
            ) STRICT;
            -- Newest first, and the cursor (at, sequence) is a range seek on each of these.
            CREATE INDEX ix_audit_log_at ON audit_log (at DESC, sequence DESC);
            CREATE INDEX ix_audit_log_actor ON audit_log (actor, at DESC, sequence DESC);
            CREATE INDEX ix_audit_log_subject ON audit_log (subject, at DESC, sequence DESC);
            CREATE INDEX ix_audit_log_key ON audit_log (key_id, at DESC, sequence DESC);
            CREATE INDEX ix_audit_log_replaced_key ON audit_log (replaced_key_id, at DESC, sequence DESC);
            -- Append-only: the file refuses to change or remove an entry, whoever asks.
            CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
            """),
        new(4, "audit_log refuses REPLACE and upserts, which replace an entry without an UPDATE or DELETE trigger", """
            -- INSERT OR REPLACE (and REPLACE, and an upsert) onto a taken sequence removes that entry
            -- without firing the DELETE trigger (recursive triggers are off): refuse any insert whose
            -- sequence is taken, before its conflict is resolved. A new entry's sequence is assigned
            -- after BEFORE triggers run (NEW.sequence is -1 here), so it never matches.
            CREATE TRIGGER audit_log_append_only_replace BEFORE INSERT ON audit_log
            WHEN EXISTS (SELECT 1 FROM audit_log WHERE sequence = NEW.sequence)
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: that entry exists'); END;
            -- Sequences start at 1: an entry written at -1 by hand would otherwise match the -1 above
            -- and refuse every later append.
            CREATE TRIGGER audit_log_sequence_positive AFTER INSERT ON audit_log
            WHEN NEW.sequence < 1
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: sequences start at 1'); END;
            """),
        new(5, "the usage ledger: hourly counts per user, credential, tier, model and outcome, and the batches applied", """
            CREATE TABLE usage_ledger (
                user_name         TEXT    NOT NULL,
                hour              INTEGER NOT NULL, -- Unix microseconds, UTC, a whole hour
                credential        TEXT    NOT NULL, -- the API key's id, or 'token'
                tier              TEXT    NOT NULL,
                model             TEXT    NOT NULL,
                outcome           INTEGER NOT NULL, -- 0 allowed, 1 limited, 2 upstream error
                labels            TEXT    NOT NULL DEFAULT '{}', -- the key's labels, a JSON object of strings
                requests          INTEGER NOT NULL,
                prompt_tokens     INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                -- A user's range is a seek on the primary key (no rowid: the key is the row's place).
                PRIMARY KEY (user_name, hour, credential, tier, model, outcome)
            ) STRICT, WITHOUT ROWID;
            -- The retention sweep removes by hour.
            CREATE INDEX ix_usage_ledger_hour ON usage_ledger (hour);
            CREATE TABLE usage_ledger_batches (
                id   TEXT    NOT NULL PRIMARY KEY, -- the batch's id: a batch sent again is not added twice
                hour INTEGER NOT NULL -- its earliest hour, so the sweep forgets it with its rows
            ) STRICT, WITHOUT ROWID;
            CREATE INDEX ix_usage_ledger_batches_hour ON usage_ledger_batches (hour);
            """),
        new(6, "ephemeral API keys (the later Go service's short-lived keys) and the index their sweep deletes by", """
            ALTER TABLE api_keys ADD COLUMN ephemeral INTEGER NOT NULL DEFAULT 0; -- 1 for an ephemeral key
            -- Only ephemeral keys are in it: the sweep finds the expired ones without reading the others.
            CREATE INDEX ix_api_keys_ephemeral_expires ON api_keys (expires_at, id) WHERE ephemeral = 1;
            """),
        new(7, "an API key's own limits and budgets, and what an audited change changed", """
            ALTER TABLE api_keys ADD COLUMN limits TEXT NULL; -- JSON object, NULL for a key without (the tier's alone apply)
            ALTER TABLE audit_log ADD COLUMN detail TEXT NULL; -- set_limits: {"old":…,"new":…}
            """),
        new(8, "an API key's subscription (the tier it draws on) and the index a search or bulk revoke by it walks", """
            ALTER TABLE api_keys ADD COLUMN subscription TEXT NULL; -- a tier's name, NULL for the owner's highest tier
            -- Only keys with a subscription are in it.
            CREATE INDEX ix_api_keys_subscription ON api_keys (subscription, created_at, id) WHERE subscription IS NOT NULL;
            """),
    ];

    public static SchemaMigrator CreateMigrator(TimeProvider? timeProvider, Microsoft.Extensions.Logging.ILogger? logger) =>
        new(Migrations, SqliteMigrationDialect.Instance, timeProvider, logger);

    internal sealed class SqliteMigrationDialect : SchemaMigrationDialect
    {
        public static readonly SqliteMigrationDialect Instance = new();

        // BEGIN IMMEDIATE takes the write lock at once, so two processes opening the same file
        // migrate one after the other (the second waits out the busy timeout, then sees the work done).
        public override ValueTask<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken) =>
            ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
    }
}
