using System.Diagnostics;

namespace Maas.Testing.Kubernetes;

/// <summary>
/// Runs the real <c>kubectl</c> (Debian's <c>kubernetes-client</c> package; <c>test.sh</c> installs it
/// when missing, as root) against a kubeconfig, so the fake API server is checked by a client no one here wrote.
/// </summary>
public sealed class Kubectl(string kubeconfig)
{
    /// <summary>Runs <c>kubectl --kubeconfig … <paramref name="arguments"/></c> with <paramref name="input"/> on standard input.</summary>
    public async Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> arguments, string? input = null, CancellationToken cancellationToken = default)
    {
        var startInfo = new ProcessStartInfo("kubectl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--kubeconfig");
        startInfo.ArgumentList.Add(kubeconfig);
        startInfo.ArgumentList.Add("--request-timeout=30s");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["HOME"] = Path.GetDirectoryName(kubeconfig);
        Process process;
        try
        {
            process = Process.Start(startInfo)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("kubectl is missing: run 'apt-get install -y kubernetes-client' (test.sh does so when run as root).", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
        }
    }

    /// <summary>Runs kubectl and returns its standard output, failing with its error output when it exits non-zero.</summary>
    public async Task<string> RunCheckedAsync(string[] arguments, string? input = null, CancellationToken cancellationToken = default)
    {
        var (exitCode, output, error) = await RunAsync(arguments, input, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"kubectl {string.Join(' ', arguments)} exited {exitCode}: {error}");
        }

        return output;
    }
}
