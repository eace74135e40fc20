using Maas.Hosting.Kestrel;

namespace Maas.Hosting.AspNetCore.Tests.Kestrel;

/// <summary>The default connection limit: computed from the process's open-file limit, with headroom.</summary>
public sealed class MaasConnectionLimitsTests
{
    [Theory]
    [InlineData(512L, 0, 64L)]
    [InlineData(1024L, 0, 320L)]
    [InlineData(2048L, 25, 819L)]
    [InlineData(1_048_576L, 25, 10_000L)]
    [InlineData(64L, 0, 16L)]
    [InlineData(null, 0, 10_000L)]
    public void Default_connection_limit_stays_below_the_file_limit_with_headroom(long? fileLimit, int databaseConnections, long expected)
    {
        var limit = MaasConnectionLimits.DefaultMaxConnections(fileLimit, databaseConnections);
        Assert.Equal(expected, limit);
        if (fileLimit is > 256)
        {
            Assert.True(limit * 2 + MaasConnectionLimits.ReservedDescriptors + databaseConnections <= fileLimit);
        }
    }

    [Theory]
    [InlineData("            1024                 1048576              files     ", 1024L)]
    [InlineData("            unlimited            unlimited            files     ", null)]
    [InlineData("", null)]
    public void Soft_file_limit_is_read_from_proc_limits(string columns, long? expected) =>
        Assert.Equal(expected, MaasConnectionLimits.ParseSoftLimit(columns));

    [Fact]
    public void This_process_file_limit_is_found() =>
        Assert.NotNull(MaasConnectionLimits.ReadFileLimit());
}
