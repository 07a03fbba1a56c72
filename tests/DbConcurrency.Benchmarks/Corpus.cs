using System.Globalization;
using System.Text;

namespace DbConcurrency.Benchmarks;

/// <summary>
/// A generated code base of realistic shape: per module an entity, an EF Core context, a repository, Dapper
/// report queries, a service with business logic, a controller, a background job and its registrations. Every
/// fifth module carries one bug of each rule, so the rules do their full work, not just their early exits.
/// The no-database twin has the same shape and size with in-memory storage and no database library in sight.
/// </summary>
internal static class Corpus
{
    public const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Mvc;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        """;

    /// <param name="withBugs">False leaves out the bug code of every fifth database module: what the findings cost, by difference.</param>
    public static IReadOnlyList<(string Path, string Text)> Generate(int modules, bool withDatabase, bool withBugs = true)
    {
        var files = new List<(string, string)> { ("GlobalUsings.cs", GlobalUsings + (withDatabase ? "\nglobal using Dapper;\nglobal using Microsoft.EntityFrameworkCore;\nglobal using Npgsql;\n" : string.Empty)) };
        for (var i = 0; i < modules; i++)
        {
            var module = (withDatabase ? DatabaseModule : MemoryModule).Replace("__SHARED__\n", SharedCode, StringComparison.Ordinal);
            var text = module.Replace("__N__", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            if (withDatabase && withBugs && i % 5 == 0)
            {
                text += Bugs.Replace("__N__", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }

            files.Add(($"Module{i}.cs", text));
        }

        return files;
    }

    public static int Lines(IReadOnlyList<(string Path, string Text)> files)
    {
        var lines = 0;
        foreach (var (_, text) in files)
        {
            foreach (var c in text)
            {
                lines += c == '\n' ? 1 : 0;
            }
        }

        return lines;
    }

    /// <summary>The service, controller and job: the same code over either storage, so the twins differ only there.</summary>
    private const string SharedCode = """
            public sealed class OrderService(IOrderRepository orders, Reports reports)
            {
                public async Task<string> Summary(CancellationToken cancellationToken)
                {
                    var open = await orders.Open(cancellationToken);
                    var builder = new System.Text.StringBuilder();
                    foreach (var group in open.GroupBy(o => o.Customer).OrderByDescending(g => g.Sum(o => o.Total)))
                    {
                        builder.Append(group.Key).Append(": ").Append(group.Count()).Append(" open, ").Append(group.Sum(o => o.Total).ToString("C")).AppendLine();
                    }

                    var revenue = await reports.Revenue(DateTime.UtcNow.AddDays(-30), cancellationToken);
                    builder.Append("Revenue: ").Append(revenue);
                    return builder.ToString();
                }

                public decimal Discount(Order order) => order.Total switch
                {
                    > 1000 => order.Total * 0.1m,
                    > 100 => order.Total * 0.05m,
                    _ => 0,
                };
            }

            [ApiController]
            [Route("api/module__N__/orders")]
            public sealed class OrdersController(IOrderRepository orders, OrderService service) : ControllerBase
            {
                [HttpGet]
                public async Task<ActionResult<List<Order>>> Get(CancellationToken cancellationToken) => await orders.Open(cancellationToken);

                [HttpGet("{id:int}")]
                public async Task<ActionResult<Order>> Get(int id, CancellationToken cancellationToken)
                    => await orders.Find(id, cancellationToken) is { } order ? order : NotFound();

                [HttpPost("{id:int}/ship")]
                public async Task<IActionResult> Ship(int id, CancellationToken cancellationToken)
                {
                    await orders.Ship(id, cancellationToken);
                    return NoContent();
                }

                [HttpGet("summary")]
                public Task<string> Summary(CancellationToken cancellationToken) => service.Summary(cancellationToken);
            }

            public sealed class ShippingJob(IServiceScopeFactory scopes) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await using var scope = scopes.CreateAsyncScope();
                        var orders = scope.ServiceProvider.GetRequiredService<IOrderRepository>();
                        foreach (var order in await orders.Open(stoppingToken))
                        {
                            await orders.Ship(order.Id, stoppingToken);
                        }

