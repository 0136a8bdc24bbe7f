using System.Globalization;

namespace KmsService.Load;

/// <summary>CPU and memory figures from Linux <c>/proc</c>.</summary>
internal static class ProcStat
{
    // USER_HZ: the unit of /proc CPU times; 100 on every mainstream Linux architecture.
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of every thread of <paramref name="pid"/>, in seconds (/proc/PID/stat fields 14 and 15).</summary>
    public static double? ProcessCpuSeconds(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name may hold spaces and parentheses: fields start after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>Resident set size of <paramref name="pid"/> in MiB (VmRSS of /proc/PID/status).</summary>
    public static double? ResidentMiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    /// <summary>Busy CPU seconds of the whole machine, all cores (first line of /proc/stat less idle and iowait).</summary>
    public static double? MachineBusySeconds()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            var values = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();

            // user nice system idle iowait irq softirq steal (guest time is already inside user).
            var total = values.Take(8).Sum();
            return (total - values[3] - values[4]) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
