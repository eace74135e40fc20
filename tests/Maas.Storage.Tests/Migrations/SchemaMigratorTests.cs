using System.Data.Common;
using Maas.Storage.Migrations;

namespace Maas.Storage.Tests.Migrations;

public sealed class SchemaMigratorTests
{
    [Fact]
    public void Migrations_are_ordered_by_version()
    {
        var migrator = new SchemaMigrator([Migration(2), Migration(1), Migration(3)], new NoDialect());

        Assert.Equal([1, 2, 3], migrator.Migrations.Select(m => m.Version));
        Assert.Equal(3, migrator.LatestVersion);
    }

    [Fact]
    public void No_migrations_means_version_zero()
    {
        Assert.Equal(0, new SchemaMigrator([], new NoDialect()).LatestVersion);
    }

    [Theory]
    [InlineData(new[] { 2 })]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 1, 2, 2 })]
    public void Gaps_and_repeats_are_refused(int[] versions)
    {
        var error = Assert.Throws<ArgumentException>(() => new SchemaMigrator(versions.Select(Migration), new NoDialect()));

        Assert.Contains("without gaps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_migration_needs_a_positive_version_a_description_and_sql()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SchemaMigration(0, "d", "SELECT 1"));
        Assert.Throws<ArgumentException>(() => new SchemaMigration(1, " ", "SELECT 1"));
        Assert.Throws<ArgumentException>(() => new SchemaMigration(1, "d", ""));
    }

    [Fact]
    public void The_too_new_message_names_both_versions()
    {
        var error = new SchemaTooNewException(7, 3);

        Assert.Equal("database schema version 7 is newer than this build supports (3); upgrade Maas", error.Message);
        Assert.IsAssignableFrom<InvalidOperationException>(error);
    }

    [Fact]
    public void The_result_counts_applied_migrations()
    {
        Assert.Equal(2, new SchemaMigrationResult(1, 3).Applied);
        Assert.Equal(0, new SchemaMigrationResult(3, 3).Applied);
    }

    private static SchemaMigration Migration(int version) => new(version, $"step {version}", "SELECT 1");

    private sealed class NoDialect : SchemaMigrationDialect
    {
        public override ValueTask<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
