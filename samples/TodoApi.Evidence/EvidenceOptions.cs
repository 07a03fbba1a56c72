using System.Globalization;

namespace TodoApi.Evidence;

public sealed class EvidenceOptions
{
    /// <summary>Where the PostgreSQL scenarios connect: <c>DBC_POSTGRES</c>, else the server <c>scripts/start-postgres.sh</c> starts.</summary>
    public const string DefaultPostgres = "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres;Timeout=5";

    public int Workers { get; private set; } = 16;

    public int Operations { get; private set; } = 400;

    public string Format { get; private set; } = "table";

    public string Postgres { get; private set; } = Environment.GetEnvironmentVariable("DBC_POSTGRES") is { Length: > 0 } configured ? configured : DefaultPostgres;

    public static EvidenceOptions Parse(string[] args)
    {
        var options = new EvidenceOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--workers":
                    options.Workers = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--operations":
                    options.Operations = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--format":
                    options.Format = args[i + 1];
                    break;
                case "--postgres":
                    options.Postgres = args[i + 1];
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'. Options: --workers N, --operations N, --format table|tsv, --postgres CONNECTION_STRING");
            }
        }

        return options;
    }
}
