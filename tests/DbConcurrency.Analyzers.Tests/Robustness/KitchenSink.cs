using System.Collections.Immutable;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>Sources that exercise every rule's patterns, and every unusual syntax the IDE may hand the analyzers.</summary>
internal static class KitchenSink
{
    /// <summary><paramref name="files"/> beside the global usings, compiled against every library the sources use.</summary>
    public static CSharpCompilation Compile(params (string Source, string Path)[] files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Source, parse, path: f.Path))
            .Append(CSharpSyntaxTree.ParseText(GlobalUsings, parse, path: "/GlobalUsings.cs"));
        return CSharpCompilation.Create("KitchenSink", trees, ReferenceSets.ByName("Everything").References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
    }

    /// <summary>Every shipped rule's findings over <paramref name="compilation"/>, run concurrently; fails on any analyzer exception.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(CSharpCompilation compilation, AnalyzerConfigOptionsProvider? options = null)
    {
        var exceptions = new List<Exception>();
        var analyzerOptions = new CompilationWithAnalyzersOptions(
            options is null ? new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty) : new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, options),
            onAnalyzerException: (exception, _, _) => { lock (exceptions) { exceptions.Add(exception); } },
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(ShippedAnalyzers.Create(), analyzerOptions).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics;
    }

    public const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Data;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using System.Threading.Tasks.Dataflow;
        global using System.Transactions;
        global using Azure.Messaging.ServiceBus;
        global using Dapper;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.Data.Sqlite;
        global using Microsoft.EntityFrameworkCore;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.DependencyInjection.Extensions;
        global using Microsoft.Extensions.Hosting;
        global using Npgsql;
        global using RabbitMQ.Client.Events;
        """;

    /// <summary>Every rule's findings and silences in one file.</summary>
    public const string EveryRule = """
        namespace Shop;

        public class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
        {
            public DbSet<Order> Orders => Set<Order>();
        }

        public class Order
        {
            public int Id { get; set; }
            public decimal Total { get; set; }
        }

        public static class Store
        {
            private static readonly SqliteConnection Connection = new("Data Source=shop.db");
            private static readonly object Gate = new();
            private static SqliteConnection? _locked;

            public static long Count() => Connection.ExecuteScalar<long>("select count(*) from orders");

            public static long Locked()
            {
                lock (Gate)
                {
                    _locked ??= new SqliteConnection("Data Source=shop.db");
                    return _locked.ExecuteScalar<long>("select 1");
                }
            }
        }

        public sealed class Totals(NpgsqlDataSource source, ShopContext db)
        {
            public async Task Add(int id, decimal amount)
            {
                await using var connection = await source.OpenConnectionAsync();
                var total = await connection.ExecuteScalarAsync<decimal>("select total from orders where id = @id", new { id });
                await connection.ExecuteAsync("update orders set total = @total where id = @id", new { total = total + amount, id });
            }

            public async Task AddTracked(int id, decimal amount)
            {
                var order = await db.Orders.SingleAsync(o => o.Id == id);
                order.Total += amount;
                await db.SaveChangesAsync();
            }
        }

        public interface IOrders { Task<List<Order>> All(); }

        public sealed class Orders(ShopContext db) : IOrders
        {
            public Task<List<Order>> All() => db.Orders.ToListAsync();
        }

        public sealed class Mailer(IOrders orders, ShopContext db, IDbContextFactory<ShopContext> factory)
        {
            private readonly ShopContext _db = db;
            private readonly SemaphoreSlim _gate = new(1, 1);

            public async Task<int> Send(int[] ids)
            {
                await _gate.WaitAsync();
                try
                {
                    var count = _db.Orders.CountAsync();
                    var list = await _db.Orders.ToListAsync();
                    await Task.WhenAll(ids.Select(id => _db.Orders.FindAsync(id).AsTask()));
                    Parallel.ForEach(ids, id => _db.Orders.Count(o => o.Id == id));
                    _ = Task.Run(() => _db.SaveChanges());
                    return list.Count + await count;
                }
                finally
                {
                    _gate.Release();
                }
            }

            public int Unguarded() => _db.SaveChanges();

            public async Task Fresh() { await using var context = await factory.CreateDbContextAsync(); await context.SaveChangesAsync(); }
        }

        public sealed class Worker(ShopContext db, NpgsqlDataSource source) : BackgroundService
        {
            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    using var scope = new TransactionScope();
                    await using var connection = await source.OpenConnectionAsync(stoppingToken);
                    await connection.ExecuteAsync("select 1");
                    await db.SaveChangesAsync(stoppingToken);
                    scope.Complete();
                }
            }
        }

        public sealed class Inbox(ServiceBusClient client, ShopContext db, NpgsqlConnection connection) : BackgroundService
        {
            private readonly ShopContext _db = db;

            protected override async Task ExecuteAsync(CancellationToken stoppingToken)
            {
                var processor = client.CreateProcessor("orders", new ServiceBusProcessorOptions { MaxConcurrentCalls = 4 });
                processor.ProcessMessageAsync += async args => { _db.Orders.Add(new Order()); await _db.SaveChangesAsync(); };
                processor.ProcessErrorAsync += _ => Task.CompletedTask;
                var block = new ActionBlock<int>(id => connection.Execute("select @id", new { id }), new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 2 });
                block.Post(1);
                await processor.StartProcessingAsync(stoppingToken);
            }
        }

        public sealed class Audit(RequestDelegate next, ShopContext db)
        {
            public async Task InvokeAsync(HttpContext context) { await db.SaveChangesAsync(); await next(context); }
        }

        public sealed record Ledger(ShopContext Db, IServiceProvider Services)
        {
            public Task<int> Count() => Services.GetRequiredService<ShopContext>().Orders.CountAsync();
        }

        public sealed class Dashboard(Orders orders, ShopContext db)
        {
            public Task<int[]> Counts(int[] ids) => Task.WhenAll(ids.Select(CountOneAsync));

            public Task Both() => Task.WhenAll(CountAllAsync(), CountOneAsync(1));

            public Task<List<Order>> Lists()
            {
                var first = orders.All();
                return orders.All();
            }

            public void Import(int[] ids) => Parallel.ForEach(ids, id => orders.All().Wait());

            private Task<int> CountOneAsync(int id) => db.Orders.CountAsync(o => o.Id == id);

            private Task<int> CountAllAsync() => CountOneAsync(0);

            public Task Scoped() => Task.WhenAll(orders.All(), db.Orders.CountAsync());
        }

        public sealed class Tally(SqliteConnection connection)
        {
            private readonly object _gate = new();

            public void Bump() { lock (_gate) connection.Execute("update tally set value = value + 1"); }

            public long Read() => connection.ExecuteScalar<long>("select value from tally");
        }

        public sealed class Summary(IOrders orders, ShopContext db)
        {
            public Task Both() => Task.WhenAll(orders.All(), db.Orders.CountAsync());

            public Task<List<Order>> Twice()
            {
                var first = orders.All();
                return orders.All();
            }
        }

        public static class Startup
        {
            public static void Configure(IServiceCollection services, WebApplication app, NpgsqlConnection shared)
            {
                services.AddDbContext<ShopContext>(o => o.UseSqlite("Data Source=shop.db"));
                services.AddSingleton<Ledger>();
                services.AddScoped<IOrders, Orders>();
                services.AddSingleton<Mailer>();
                services.AddSingleton<IDbConnection>(_ => new NpgsqlConnection("Host=localhost"));
                services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, Worker>());
                services.AddHostedService<Worker>();
                app.MapGet("/ping", () => shared.State.ToString());
                using var local = new SqliteConnection("Data Source=shop.db");
                local.Open();
                Parallel.For(0, 10, i => local.Execute("select @i", new { i }));
                new Thread(() => local.Close()).Start();
                var tasks = new List<Task>();
                foreach (var i in Enumerable.Range(0, 3)) { tasks.Add(local.ExecuteAsync("select 1")); }
            }
        }
        """;

    /// <summary>Syntax the rules rarely meet: top-level statements, file-scoped types, records, unsafe, preprocessor regions.</summary>
    public const string UnusualSyntax = """
        using System.Data;
        using System.Runtime.CompilerServices;

        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSingleton<Cache<int>>();
        var app = builder.Build();
        var connection = new SqliteConnection("Data Source=x.db");
        app.MapGet("/", () => connection.ExecuteScalar<int>("select 1"));
        await Task.WhenAll(Enumerable.Range(0, 3).Select(async i => await connection.ExecuteAsync("select @i", new { i })));
        Local();
        void Local() => Parallel.Invoke(() => connection.Open(), static () => { });
        app.Run();

        file sealed record Row(int Id, string Name);

        public record class Repo(SqliteConnection Connection) : IDisposable
        {
            public void Dispose() => Connection.Dispose();
        }

        public sealed class Cache<T>(NpgsqlConnection connection) where T : struct
        {
            #region unsafe
            public unsafe int Size() { int x = 1; int* p = &x; return *p; }
            #endregion

        #if DEBUG
            public partial class Nested { private static readonly SqliteConnection Shared = new("Data Source=x.db"); }
        #endif

            public Func<Func<Task<int>>> Deep() => () => async () => await connection.ExecuteScalarAsync<int>("select 1");

            public ref struct Span { public int Value; }

            [MethodImpl(MethodImplOptions.NoInlining)]
            public event EventHandler? Changed;
        }

        public partial class Partial { partial void Hook(); }
        public partial class Partial { partial void Hook() { } }
        """;
}
