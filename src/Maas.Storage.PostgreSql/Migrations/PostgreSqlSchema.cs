using Maas.Storage.Migrations;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Maas.Storage.PostgreSql.Migrations;

/// <summary>
/// The external store's schema. Same tables and meaning as the SQLite store, in PostgreSQL's
/// types: instants are <c>timestamptz</c> (microsecond precision: the store truncates every
/// instant to whole microseconds before writing it), groups a <c>text[]</c> kept in order, the
/// hash a unique <c>bytea</c>. Identifiers and owners use the "C" collation, so comparisons are
/// exact and "newest first, ties by id descending" is ordinal whatever the database's locale.
/// </summary>
internal static class PostgreSqlSchema
{
    /// <summary>Every migration, oldest first. Released migrations never change; add new ones at the end.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        new SchemaMigration(
            1,
            "API keys, per-owner revocation instants and signing keys",
            """
            CREATE TABLE api_keys (
                id            text COLLATE "C" NOT NULL PRIMARY KEY,
                owner         text COLLATE "C" NOT NULL,
                owner_groups  text[]           NOT NULL,
                name          text             NOT NULL,
                description   text             NULL,
                hash          bytea            NOT NULL CONSTRAINT api_keys_hash_key UNIQUE,
                created_at    timestamptz      NOT NULL,
                expires_at    timestamptz      NOT NULL,
                revoked_at    timestamptz      NULL,
                last_used_at  timestamptz      NULL
            );
            CREATE INDEX api_keys_owner_listing_idx ON api_keys (owner, created_at DESC, id DESC);
            CREATE TABLE owner_revocations (
                owner           text COLLATE "C" NOT NULL PRIMARY KEY,
                revoked_before  timestamptz      NOT NULL
            );
            CREATE TABLE signing_keys (
                kid              text COLLATE "C" NOT NULL PRIMARY KEY,
                private_key_pem  text             NOT NULL,
                created_at       timestamptz      NOT NULL,
                retired_at       timestamptz      NULL
            );
            """),
        new SchemaMigration(
            2,
            "Labels on API keys and the indexes of key search",
            """
            ALTER TABLE api_keys ADD COLUMN labels jsonb NOT NULL DEFAULT '{}'::jsonb;
            CREATE INDEX api_keys_owner_expires_idx ON api_keys (owner, expires_at, id);
            CREATE INDEX api_keys_owner_name_idx ON api_keys (owner, (name COLLATE "C"), id);
            CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);
            CREATE INDEX api_keys_labels_idx ON api_keys USING gin (labels jsonb_path_ops);
            """),
        new SchemaMigration(
            3,
            "Key rotation links and the append-only audit trail",
            """
            ALTER TABLE api_keys
                ADD COLUMN rotated_from text COLLATE "C" NULL,
                ADD COLUMN replaced_by  text COLLATE "C" NULL;
            CREATE TABLE audit_log (
                sequence         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at               timestamptz      NOT NULL,
                action           text COLLATE "C" NOT NULL,
                actor            text COLLATE "C" NOT NULL,
                subject          text COLLATE "C" NOT NULL,
                key_id           text COLLATE "C" NULL,
                replaced_key_id  text COLLATE "C" NULL,
                count            integer          NULL,
                request_id       text             NULL,
                client_address   text             NULL
            );
            -- Newest first; a cursor (at, sequence) is a range seek on each of these.
            CREATE INDEX audit_log_at_idx ON audit_log (at DESC, sequence DESC);
            CREATE INDEX audit_log_actor_idx ON audit_log (actor, at DESC, sequence DESC);
            CREATE INDEX audit_log_subject_idx ON audit_log (subject, at DESC, sequence DESC);
            CREATE INDEX audit_log_key_idx ON audit_log (key_id, at DESC, sequence DESC);
            CREATE INDEX audit_log_replaced_key_idx ON audit_log (replaced_key_id, at DESC, sequence DESC);
            -- Append-only: UPDATE, DELETE and TRUNCATE fail, whoever asks (short of disabling the triggers).
            CREATE FUNCTION maas_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
            END
            $$;
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION maas_audit_log_append_only();
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION maas_audit_log_append_only();
            """),
        new SchemaMigration(
            4,
            "API key pages keep a fifth free, so last_used_at updates stay on their page (HOT)",
            """
            ALTER TABLE api_keys SET (fillfactor = 80);
            """),
        new SchemaMigration(
            5,
            "The audit trail's append-only triggers fire in every session, replicas' too",
            """
            -- An ordinary trigger does not fire under session_replication_role = replica (which a
            -- superuser, or a role granted SET on it, may choose): UPDATE, DELETE, TRUNCATE and
            -- upserts of audit_log went through. ALWAYS triggers fire whatever the role.
            ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
            ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;
            """),
        new SchemaMigration(
            6,
            "The usage ledger: hourly counts per user, credential, tier, model and outcome, and the batches applied",
            """
            CREATE TABLE usage_ledger (
                user_name          text COLLATE "C" NOT NULL,
                hour               timestamptz      NOT NULL, -- a whole hour
                credential         text COLLATE "C" NOT NULL, -- the API key's id, or 'token'
                tier               text COLLATE "C" NOT NULL,
                model              text COLLATE "C" NOT NULL,
                outcome            smallint         NOT NULL, -- 0 allowed, 1 limited, 2 upstream error
                labels             jsonb            NOT NULL DEFAULT '{}'::jsonb, -- the key's labels
                requests           bigint           NOT NULL,
                prompt_tokens      bigint           NOT NULL,
                completion_tokens  bigint           NOT NULL,
                -- A user's range is a range scan of the key's prefix (user_name, hour).
                PRIMARY KEY (user_name, hour, credential, tier, model, outcome)
            );
            -- The retention sweep removes by hour.
            CREATE INDEX usage_ledger_hour_idx ON usage_ledger (hour);
            CREATE TABLE usage_ledger_batches (
                id    uuid        NOT NULL PRIMARY KEY, -- a batch sent again is not added twice
                hour  timestamptz NOT NULL -- its earliest hour, so the sweep forgets it with its rows
            );
            CREATE INDEX usage_ledger_batches_hour_idx ON usage_ledger_batches (hour);
            """),
        new SchemaMigration(
            7,
            "The usage ledger's daily roll-up, which whole days of history and reports read instead of 24 hourly rows",
            """
            -- The hourly rows summed per UTC day, kept exact by the batch write (the same transaction adds
            -- the batch's increments here, saturating like the hourly rows) and by the retention sweep.
            CREATE TABLE usage_daily (
                user_name          text COLLATE "C" NOT NULL,
                day                timestamptz      NOT NULL, -- a whole UTC day
                credential         text COLLATE "C" NOT NULL,
                tier               text COLLATE "C" NOT NULL,
                model              text COLLATE "C" NOT NULL,
                outcome            smallint         NOT NULL,
                labels             jsonb            NOT NULL DEFAULT '{}'::jsonb, -- the credential's labels
                requests           bigint           NOT NULL,
                prompt_tokens      bigint           NOT NULL,
                completion_tokens  bigint           NOT NULL,
                -- A user's range is a range scan of the key's prefix (user_name, day).
                PRIMARY KEY (user_name, day, credential, tier, model, outcome)
            );
            -- The administrators' report and the retention sweep read by day.
            CREATE INDEX usage_daily_day_idx ON usage_daily (day);
            INSERT INTO usage_daily (user_name, day, credential, tier, model, outcome, labels, requests, prompt_tokens, completion_tokens)
            SELECT user_name, date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', credential, tier, model, outcome,
                   (array_agg(labels ORDER BY hour))[1],
                   LEAST(SUM(requests), 9223372036854775807)::bigint,
                   LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint,
                   LEAST(SUM(completion_tokens), 9223372036854775807)::bigint
            FROM usage_ledger
            GROUP BY 1, 2, 3, 4, 5, 6;
            ANALYZE usage_daily;
            """),
        new SchemaMigration(
            8,
            "Ephemeral API keys (the later Go service's short-lived keys) and the index their sweep deletes by",
            """
            ALTER TABLE api_keys ADD COLUMN ephemeral boolean NOT NULL DEFAULT false;
            -- Only ephemeral keys are in it: the sweep finds the expired ones without reading the others.
            CREATE INDEX api_keys_ephemeral_expires_idx ON api_keys (expires_at, id) WHERE ephemeral;
            """),
        new SchemaMigration(
            9,
            "An API key's own limits and budgets, and what an audited change changed",
            """
            ALTER TABLE api_keys ADD COLUMN limits jsonb NULL; -- NULL for a key without (the tier's alone apply)
            ALTER TABLE audit_log ADD COLUMN detail text NULL; -- set_limits: {"old":…,"new":…}
            """),
        new SchemaMigration(
            10,
            "The administrators' report's daily roll-up, without the credential, which whole days of the report read",
            """
            -- usage_daily summed over the credentials: the report never groups or filters by the
            -- credential, and a user's day on three keys is one row here. The labels stay (a label groups
            -- the report), in the key as the SHA-256 of their jsonb text (canonical: jsonb orders its
            -- members), one row per label set. Kept exact as usage_daily is: the batch's transaction adds
            -- to it (after usage_daily, before the hours) and the retention sweep cuts it with the others.
            CREATE TABLE usage_report_daily (
                day                timestamptz      NOT NULL, -- a whole UTC day
                user_name          text COLLATE "C" NOT NULL,
                tier               text COLLATE "C" NOT NULL,
                model              text COLLATE "C" NOT NULL,
                outcome            smallint         NOT NULL,
                labels_hash        bytea            NOT NULL, -- sha256 of labels::text
                labels             jsonb            NOT NULL,
                requests           bigint           NOT NULL,
                prompt_tokens      bigint           NOT NULL,
                completion_tokens  bigint           NOT NULL,
                -- The report reads a range of days; the sweep removes by day.
                PRIMARY KEY (day, user_name, tier, model, outcome, labels_hash)
            );
            INSERT INTO usage_report_daily (day, user_name, tier, model, outcome, labels_hash, labels, requests, prompt_tokens, completion_tokens)
            SELECT day, user_name, tier, model, outcome, sha256(convert_to(labels::text, 'UTF8')), (array_agg(labels))[1],
                   LEAST(SUM(requests), 9223372036854775807)::bigint,
                   LEAST(SUM(prompt_tokens), 9223372036854775807)::bigint,
                   LEAST(SUM(completion_tokens), 9223372036854775807)::bigint
            FROM usage_daily
            GROUP BY 1, 2, 3, 4, 5, 6;
            ANALYZE usage_report_daily;
            """),
        new SchemaMigration(
            11,
            "An API key's subscription (the tier it draws on) and the index a search or bulk revoke by it walks",
            """
            ALTER TABLE api_keys ADD COLUMN subscription text NULL; -- a tier's name, NULL for the owner's highest tier
            -- Only keys with a subscription are in it.
            CREATE INDEX api_keys_subscription_idx ON api_keys (subscription, created_at, id) WHERE subscription IS NOT NULL;
            """),
    ];

    /// <summary>Creates the migrator for this schema.</summary>
    public static SchemaMigrator CreateMigrator(TimeProvider timeProvider, ILogger? logger) =>
        new(Migrations, new PostgreSqlMigrationDialect(), timeProvider, logger);

    /// <summary>
    /// Brings the database to the newest schema under the migration advisory lock.
    /// Throws <see cref="SchemaTooNewException"/> when a newer build wrote it.
    /// </summary>
    public static async Task<SchemaMigrationResult> MigrateAsync(
        NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await CreateMigrator(timeProvider, logger).MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Truncates an instant to whole microseconds, in UTC: exactly what <c>timestamptz</c> keeps.</summary>
    public static DateTimeOffset ToStoredInstant(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
}
