extern alias Broken;
extern alias Fixed;

using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace TodoApi.Evidence;

/// <summary>
/// One scenario per rule, each run twice with the same load: on the broken app (<c>samples/TodoApi</c>) and on
/// its fixed twin (<c>samples/TodoApi.Fixed</c>, the code fixes' output). Each twin gets its own SQLite files and
/// its own PostgreSQL tables, so nothing one does can make the other fail.
/// </summary>
public static class Demonstration
{
    // Enough rows that each search reads for a while: the window in which another request closes the shared connection.
    private const int SearchRows = 1000;

    public static async Task<List<EvidenceRow>> RunAsync(EvidenceOptions options, TextWriter log)
    {
        var root = Path.Combine(Path.GetTempPath(), "dbc-evidence-" + Guid.NewGuid().ToString("N")[..8]);
        var broken = Twin.Create(root, "broken");
        var @fixed = Twin.Create(root, "fixed");
        var postgres = await PostgresAsync(options.Postgres);
        var rows = new List<EvidenceRow>();
        var (workers, operations) = (options.Workers, options.Operations);

        async Task Row(string rule, string scenario, string database, Func<Twin, Task<Outcome>> brokenRun, Func<Twin, Task<Outcome>> fixedRun, string? skipped = null)
        {
            if (skipped is not null)
            {
                log.WriteLine($"{rule}: skipped, {skipped}");
                rows.Add(new EvidenceRow(rule, scenario, database, 0, 0, 0, null, null, skipped));
                return;
            }

            log.WriteLine($"{rule}: {scenario} ({database}, {workers} workers, {operations} operations)");
            // The fixed twin first: a broken twin can leave state behind for whatever runs after it (see DBC006).
            var f = await @fixed.InAsync(fixedRun);
            var b = await broken.InAsync(brokenRun);
            log.WriteLine($"{rule}: broken {b.Failures} failures, fixed {f.Failures}");
            rows.Add(new EvidenceRow(rule, scenario, database, b.Operations, b.Failures, f.Failures, b.Example, f.Example, null));
        }

        await Row("DBC001", "static connection: requests add a todo and read it back", "SQLite",
            twin => StoreAsync(workers, operations, Broken::TodoApi.TodoStore.EnsureCreated, async title => (await Broken::TodoApi.TodoStore.AddAsync(title, default)).Id, id => Broken::TodoApi.TodoStore.Find(id)?.Title),
            twin => StoreAsync(workers, operations, Fixed::TodoApi.TodoStore.EnsureCreated, async title => (await Fixed::TodoApi.TodoStore.AddAsync(title, default)).Id, id => Fixed::TodoApi.TodoStore.Find(id)?.Title));

        await Row("DBC002", "singleton TodoSearch: requests search titles", "SQLite",
            twin => SearchAsync<Broken::TodoApi.TodoSearch>(twin, workers, operations, (search, text) => search.Find(text).Count),
            twin => SearchAsync<Fixed::TodoApi.TodoSearch>(twin, workers, operations, (search, text) => search.Find(text).Count));

        await Row("DBC003", "Parallel.ForEach import on one connection", "SQLite",
            twin => ImportAsync(twin, operations, Broken::TodoApi.TodoImport.Import),
            twin => ImportAsync(twin, operations, Fixed::TodoApi.TodoImport.Import));

        await Row("DBC004", "Task.WhenAll counts on one connection", "PostgreSQL",
            twin => ReportAsync(twin, postgres.DataSource!, workers, operations, source => new Broken::TodoApi.TodoReport(source).CountsAsync),
            twin => ReportAsync(twin, postgres.DataSource!, workers, operations, source => new Fixed::TodoApi.TodoReport(source).CountsAsync),
            postgres.Skipped);

        await Row("DBC005", "view counter read without the lock its writes take", "PostgreSQL",
            twin => StatsAsync(twin, workers, operations, () => new Broken::TodoApi.TodoStats(options.Postgres), (stats, id) => stats.RecordView(id), (stats, id) => stats.Views(id)),
            twin => StatsAsync(twin, workers, operations, () => new Fixed::TodoApi.TodoStats(options.Postgres), (stats, id) => stats.RecordView(id), (stats, id) => stats.Views(id)),
            postgres.Skipped);

        await Row("DBC007", "likes: read, add one, write back", "PostgreSQL",
            twin => LikesAsync(twin, workers, operations, () => new Broken::TodoApi.TodoLikes(postgres.DataSource!), likes => likes.EnsureCreated(), (likes, id) => likes.Like(id), (likes, id) => likes.Likes(id)),
            twin => LikesAsync(twin, workers, operations, () => new Fixed::TodoApi.TodoLikes(postgres.DataSource!), likes => likes.EnsureCreated(), (likes, id) => likes.Like(id), (likes, id) => likes.Likes(id)),
            postgres.Skipped);

        // Last: a TransactionScope disposed on the wrong thread throws, and leaves its completed scope as the
        // ambient transaction of the thread-pool thread it started on; later work on that thread fails with
        // "The current TransactionScope is already complete".
        await Row("DBC006", "TransactionScope across awaits without async flow", "PostgreSQL",
            twin => ArchiveAsync(twin, postgres.DataSource!, workers, operations, source => (todos, token) => new Broken::TodoApi.TodoArchive(source).ArchiveAsync(todos.Select(t => new Broken::TodoApi.Todo(t.Id, t.Title, true)).ToList(), token)),
            twin => ArchiveAsync(twin, postgres.DataSource!, workers, operations, source => (todos, token) => new Fixed::TodoApi.TodoArchive(source).ArchiveAsync(todos.Select(t => new Fixed::TodoApi.Todo(t.Id, t.Title, true)).ToList(), token)),
            postgres.Skipped);

        if (postgres.DataSource is not null)
        {
            await postgres.DataSource.DisposeAsync();
        }

        rows.Sort((left, right) => string.CompareOrdinal(left.Rule, right.Rule));
        return rows;
    }

