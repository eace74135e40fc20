using System.Net;
using Maas.Hosting.CommandLine;

namespace Maas.Hosting.AspNetCore.Tests.CommandLine;

/// <summary>The Go <c>maas-api</c>'s command line: Go's flag syntax over environment variables, every error one line naming its source.</summary>
public sealed class GoFlagsTests
{
    private static readonly GoFlag<Settings>[] Flags =
    [
        new("storage", "STORAGE_MODE", (s, v) => s.Storage = v.OneOf("in-memory", "disk", "external")),
        new(null, "DB_MAX_OPEN_CONNS", (s, v) => s.MaxOpen = v.WholeNumber(allowZero: false)),
        new("debug", "DEBUG_MODE", (s, v) => s.Debug = v.Boolean(), isBoolean: true),
        new("name", "INSTANCE_NAME", (s, v) => s.Name = v.NonEmpty()),
        // Read after --debug: a value may depend on one applied before it.
        new("trace", "TRACE", (s, v) => s.Trace = s.Debug ? v.Boolean() : throw new GoFlagException($"{v.Source} needs --debug")),
    ];

    [Fact]
    public void Flag_wins_over_its_variable_and_an_empty_variable_is_unset()
    {
        var environment = new Dictionary<string, string> { ["STORAGE_MODE"] = "disk", ["INSTANCE_NAME"] = "", ["DB_MAX_OPEN_CONNS"] = "7" };
        var settings = Read(["--storage=External"], environment);
        Assert.Equal("external", settings.Storage);
        Assert.Equal("unset", settings.Name);
        Assert.Equal(7, settings.MaxOpen);
    }

    [Fact]
    public void Flags_take_go_syntax_and_stop_at_a_double_dash()
    {
        var settings = Read(["-name", "one", "--trace=false", "--debug", "--name=two", "--", "--bogus"], new());
        Assert.Equal("two", settings.Name);
        Assert.True(settings.Debug);
        Assert.False(settings.Trace);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "flag provided but not defined: -bogus")]
    [InlineData(new[] { "--max-open=3" }, "flag provided but not defined: -max-open")]
    [InlineData(new[] { "--name" }, "flag needs an argument: -name")]
    [InlineData(new[] { "disk" }, "unexpected argument \"disk\": flags look like --name=value")]
    [InlineData(new[] { "-" }, "unexpected argument \"-\": flags look like --name=value")]
    [InlineData(new[] { "--storage=memory" }, "invalid value \"memory\" for --storage: use in-memory, disk or external")]
    [InlineData(new[] { "--debug=yes" }, "invalid boolean value \"yes\" for --debug")]
    [InlineData(new[] { "--name= " }, "--name must not be empty")]
    [InlineData(new[] { "--trace=true" }, "--trace needs --debug")]
    public void Wrong_command_line_is_one_line_naming_the_flag(string[] args, string message) =>
        Assert.Equal(message, Assert.Throws<GoFlagException>(() => Read(args, new())).Message);

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("+5")]
    [InlineData("2147483648")]
    public void Wrong_number_names_the_variable(string value) =>
        Assert.Equal(
            $"invalid value \"{value}\" for DB_MAX_OPEN_CONNS: expected a positive whole number",
            Assert.Throws<GoFlagException>(() => Read([], new Dictionary<string, string> { ["DB_MAX_OPEN_CONNS"] = value })).Message);

    [Fact]
    public void Nothing_is_applied_when_the_command_line_is_wrong()
    {
        var settings = new Settings();
        Assert.Throws<GoFlagException>(() => GoFlags.Apply(settings, Flags, ["--name=set", "--bogus"], _ => null));
        Assert.Equal("unset", settings.Name);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("T", true)]
    [InlineData("TRUE", true)]
    [InlineData("True", true)]
    [InlineData(" true ", true)]
    [InlineData("0", false)]
    [InlineData("f", false)]
    [InlineData("F", false)]
    [InlineData("FALSE", false)]
    [InlineData("False", false)]
    public void Booleans_are_read_as_go_reads_them(string value, bool expected) =>
        Assert.Equal(expected, new GoFlagValue(value, "DEBUG_MODE").Boolean());

    [Theory]
    [InlineData("tRUE")]
    [InlineData("yes")]
    [InlineData("")]
    public void Other_booleans_are_refused(string value) =>
        Assert.Equal($"invalid boolean value \"{value}\" for DEBUG_MODE", Assert.Throws<GoFlagException>(() => new GoFlagValue(value, "DEBUG_MODE").Boolean()).Message);

    [Theory]
    [InlineData(":8080", "0.0.0.0", 8080)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("localhost:9090", "127.0.0.1", 9090)]
    [InlineData("[::1]:8443", "::1", 8443)]
    [InlineData(" 10.0.0.2:65535 ", "10.0.0.2", 65535)]
    public void Listen_addresses_take_go_forms(string value, string address, int port) =>
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), new GoFlagValue(value, "ADDRESS").ListenAddress());

    [Theory]
    [InlineData("8080", "invalid value \"8080\" for --address: expected host:port, for example :8080 or 127.0.0.1:8080")]
    [InlineData(":65536", "invalid value \":65536\" for --address: port \"65536\" is not a number from 0 to 65535")]
    [InlineData(":-1", "invalid value \":-1\" for --address: port \"-1\" is not a number from 0 to 65535")]
    [InlineData("::1:8080", "invalid value \"::1:8080\" for --address: \"::1\" is not an IP address (use an address, [v6-address] or localhost)")]
    [InlineData("example.com:80", "invalid value \"example.com:80\" for --address: \"example.com\" is not an IP address (use an address, [v6-address] or localhost)")]
    public void Wrong_listen_address_is_one_line(string value, string message) =>
        Assert.Equal(message, Assert.Throws<GoFlagException>(() => new GoFlagValue(value, "--address").ListenAddress()).Message);

    private static Settings Read(string[] args, Dictionary<string, string> environment)
    {
        var settings = new Settings();
        GoFlags.Apply(settings, Flags, args, name => environment.GetValueOrDefault(name));
        return settings;
    }

    private sealed class Settings
    {
        public string Storage { get; set; } = "in-memory";

        public int MaxOpen { get; set; } = 25;

        public bool Debug { get; set; }

        public bool Trace { get; set; }

        public string Name { get; set; } = "unset";
    }
}
