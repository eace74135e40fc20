// Usage: Maas.Storage.Sqlite.CrashWriter <data-path> <threads>
// Writes keys into the disk store from several threads until killed. After AddAsync returns
// (the write is acknowledged), prints "ack <owner> <id>" and flushes, so the parent knows
// exactly which keys must survive a SIGKILL.
using System.Globalization;
using System.Security.Cryptography;
using Maas.ApiKeys;
using Maas.Storage.Sqlite;

var dataPath = args[0];
var threads = int.Parse(args[1], CultureInfo.InvariantCulture);
var store = await SqliteStorage.OpenKeyStoreAsync(new SqliteKeyStoreOptions { DataPath = dataPath });
var output = Console.Out;
var gate = new Lock();
lock (gate)
{
    output.WriteLine("ready");
    output.Flush();
}

var writers = Enumerable.Range(0, threads).Select(thread => Task.Run(async () =>
{
    var owner = $"crash-{thread}";
    for (var i = 0; ; i++)
    {
        var now = TimeProvider.System.GetUtcNow();
        var key = new ApiKeyRecord
        {
            Id = $"{thread:D2}-{i:D8}-{RandomNumberGenerator.GetHexString(8)}",
            Owner = owner,
            OwnerGroups = ["system:authenticated"],
            Name = $"key {i}",
            Hash = RandomNumberGenerator.GetBytes(32),
            CreatedAt = now,
            ExpiresAt = now.AddDays(30),
        };
        await store.AddAsync(key);
        lock (gate)
        {
            output.WriteLine($"ack {owner} {key.Id}");
            output.Flush();
        }
    }
}));

await Task.WhenAll(writers);
