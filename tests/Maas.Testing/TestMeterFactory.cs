using System.Diagnostics.Metrics;

namespace Maas.Testing;

/// <summary>An <see cref="IMeterFactory"/> whose meters a <c>MetricCollector</c> can find by scope.</summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