    // DBC001: the id last_insert_rowid() answers on a shared connection can be another request's.
    private static Task<Outcome> StoreAsync(int workers, int operations, Action ensureCreated, Func<string, Task<long>> add, Func<long, string?> find)
    {
        ensureCreated();
        return Concurrently.RunAsync(workers, operations, async index =>
        {
            var title = "todo " + index;
            var id = await add(title);
            if (find(id) is var stored && stored != title)
            {
                throw new InvalidOperationException($"added '{title}' as #{id}, but #{id} is '{stored}'");
            }
        });
    }

    // DBC002: registered as Program.cs does; the singleton keeps the connection of the scope it was first resolved in.
    private static async Task<Outcome> SearchAsync<TSearch>(Twin twin, int workers, int operations, Func<TSearch, string, int> find)
        where TSearch : class
    {
        SeedTodos(twin, SearchRows);
        var services = new ServiceCollection();
        services.AddScoped(_ => new SqliteConnection(twin.SqliteConnectionString));
        services.AddSingleton<TSearch>();
        var provider = services.BuildServiceProvider();
        Outcome outcome;
        Exception? closing;
        try
        {
            var search = provider.GetRequiredService<TSearch>();
            outcome = await Concurrently.RunAsync(workers, operations, index =>
            {
                if (find(search, "seed") < SearchRows)
                {
                    throw new InvalidOperationException("a seeded todo was not found");
                }

                return Task.CompletedTask;
            });
        }
        finally
        {
            closing = await DisposeAsync(provider);
        }

        // The connection the singleton shared can be left broken by the concurrent use: closing it has thrown
        // (NullReferenceException inside SqliteConnection.Close). That is one more failure, not the end of the run.
        return closing is null
            ? outcome
            : outcome with { Failures = outcome.Failures + 1, Example = outcome.Example ?? "closing the shared connection: " + closing.Message };
    }