                        await Task.Delay(TimeSpan.FromMinutes(1), stoppingToken);
                    }
                }
            }

        """;

    private const string DatabaseModule = """
        namespace App.Module__N__
        {
            public class Order
            {
                public int Id { get; set; }
                public string Customer { get; set; } = "";
                public decimal Total { get; set; }
                public bool Shipped { get; set; }
                public DateTime Placed { get; set; }
            }

            public class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public interface IOrderRepository
            {
                Task<List<Order>> Open(CancellationToken cancellationToken);
                Task<Order?> Find(int id, CancellationToken cancellationToken);
                Task Ship(int id, CancellationToken cancellationToken);
            }

            public sealed class OrderRepository(ShopContext db) : IOrderRepository
            {
                public Task<List<Order>> Open(CancellationToken cancellationToken)
                    => db.Orders.Where(o => !o.Shipped).OrderBy(o => o.Placed).ToListAsync(cancellationToken);

                public async Task<Order?> Find(int id, CancellationToken cancellationToken)
                    => await db.Orders.FirstOrDefaultAsync(o => o.Id == id, cancellationToken);

                public async Task Ship(int id, CancellationToken cancellationToken)
                {
                    var order = await db.Orders.FindAsync(new object[] { id }, cancellationToken);
                    if (order is null)
                    {
                        return;
                    }

                    order.Shipped = true;
                    await db.SaveChangesAsync(cancellationToken);
                }
            }

            public sealed class Reports(NpgsqlDataSource source)
            {
                public async Task<decimal> Revenue(DateTime from, CancellationToken cancellationToken)
                {
                    await using var connection = await source.OpenConnectionAsync(cancellationToken);
                    return await connection.ExecuteScalarAsync<decimal>("select coalesce(sum(total), 0) from orders where placed >= @from", new { from });
                }

                public async Task Adjust(int id, decimal delta)
                {
                    await using var connection = await source.OpenConnectionAsync();
                    var total = await connection.ExecuteScalarAsync<decimal>("select total from orders where id = @id", new { id });
                    if (total + delta < 0)
                    {
                        throw new InvalidOperationException("A total cannot go below zero.");
                    }

                    await connection.ExecuteAsync("update orders set total = total + @delta where id = @id", new { delta, id });
                }

                public async Task<IReadOnlyList<(string Customer, decimal Total)>> Top(int count)
                {
                    await using var connection = await source.OpenConnectionAsync();
                    var rows = await connection.QueryAsync<(string, decimal)>("select customer, sum(total) from orders group by customer order by 2 desc limit @count", new { count });
                    return rows.ToList();
                }
            }

        __SHARED__
            public static class Registration
            {
                public static IServiceCollection AddModule(this IServiceCollection services, string connectionString)
                {
                    services.AddDbContext<ShopContext>(o => o.UseSqlite(connectionString));
                    services.AddScoped<IOrderRepository, OrderRepository>();
                    services.AddScoped<OrderService>();
                    services.AddSingleton(_ => new Reports(NpgsqlDataSource.Create(connectionString)));
                    services.AddHostedService<ShippingJob>();
                    return services;
                }
            }
        }

        """;

    private const string Bugs = """
        namespace App.Module__N__.Bugs
        {
            public static class SharedStore
            {
                private static readonly NpgsqlConnection Connection = new("Host=localhost");

                public static Task<int> Count() => Connection.ExecuteScalarAsync<int>("select count(*) from orders");
            }

            public sealed class Mailer(IOrderRepository orders)
            {
                public Task<List<Order>> Pending() => orders.Open(default);
            }

            public sealed class Counter(NpgsqlConnection connection)
            {
                private readonly object _gate = new();
                private readonly NpgsqlConnection _connection = connection;

                public int Bump() { lock (_gate) { return _connection.Execute("update counters set value = value + 1"); } }

                public int Read() => _connection.ExecuteScalar<int>("select value from counters");

                public async Task Adjust(NpgsqlDataSource source, int id, decimal delta)
                {
                    await using var connection = await source.OpenConnectionAsync();
                    var total = await connection.ExecuteScalarAsync<decimal>("select total from orders where id = @id", new { id });
                    await connection.ExecuteAsync("update orders set total = @total where id = @id", new { total = total + delta, id });
                }

                public async Task Archive(NpgsqlDataSource source)
                {
                    using var scope = new System.Transactions.TransactionScope();
                    await using var archive = await source.OpenConnectionAsync();
                    await archive.ExecuteAsync("insert into archive select * from orders");
                    scope.Complete();
                }
            }

            public sealed class Importer(ShopContext db)
            {
                private readonly object _gate = new();

                public void Import(int[] ids)
                {
                    Parallel.ForEach(ids, id => db.Orders.Count(o => o.Id == id));
                    lock (_gate)
                    {
                        db.SaveChanges();
                    }
                }

                public int Unguarded() => db.SaveChanges();

                public Task<Order?[]> Find(int[] ids) => Task.WhenAll(ids.Select(id => db.Orders.FirstOrDefaultAsync(o => o.Id == id)));
            }

            public static class BugRegistration
            {
                public static void Add(IServiceCollection services) => services.AddSingleton<Mailer>();
            }
        }

        """;

    private const string MemoryModule = """
        namespace App.Module__N__
        {
            public class Order
            {
                public int Id { get; set; }
                public string Customer { get; set; } = "";
                public decimal Total { get; set; }
                public bool Shipped { get; set; }
                public DateTime Placed { get; set; }
            }

            public class OrderStore
            {
                public List<Order> Orders { get; } = new();

                public Task SaveChanges(CancellationToken cancellationToken) => Task.CompletedTask;
            }

            public interface IOrderRepository
            {
                Task<List<Order>> Open(CancellationToken cancellationToken);
                Task<Order?> Find(int id, CancellationToken cancellationToken);
                Task Ship(int id, CancellationToken cancellationToken);
            }

            public sealed class OrderRepository(OrderStore store) : IOrderRepository
            {
                public Task<List<Order>> Open(CancellationToken cancellationToken)
                    => Task.FromResult(store.Orders.Where(o => !o.Shipped).OrderBy(o => o.Placed).ToList());

                public async Task<Order?> Find(int id, CancellationToken cancellationToken)
                    => await Task.FromResult(store.Orders.FirstOrDefault(o => o.Id == id));

                public async Task Ship(int id, CancellationToken cancellationToken)
                {
                    var order = store.Orders.Find(o => o.Id == id);
                    if (order is null)
                    {
                        return;
                    }

                    order.Shipped = true;
                    await store.SaveChanges(cancellationToken);
                }
            }

            public sealed class Reports(OrderStore store)
            {
                public async Task<decimal> Revenue(DateTime from, CancellationToken cancellationToken)
                {
                    await Task.Yield();
                    return store.Orders.Where(o => o.Placed >= from).Sum(o => o.Total);
                }

                public async Task<IReadOnlyList<(string Customer, decimal Total)>> Top(int count)
                {
                    await Task.Yield();
                    var rows = store.Orders.GroupBy(o => o.Customer).Select(g => (g.Key, g.Sum(o => o.Total))).OrderByDescending(r => r.Item2).Take(count);
                    return rows.ToList();
                }
            }

        __SHARED__
            public static class Registration
            {
                public static IServiceCollection AddModule(this IServiceCollection services, string connectionString)
                {
                    services.AddSingleton<OrderStore>();
                    services.AddScoped<IOrderRepository, OrderRepository>();
                    services.AddScoped<OrderService>();
                    services.AddSingleton(sp => new Reports(sp.GetRequiredService<OrderStore>()));
                    services.AddHostedService<ShippingJob>();
                    return services;
                }
            }
        }

        """;
}
