using DbConcurrency.Analyzers.Tests.Verifiers;
using DbConcurrency.CodeFixes.Rules;
using Fix = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<DbConcurrency.Analyzers.Rules.ConcurrentDelegateCaptureAnalyzer, DbConcurrency.CodeFixes.Rules.ConcurrentDelegateCaptureCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class ConcurrentDelegateCaptureCodeFixTests
{
    private const string Usings = """
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Dapper;
        using Microsoft.Data.Sqlite;

        """;

    private static Task VerifyFixAsync(string key, string source, string fixedSource, ReferenceSet? references = null, string usings = Usings)
        => new Fix.Test(references ?? ReferenceSets.SqliteDapper)
        {
            TestCode = usings + source,
            FixedCode = usings + fixedSource,
            CodeActionEquivalenceKey = key,
        }.RunAsync();

    [Fact]
    public async Task Create_inside_copies_the_creation_and_the_open_into_the_body()
    {
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, """
            public static class Import
            {
                public static void Run(IEnumerable<string> titles, string connectionString)
                {
                    using var connection = new SqliteConnection(connectionString);
                    connection.Open();
                    connection.Execute("create table if not exists todos (title text)");
                    Parallel.ForEach(titles, title => {|DBC003:connection|}.Execute("insert into todos(title) values (@title)", new { title }));
                }
            }
            """, """
            public static class Import
            {
                public static void Run(IEnumerable<string> titles, string connectionString)
                {
                    using var connection = new SqliteConnection(connectionString);
                    connection.Open();
                    connection.Execute("create table if not exists todos (title text)");
                    Parallel.ForEach(titles, title =>
                    {
                        using var connection = new SqliteConnection(connectionString);
                        connection.Open();
                        connection.Execute("insert into todos(title) values (@title)", new { title });
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task Create_inside_an_async_delegate_opens_asynchronously_and_disposes_with_await_using()
    {
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, """
            public static class Import
            {
                public static async Task Run(IEnumerable<string> titles, CancellationToken cancellationToken)
                {
                    SqliteConnection connection = new("Data Source=todos.db");
                    await connection.OpenAsync(cancellationToken);
                    await Parallel.ForEachAsync(titles, cancellationToken, async (title, token) =>
                    {
                        await {|DBC003:connection|}.ExecuteAsync("insert into todos(title) values (@title)", new { title });
                    });
                }
            }
            """, """
            public static class Import
            {
                public static async Task Run(IEnumerable<string> titles, CancellationToken cancellationToken)
                {
                    SqliteConnection connection = new("Data Source=todos.db");
                    await connection.OpenAsync(cancellationToken);
                    await Parallel.ForEachAsync(titles, cancellationToken, async (title, token) =>
                    {
                        await using SqliteConnection connection = new("Data Source=todos.db");
                        await connection.OpenAsync(cancellationToken);
                        await connection.ExecuteAsync("insert into todos(title) values (@title)", new { title });
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task Create_inside_a_Task_Run_that_returns_a_value_keeps_the_result()
    {
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, """
            public static class Counter
            {
                public static Task<long> Start(string connectionString)
                {
                    var connection = new SqliteConnection(connectionString);
                    return Task.Run(() => {|DBC003:connection|}.ExecuteScalar<long>("select count(*) from todos"));
                }
            }
            """, """
            public static class Counter
            {
                public static Task<long> Start(string connectionString)
                {
                    var connection = new SqliteConnection(connectionString);
                    return Task.Run(() =>
                    {
                        using var connection = new SqliteConnection(connectionString);
                        return connection.ExecuteScalar<long>("select count(*) from todos");
                    });
                }
            }
            """);
    }

    [Fact]
    public async Task Per_worker_rewrites_Parallel_ForEach_to_the_localInit_localFinally_overload()
    {
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey, """
            public static class Import
            {
                public static void Run(IEnumerable<string> titles)
                {
                    SqliteConnection connection = new("Data Source=todos.db");
                    connection.Open();
                    Parallel.ForEach(titles, title =>
                    {
                        if (title.Length == 0)
                        {
                            return;
                        }

                        {|DBC003:connection|}.Execute("insert into todos(title) values (@title)", new { title });
                    });
                }
            }
            """, """
            public static class Import
            {
                public static void Run(IEnumerable<string> titles)
                {
                    SqliteConnection connection = new("Data Source=todos.db");
                    connection.Open();
                    Parallel.ForEach(titles, () =>
                    {
                        SqliteConnection connection = new("Data Source=todos.db");
                        connection.Open();
                        return connection;
                    }, (title, state, connection) =>
                    {
                        if (title.Length == 0)
                        {
                            return connection;
                        }

                        connection.Execute("insert into todos(title) values (@title)", new { title });
                        return connection;
                    }, connection => connection.Dispose());
                }
            }
            """);
    }

    [Fact]
    public async Task Per_worker_rewrites_Parallel_For_with_options_and_an_unopened_connection()
    {
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey, """
            public static class Import
            {
                public static void Run(string[] titles, ParallelOptions options)
                {
                    var connection = new SqliteConnection("Data Source=todos.db");
                    Parallel.For(0, titles.Length, options, (i, loop) => {|DBC003:connection|}.Execute("insert into todos(title) values (@title)", new { title = titles[i] }));
                }
            }
            """, """
            public static class Import
            {
                public static void Run(string[] titles, ParallelOptions options)
                {
                    var connection = new SqliteConnection("Data Source=todos.db");
                    Parallel.For(0, titles.Length, options, () => new SqliteConnection("Data Source=todos.db"), (i, loop, connection) =>
                    {
                        connection.Execute("insert into todos(title) values (@title)", new { title = titles[i] });
                        return connection;
                    }, connection => connection.Dispose());
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_for_fields_for_commands_made_from_a_shared_connection_or_for_parameters()
    {
        const string Source = """
            public sealed class Import(SqliteConnection connection)
            {
                private readonly SqliteConnection _connection = connection;

                public void Run(string[] titles, SqliteConnection given)
                {
                    var command = _connection.CreateCommand();
                    Parallel.ForEach(titles, title => {|DBC003:command|}.ExecuteNonQuery());
                    Parallel.ForEach(titles, title => {|DBC003:_connection|}.Open());
                    Parallel.ForEach(titles, title => {|DBC003:given|}.Open());
                }
            }
            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, Source, Source);
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey, Source, Source);
    }

    [Fact]
    public async Task No_fix_for_a_method_group_or_local_function_whose_body_may_serve_other_callers()
    {
        const string Source = """
            public sealed class Import(SqliteConnection connection)
            {
                private readonly SqliteConnection _connection = connection;

                public void Run(string[] titles)
                {
                    var local = new SqliteConnection("Data Source=todos.db");
                    Parallel.ForEach(titles, {|DBC003:Insert|});
                    Parallel.ForEach(titles, {|DBC003:Local|});

                    void Local(string title) => local.Execute("insert into todos(title) values (@title)", new { title });
                }

                private void Insert(string title) => _connection.Execute("insert into todos(title) values (@title)", new { title });
            }
            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, Source, Source);
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey, Source, Source);
    }

    [Fact]
    public async Task No_fix_for_a_stored_delegate_whose_finding_stands_at_the_local_that_hands_it_over()
    {
        const string Source = """
            public static class Import
            {
                public static void Run(IEnumerable<string> titles, string connectionString)
                {
                    using var connection = new SqliteConnection(connectionString);
                    System.Action<string> insert = title => connection.Execute("insert into todos(title) values (@title)", new { title });
                    Parallel.ForEach(titles, {|DBC003:insert|});

                    // Called inside the delegate: the finding stands at the call, and the body it runs serves other callers.
                    Parallel.ForEach(titles, title => {|DBC003:insert(title)|});
                    Parallel.ForEach(titles, title => {|DBC003:Local(title)|});

                    void Local(string title) => connection.Execute("select @title", new { title });
                }
            }
            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, Source, Source);
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey, Source, Source);
    }

    [Fact]
    public async Task Per_worker_is_not_offered_for_Task_Run_or_async_bodies()
    {
        const string Source = """
            public static class Import
            {
                public static async Task Run(string[] titles)
                {
                    var connection = new SqliteConnection("Data Source=todos.db");
                    _ = Task.Run(() => {|DBC003:connection|}.Open());
                    await Parallel.ForEachAsync(titles, async (title, token) => await {|DBC003:connection|}.OpenAsync(token));
                }
            }
            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey, Source, Source);
    }

    [Fact]
    public async Task Context_field_becomes_a_context_per_run_from_the_injected_factory()
    {
        const string EfUsings = """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class ShopContext : DbContext
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public class Order
            {
                public int Id { get; set; }
            }

            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.FactoryInsideKey, """
            public sealed class Pricing(ShopContext db, IDbContextFactory<ShopContext> factory)
            {
                private readonly ShopContext _db = db;
                private readonly IDbContextFactory<ShopContext> _factory = factory;

                public Task Reprice(IEnumerable<int> ids)
                    => Parallel.ForEachAsync(ids, async (id, token) => await this.{|DBC003:_db|}.Orders.FindAsync(new object[] { id }, token));

                public void Count(int[] ids) => Parallel.ForEach(ids, id => {|DBC003:_db|}.Orders.Count(o => o.Id == id));
            }
            """, """
            public sealed class Pricing(ShopContext db, IDbContextFactory<ShopContext> factory)
            {
                private readonly ShopContext _db = db;
                private readonly IDbContextFactory<ShopContext> _factory = factory;

                public Task Reprice(IEnumerable<int> ids)
                    => Parallel.ForEachAsync(ids, async (id, token) =>
                    {
                        await using var db = await _factory.CreateDbContextAsync();
                        await db.Orders.FindAsync(new object[] { id }, token);
                    });

                public void Count(int[] ids) => Parallel.ForEach(ids, id =>
                {
                    using var db = _factory.CreateDbContext();
                    db.Orders.Count(o => o.Id == id);
                });
            }
            """, ReferenceSets.EfCore8, EfUsings);
    }

    [Fact]
    public async Task Create_inside_a_Dataflow_block_running_several_messages_at_once()
    {
        const string DataflowUsings = """
            using System.Threading.Tasks;
            using System.Threading.Tasks.Dataflow;
            using Dapper;
            using Microsoft.Data.Sqlite;

            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.CreateInsideKey, """
            public static class Import
            {
                public static async Task Run(string[] titles, string connectionString)
                {
                    await using var connection = new SqliteConnection(connectionString);
                    await connection.OpenAsync();
                    var insert = new ActionBlock<string>(
                        async title => await {|DBC003:connection|}.ExecuteAsync("insert into todos(title) values (@title)", new { title }),
                        new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 4 });
                    foreach (var title in titles) insert.Post(title);
                    insert.Complete();
                    await insert.Completion;
                }
            }
            """, """
            public static class Import
            {
                public static async Task Run(string[] titles, string connectionString)
                {
                    await using var connection = new SqliteConnection(connectionString);
                    await connection.OpenAsync();
                    var insert = new ActionBlock<string>(
                        async title =>
                        {
                            await using var connection = new SqliteConnection(connectionString);
                            await connection.OpenAsync();
                            await connection.ExecuteAsync("insert into todos(title) values (@title)", new { title });
                        },
                        new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 4 });
                    foreach (var title in titles) insert.Post(title);
                    insert.Complete();
                    await insert.Completion;
                }
            }
            """, ReferenceSets.Messaging, DataflowUsings);
    }

    [Fact]
    public async Task Service_Bus_handler_gets_a_context_per_message_from_the_injected_factory()
    {
        const string ServiceBusUsings = """
            using System.Threading;
            using System.Threading.Tasks;
            using Azure.Messaging.ServiceBus;
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.Hosting;

            public class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public class Order
            {
                public int Id { get; set; }
            }

            """;
        await VerifyFixAsync(ConcurrentDelegateCaptureCodeFixProvider.FactoryInsideKey, """
            public sealed class OrderWorker(ServiceBusClient client, ShopContext db, IDbContextFactory<ShopContext> factory) : BackgroundService
            {
                private readonly ShopContext _db = db;
                private readonly IDbContextFactory<ShopContext> _factory = factory;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    var processor = client.CreateProcessor("orders", new ServiceBusProcessorOptions { MaxConcurrentCalls = 8 });
                    processor.ProcessMessageAsync += async args =>
                    {
                        {|DBC003:_db|}.Orders.Add(new Order());
                        await _db.SaveChangesAsync(args.CancellationToken);
                    };
                    processor.ProcessErrorAsync += _ => Task.CompletedTask;
                    await processor.StartProcessingAsync(stoppingToken);
                }
            }
            """, """
            public sealed class OrderWorker(ServiceBusClient client, ShopContext db, IDbContextFactory<ShopContext> factory) : BackgroundService
            {
                private readonly ShopContext _db = db;
                private readonly IDbContextFactory<ShopContext> _factory = factory;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    var processor = client.CreateProcessor("orders", new ServiceBusProcessorOptions { MaxConcurrentCalls = 8 });
                    processor.ProcessMessageAsync += async args =>
                    {
                        await using var db = await _factory.CreateDbContextAsync();
                        db.Orders.Add(new Order());
                        await db.SaveChangesAsync(args.CancellationToken);
                    };
                    processor.ProcessErrorAsync += _ => Task.CompletedTask;
                    await processor.StartProcessingAsync(stoppingToken);
                }
            }
            """, ReferenceSets.Messaging, ServiceBusUsings);
    }
}