    private static async Task<Exception?> DisposeAsync(ServiceProvider provider)
    {
        try
        {
            await provider.DisposeAsync();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }

    // DBC003: one import of all titles; a title that is not stored, or whose insert threw, is a failure.
    private static Task<Outcome> ImportAsync(Twin twin, int operations, Func<IReadOnlyList<string>, long> import)
    {
        SeedTodos(twin, 0);
        var titles = Enumerable.Range(0, operations).Select(i => "imported " + i).ToList();
        var thrown = 0;
        string? example = null;
        try
        {
            import(titles);
        }
        catch (AggregateException exception)
        {
            thrown = exception.InnerExceptions.Count;
            example = Concurrently.Describe(exception);
        }
        catch (Exception exception)
        {
            thrown = 1;
            example = Concurrently.Describe(exception);
        }

        using var connection = new SqliteConnection(twin.SqliteConnectionString);
        var stored = connection.ExecuteScalar<long>("select count(*) from todos where title like 'imported %'");
        var missing = operations - (int)stored;
        return Task.FromResult(new Outcome(operations, Math.Max(missing, thrown), example ?? (missing > 0 ? $"{missing} titles were not stored" : null)));
    }

    // DBC004: each call counts 8 prefixes at once on one connection; a call that throws is a failure.
    private static async Task<Outcome> ReportAsync(Twin twin, NpgsqlDataSource source, int workers, int operations, Func<NpgsqlDataSource, Func<IReadOnlyList<string>, Task<long[]>>> report)
    {
        await using (var connection = await source.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("create table if not exists archived_todos (id bigint primary key, title text not null)");
            await connection.ExecuteAsync("insert into archived_todos(id, title) select g, 'report ' || g from generate_series(1, 200) g on conflict (id) do nothing");
        }

        var counts = report(source);
        var prefixes = Enumerable.Range(1, 8).Select(i => "report " + i).ToList();
        return await Concurrently.RunAsync(workers, operations, async _ =>
        {
            var result = await counts(prefixes);
            if (result.Length != prefixes.Count || result.Any(count => count == 0))
            {
                throw new InvalidOperationException("a count came back empty");
            }
        });
    }

    // DBC005: readers and writers of one counter on one connection; a throw, or a count that ends wrong, is a failure.
    private static Task<Outcome> StatsAsync<TStats>(Twin twin, int workers, int operations, Func<TStats> create, Action<TStats, long> record, Func<TStats, long, long> views)
        where TStats : IDisposable
    {
        var stats = create();
        var id = twin.Id;
        return RunAndCheckAsync(stats, async () =>
        {
            var outcome = await Concurrently.RunAsync(workers, operations, index =>
            {
                if (index % 2 == 0)
                {
                    record(stats, id);
                }
                else
                {
                    views(stats, id);
                }

                return Task.CompletedTask;
            });
            var recorded = (operations + 1) / 2;
            var counted = views(stats, id);
            // A lost or doubled view is a failure too, but no operation counts twice.
            var wrong = Math.Abs(recorded - (int)counted);
            return wrong == 0 ? outcome : outcome with { Failures = Math.Min(operations, outcome.Failures + wrong), Example = outcome.Example ?? $"{counted} views counted for {recorded} recorded" };
        });
    }

    // DBC006: each call archives three todos in a TransactionScope; a call that throws is a failure.
    private static async Task<Outcome> ArchiveAsync(Twin twin, NpgsqlDataSource source, int workers, int operations, Func<NpgsqlDataSource, Func<IReadOnlyList<(long Id, string Title)>, CancellationToken, Task<int>>> archive)
    {
        var run = archive(source);
        var offset = twin.Name == "broken" ? 1_000_000L : 2_000_000L;
        return await Concurrently.RunAsync(workers, operations, async index =>
        {
            var todos = Enumerable.Range(0, 3).Select(i => (offset + index * 3L + i, "archived " + index)).ToList();
            await run(todos, CancellationToken.None);
        });
    }

    // DBC007: every operation likes the same todo once; each like missing from the final count was lost.
    private static async Task<Outcome> LikesAsync<TLikes>(Twin twin, int workers, int operations, Func<TLikes> create, Action<TLikes> ensureCreated, Action<TLikes, long> like, Func<TLikes, long, long> likes)
    {
        var counter = create();
        ensureCreated(counter);
        var id = twin.Id;
        var outcome = await Concurrently.RunAsync(workers, operations, index =>
        {
            like(counter, id);
            return Task.CompletedTask;
        });
        var lost = operations - outcome.Failures - (int)likes(counter, id);
        return lost > 0 ? outcome with { Failures = outcome.Failures + lost, Example = outcome.Example ?? $"{lost} of {operations} likes were lost" } : outcome;
    }

    private static async Task<Outcome> RunAndCheckAsync<T>(T owned, Func<Task<Outcome>> run)
        where T : IDisposable
    {
        using (owned)
        {
            return await run();
        }
    }

    private static void SeedTodos(Twin twin, int count)
    {
        using var connection = new SqliteConnection(twin.SqliteConnectionString);
        connection.Open();
        connection.Execute("create table if not exists todos (id integer primary key, title text not null, done integer not null default 0)");
        using var transaction = connection.BeginTransaction();
        connection.Execute("insert into todos(title) values (@title)", Enumerable.Range(0, count).Select(i => new { title = "seed " + i }), transaction);
        transaction.Commit();
    }

    private static async Task<(NpgsqlDataSource? DataSource, string? Skipped)> PostgresAsync(string connectionString)
    {
        try
        {
            var source = NpgsqlDataSource.Create(connectionString);
            await using var connection = await source.OpenConnectionAsync();
            await connection.ExecuteAsync("drop table if exists archived_todos; drop table if exists todo_views; drop table if exists todo_likes");
            return (source, null);
        }
        catch (Exception exception) when (exception is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            return (null, "no PostgreSQL server (" + Concurrently.Describe(exception) + "); start one with scripts/start-postgres.sh and set DBC_POSTGRES");
        }
    }
}

/// <summary>One twin's working directory: the apps open <c>todos.db</c> relative to it.</summary>
public sealed class Twin
{
    private static readonly SemaphoreSlim CurrentDirectory = new(1, 1);

    private Twin(string name, string directory)
    {
        Name = name;
        Directory = directory;
    }

    public string Name { get; }

    public string Directory { get; }

    /// <summary>The row each twin works on in the shared PostgreSQL tables.</summary>
    public long Id => Name == "broken" ? 1 : 2;

    public string SqliteConnectionString => "Data Source=" + Path.Combine(Directory, "todos.db");

    public static Twin Create(string root, string name)
    {
        var directory = Path.Combine(root, name);
        System.IO.Directory.CreateDirectory(directory);
        return new Twin(name, directory);
    }

    /// <summary>Runs <paramref name="scenario"/> with this twin's directory current, as the app would run from it.</summary>
    public async Task<Outcome> InAsync(Func<Twin, Task<Outcome>> scenario)
    {
        await CurrentDirectory.WaitAsync();
        var previous = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = Directory;
            return await scenario(this);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            CurrentDirectory.Release();
        }
    }
}
