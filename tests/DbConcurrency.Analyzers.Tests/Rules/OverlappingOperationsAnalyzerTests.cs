using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.OverlappingOperationsAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class OverlappingOperationsAnalyzerTests
{
    private const string EfCore = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Microsoft.EntityFrameworkCore;

        public class ShopContext : DbContext
        {
            public DbSet<Order> Orders => Set<Order>();
            public DbSet<Customer> Customers => Set<Customer>();
        }

        public class Order
        {
            public int Id { get; set; }
        }

        public class Customer
        {
            public int Id { get; set; }
        }

        """;

    private static DiagnosticResult Dbc004(int location, string name, string type, string operation, string running)
        => Verify.Diagnostic("DBC004").WithLocation(location).WithArguments(name, type, operation, running);

    private static Task VerifyEfAsync(string source, params DiagnosticResult[] expected)
        => Verify.VerifyAsync(ReferenceSets.EfCore8, EfCore + source, expected);

    [Fact]
    public void Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.OverlappingOperations;
        var message = string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "db",
            "ShopContext",
            "'ToListAsync'",
            "'CountAsync' from line 12");
        Assert.Equal("'db' (ShopContext) starts 'ToListAsync' while 'CountAsync' from line 12 is still running on it, and it allows one operation at a time", message);
    }

    [Fact]
    public Task Task_kept_in_a_variable_and_awaited_later_overlaps_the_next_operation()
        => VerifyEfAsync("""
            public static class Dashboard
            {
                public static async Task<(int, List<Customer>)> Load(ShopContext db)
                {
                    var count = db.Orders.CountAsync();
                    var customers = await db.Customers.{|#0:ToListAsync|}();
                    return (await count, customers);
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'ToListAsync'", "'CountAsync' from line 27"));

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    public async Task WhenAll_over_queries_on_one_context_reports_the_second(string library)
    {
        await Verify.VerifyAsync(ReferenceSets.ByName(library), EfCore + """
            public sealed class Dashboard(ShopContext db)
            {
                private readonly ShopContext _db = db;

                public async Task Load()
                {
                    var orders = _db.Orders.ToListAsync();
                    var customers = _db.Customers.{|#0:ToListAsync|}();
                    await Task.WhenAll(orders, customers);

                    await Task.WhenAll(_db.Orders.CountAsync(), _db.Customers.{|#1:CountAsync|}());
                }
            }
            """,
            Dbc004(0, "_db", "ShopContext", "'ToListAsync'", "'ToListAsync' from line 29"),
            Dbc004(1, "_db", "ShopContext", "'CountAsync'", "'CountAsync' from line 33"));
    }

    [Fact]
    public async Task Tasks_written_into_an_array_or_list_on_one_context_are_reported()
    {
        await VerifyEfAsync("""
            public static class Board
            {
                public static Task Counts(ShopContext db)
                    => Task.WhenAll(new[] { db.Orders.CountAsync(), db.Customers.{|#0:CountAsync|}() });

                public static async Task Lists(ShopContext db)
                {
                    var tasks = new List<Task> { db.Orders.ToListAsync(), db.Customers.{|#1:ToListAsync|}() };
                    await Task.WhenAll(tasks);
                }

                public static Task Typed(ShopContext db)
                    => Task.WhenAll(new Task[] { db.Orders.AnyAsync(), db.Customers.{|#2:AnyAsync|}() });
            }
            """,
            Dbc004(0, "db", "ShopContext", "'CountAsync'", "'CountAsync' from line 26"),
            Dbc004(1, "db", "ShopContext", "'ToListAsync'", "'ToListAsync' from line 30"),
            Dbc004(2, "db", "ShopContext", "'AnyAsync'", "'AnyAsync' from line 35"));
    }

    [Fact]
    public async Task Select_starting_one_task_per_item_on_one_context_is_reported()
    {
        await VerifyEfAsync("""
            public static class Lookup
            {
                public static Task<Order?[]> Find(ShopContext db, int[] ids)
                    => Task.WhenAll(ids.Select(id => db.Orders.{|#0:FirstOrDefaultAsync|}(o => o.Id == id)));

                public static async Task<List<Order?>> FindAsync(ShopContext db, int[] ids)
                {
                    var tasks = ids.Select(async id => await db.Orders.{|#1:FindAsync|}(id)).ToList();
                    return (await Task.WhenAll(tasks)).ToList();
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'FirstOrDefaultAsync' for every item of the Select", "the 'FirstOrDefaultAsync' of the other items"),
            Dbc004(1, "db", "ShopContext", "'FindAsync' for every item of the Select", "the 'FindAsync' of the other items"));
    }

    [Fact]
    public async Task Select_over_a_method_group_or_stored_delegate_that_starts_a_task_on_one_context_is_reported()
    {
        // The selector stands away from the Select: a method of the type, a local function, a delegate kept in a local.
        // Reported at the name the Select is handed, the one place in this body the overlap can be seen.
        await VerifyEfAsync("""
            public sealed class Lookup(ShopContext db)
            {
                private readonly ShopContext _db = db;

                public async Task<Order?[]> ByMethod(int[] ids) => await Task.WhenAll(ids.Select({|#0:LoadOneAsync|}));

                public Task<Order?[]> ByLocalFunction(int[] ids)
                {
                    return Task.WhenAll(ids.Select({|#1:One|}));
                    Task<Order?> One(int id) => _db.Orders.FirstOrDefaultAsync(o => o.Id == id);
                }

                public Task<Order?[]> ByStoredDelegate(int[] ids)
                {
                    Func<int, Task<Order?>> find = id => db.Orders.FirstOrDefaultAsync(o => o.Id == id);
                    return Task.WhenAll(ids.Select({|#2:find|}));
                }

                public Task<int[]> ThroughAHelper(int[] ids) => Task.WhenAll(ids.Select({|#3:CountOneAsync|}));

                private Task<Order?> LoadOneAsync(int id) => _db.Orders.FirstOrDefaultAsync(o => o.Id == id);

                private Task<int> CountOneAsync(int id) => CountAsync();

                private Task<int> CountAsync() => _db.Orders.CountAsync();
            }
            """,
            Dbc004(3, "_db", "ShopContext", "'CountAsync', which uses it, through 'CountOneAsync', for every item of the Select", "the 'CountAsync' of the other items"),
            Dbc004(0, "_db", "ShopContext", "'FirstOrDefaultAsync', through 'LoadOneAsync', for every item of the Select", "the 'FirstOrDefaultAsync' of the other items"),
            Dbc004(1, "_db", "ShopContext", "'FirstOrDefaultAsync', through 'One', for every item of the Select", "the 'FirstOrDefaultAsync' of the other items"),
            Dbc004(2, "db", "ShopContext", "'FirstOrDefaultAsync', through 'find', for every item of the Select", "the 'FirstOrDefaultAsync' of the other items"));
    }

    [Fact]
    public async Task Select_over_a_method_group_with_a_context_of_its_own_or_no_task_is_silent()
    {
        await VerifyEfAsync("""
            public sealed class Lookup(IDbContextFactory<ShopContext> factory, ShopContext db)
            {
                public Task<Order?[]> OwnContexts(int[] ids) => Task.WhenAll(ids.Select(LoadOwnAsync));

                public Task<int[]> PerItemContexts(ShopContext[] contexts) => Task.WhenAll(contexts.Select(CountAsync));

                public List<int> Synchronous(int[] ids) => ids.Select(Count).ToList();

                public Task<string[]> NoDatabase(int[] ids) => Task.WhenAll(ids.Select(FormatAsync));

                private async Task<Order?> LoadOwnAsync(int id)
                {
                    await using var own = await factory.CreateDbContextAsync();
                    return await own.Orders.FirstOrDefaultAsync(o => o.Id == id);
                }

                private static Task<int> CountAsync(ShopContext context) => context.Orders.CountAsync();

                private int Count(int id) => db.Orders.Count(o => o.Id == id);

                private static Task<string> FormatAsync(int id) => Task.FromResult(id.ToString());
            }
            """);
    }

    [Fact]
    public async Task A_set_taken_with_Set_of_T_is_part_of_the_query_not_an_operation_of_its_own()
    {
        await VerifyEfAsync("""
            public static class Counts
            {
                public static Task Both(ShopContext db)
                    => Task.WhenAll(db.Set<Order>().CountAsync(), db.Set<Customer>().{|#0:CountAsync|}());

                public static async Task<int> Kept(ShopContext db)
                {
                    var orders = db.Set<Order>().CountAsync();
                    var set = db.Set<Customer>();
                    return await orders + await set.CountAsync();
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'CountAsync'", "'CountAsync' from line 26"));
    }

    [Fact]
    public async Task Helpers_that_run_an_operation_on_the_instance_context_overlap_like_the_operation()
    {
        // The shape behind most "A second operation was started on this context instance": two methods of the
        // service (or of one repository) that query the same injected context, left running together.
        await VerifyEfAsync("""
            public sealed class Dashboard(ShopContext db)
            {
                public async Task<(int, int)> Kept()
                {
                    var orders = CountOrdersAsync();
                    var customers = {|#0:CountCustomersAsync|}();
                    await Task.WhenAll(orders, customers);
                    return (orders.Result, customers.Result);
                }

                public Task Direct() => Task.WhenAll(CountOrdersAsync(), this.{|#1:CountThroughAsync|}());

                public Task<int[]> PerItem(int[] ids) => Task.WhenAll(ids.Select(id => {|#2:CountOrderAsync|}(id)));

                public async Task FireAndForget()
                {
                    _ = TouchAsync();
                    await db.{|#3:SaveChangesAsync|}();
                }

                private Task<int> CountOrdersAsync() => db.Orders.CountAsync();

                private async Task<int> CountCustomersAsync() => await db.Customers.CountAsync();

                private Task<int> CountOrderAsync(int id) => db.Orders.CountAsync(o => o.Id == id);

                private Task<int> CountThroughAsync() => CountCustomersAsync();

                private async Task TouchAsync()
                {
                    await Task.Yield();
                    await db.Orders.LoadAsync();
                }
            }

            public sealed class OrderRepository
            {
                private readonly ShopContext _db;

                public OrderRepository(ShopContext db) => _db = db;

                public Task<int> CountAsync() => _db.Orders.CountAsync();

                public Task<List<Order>> ListAsync() => _db.Orders.ToListAsync();
            }

            public sealed class Report(OrderRepository repository)
            {
                public async Task<int> Build()
                {
                    var count = repository.CountAsync();
                    var list = await repository.{|#4:ListAsync|}();
                    return await count + list.Count;
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'CountCustomersAsync', which uses it,", "'CountOrdersAsync' from line 27"),
            Dbc004(1, "db", "ShopContext", "'CountThroughAsync', which uses it,", "'CountOrdersAsync' from line 33"),
            Dbc004(2, "db", "ShopContext", "'CountOrderAsync', which uses it, for every item of the Select", "the 'CountOrderAsync' of the other items"),
            Dbc004(3, "db", "ShopContext", "'SaveChangesAsync'", "'TouchAsync' from line 39"),
            Dbc004(4, "repository", "OrderRepository", "'ListAsync', which uses its '_db' (ShopContext),", "'CountAsync' from line 73"));
    }

    [Fact]
    public async Task Two_services_a_scope_gave_one_context_overlap_on_it()
    {
        // A controller's services each given the scoped context: "A second operation was started on this context
        // instance" from Task.WhenAll over two services, though no line names the context twice.
        await VerifyEfAsync("""
            public sealed class OrderService(ShopContext db)
            {
                public Task<List<Order>> AllAsync() => db.Orders.ToListAsync();

                public Task<int> CountAsync() => db.Orders.CountAsync();
            }

            public sealed class CustomerService
            {
                private readonly ShopContext _db;

                public CustomerService(ShopContext db) => _db = db ?? throw new ArgumentNullException(nameof(db));

                public Task<int> CountAsync() => _db.Customers.CountAsync();
            }

            public sealed class ReportService(ShopContext context)
            {
                private readonly ShopContext _context = context;

                public Task<int> CountAsync() => _context.Orders.CountAsync(o => o.Id > 100);
            }

            public sealed class DashboardController(OrderService orders, CustomerService customers, ReportService reports, ShopContext db)
            {
                public async Task<int> Kept()
                {
                    var all = orders.AllAsync();
                    var count = customers.{|#0:CountAsync|}();
                    await Task.WhenAll(all, count);
                    return all.Result.Count + count.Result;
                }

                public Task Direct() => Task.WhenAll(orders.CountAsync(), reports.{|#1:CountAsync|}());

                public async Task<int> OwnAndService()
                {
                    var own = db.Customers.CountAsync();
                    var theirs = await orders.{|#2:CountAsync|}();
                    return await own + theirs;
                }
            }
            """,
            Dbc004(0, "_db", "ShopContext", "'CountAsync', through 'customers',", "'AllAsync' from line 50, through 'orders', given the same ShopContext by the scope,"),
            Dbc004(1, "_context", "ShopContext", "'CountAsync', through 'reports',", "'CountAsync' from line 56, through 'orders', given the same ShopContext by the scope,"),
            Dbc004(2, "db", "ShopContext", "'CountAsync', through 'orders',", "'CountAsync' from line 60 on 'db', given the same ShopContext by the scope,"));
    }

    [Fact]
    public async Task A_service_called_through_its_interface_runs_the_one_implementation_of_the_compilation()
    {
        await VerifyEfAsync("""
            public interface IOrderService
            {
                Task<int> CountAsync();

                Task<List<Order>> ListAsync();
            }

            public interface ICustomerService
            {
                Task<int> CountAsync();
            }

            public sealed class OrderService(ShopContext db) : IOrderService
            {
                public Task<int> CountAsync() => db.Orders.CountAsync();

                public Task<List<Order>> ListAsync() => db.Orders.ToListAsync();
            }

            public sealed class CustomerService(ShopContext db) : ICustomerService
            {
                Task<int> ICustomerService.CountAsync() => db.Customers.CountAsync();
            }

            public sealed class Report(IOrderService orders, ICustomerService customers)
            {
                public async Task<int> Build()
                {
                    var count = orders.CountAsync();
                    var list = await orders.{|#0:ListAsync|}();
                    return await count + list.Count;
                }

                public Task Both() => Task.WhenAll(orders.CountAsync(), customers.{|#1:CountAsync|}());
            }
            """,
            Dbc004(0, "orders", "IOrderService", "'ListAsync', which uses its 'db' (ShopContext),", "'CountAsync' from line 51"),
            Dbc004(1, "db", "ShopContext", "'CountAsync', through 'customers',", "'CountAsync' from line 56, through 'orders', given the same ShopContext by the scope,"));
    }

    [Fact]
    public async Task A_service_called_through_an_interface_with_several_or_virtual_implementations_is_silent()
    {
        await VerifyEfAsync("""
            public interface IOrderService
            {
                Task<int> CountAsync();
            }

            public interface ICustomerService
            {
                Task<int> CountAsync();
            }

            public sealed class OrderService(ShopContext db) : IOrderService
            {
                public Task<int> CountAsync() => db.Orders.CountAsync();
            }

            public sealed class CachedOrderService(OrderService inner) : IOrderService
            {
                private int? _count;

                public async Task<int> CountAsync() => _count ??= await inner.CountAsync();
            }

            public class CustomerService(ShopContext db) : ICustomerService
            {
                public virtual Task<int> CountAsync() => db.Customers.CountAsync();
            }

            public sealed class Report(IOrderService orders, ICustomerService customers)
            {
                public async Task<int> Twice()
                {
                    var first = orders.CountAsync();
                    return await orders.CountAsync() + await first;
                }

                public async Task<int> Virtual()
                {
                    var first = customers.CountAsync();
                    return await customers.CountAsync() + await first;
                }
            }
            """);
    }

    [Fact]
    public async Task Two_repositories_of_one_generic_class_are_two_services_on_the_scope_context()
    {
        await VerifyEfAsync("""
            public sealed class Repository<T>(ShopContext db) where T : class
            {
                public Task<List<T>> AllAsync() => db.Set<T>().ToListAsync();
            }

            public sealed class Overview(Repository<Order> orders, Repository<Customer> customers)
            {
                public Task Both() => Task.WhenAll(orders.AllAsync(), customers.{|#0:AllAsync|}());
            }
            """,
            Dbc004(0, "db", "ShopContext", "'AllAsync', through 'customers',", "'AllAsync' from line 30, through 'orders', given the same ShopContext by the scope,"));
    }

    [Fact]
    public async Task Services_resolved_from_one_scope_the_body_made_share_its_context()
    {
        await VerifyEfAsync("""
            public sealed class OrderService(ShopContext db)
            {
                public Task<int> CountAsync() => db.Orders.CountAsync();
            }

            public sealed class CustomerService(ShopContext db)
            {
                public Task<int> CountAsync() => db.Customers.CountAsync();
            }

            public sealed class Nightly(Microsoft.Extensions.DependencyInjection.IServiceScopeFactory scopes)
            {
                public async Task Run()
                {
                    using var scope = scopes.CreateScope();
                    var orders = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<OrderService>(scope.ServiceProvider);
                    var customers = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CustomerService>(scope.ServiceProvider);
                    await Task.WhenAll(orders.CountAsync(), customers.{|#0:CountAsync|}());
                }

                public async Task TwoScopes()
                {
                    using var first = scopes.CreateScope();
                    using var second = scopes.CreateScope();
                    var orders = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<OrderService>(first.ServiceProvider);
                    var customers = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<CustomerService>(second.ServiceProvider);
                    await Task.WhenAll(orders.CountAsync(), customers.CountAsync());
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'CountAsync', through 'customers',", "'CountAsync' from line 40, through 'orders', given the same ShopContext by the scope,"));
    }

    [Fact]
    public async Task Services_with_contexts_of_their_own_in_turn_or_not_from_one_scope_are_silent()
    {
        await VerifyEfAsync("""
            public sealed class OrderService(ShopContext db)
            {
                public Task<int> CountAsync() => db.Orders.CountAsync();
            }

            public sealed class CustomerService(ShopContext db)
            {
                public Task<int> CountAsync() => db.Customers.CountAsync();
            }

            public sealed class OwnContextService
            {
                private readonly ShopContext _db = new();

                public Task<int> CountAsync() => _db.Customers.CountAsync();
            }

            public sealed class FactoryService(IDbContextFactory<ShopContext> factory)
            {
                public async Task<int> CountAsync()
                {
                    await using var db = await factory.CreateDbContextAsync();
                    return await db.Customers.CountAsync();
                }
            }

            public sealed class Controller(OrderService orders, OwnContextService own, FactoryService viaFactory, OrderService second)
            {
                public Task OwnContext() => Task.WhenAll(orders.CountAsync(), own.CountAsync());

                public Task Factory() => Task.WhenAll(orders.CountAsync(), viaFactory.CountAsync());

                public async Task<int> InTurn() => await orders.CountAsync() + await own.CountAsync();

                public Task Handed(OrderService a, CustomerService b) => Task.WhenAll(a.CountAsync(), b.CountAsync());

                public Task Made() => Task.WhenAll(orders.CountAsync(), new OrderService(new ShopContext()).CountAsync());
            }
            """);
    }

    [Fact]
    public async Task Services_of_a_context_registered_transient_each_get_their_own()
    {
        await VerifyEfAsync("""
            public sealed class OrderService(ShopContext db)
            {
                public Task<int> CountAsync() => db.Orders.CountAsync();
            }

            public sealed class CustomerService(ShopContext db)
            {
                public Task<int> CountAsync() => db.Customers.CountAsync();
            }

            public sealed class Controller(OrderService orders, CustomerService customers)
            {
                public Task Both() => Task.WhenAll(orders.CountAsync(), customers.CountAsync());
            }

            public static class Startup
            {
                public static void Configure(Microsoft.Extensions.DependencyInjection.IServiceCollection services)
                    => Microsoft.Extensions.DependencyInjection.EntityFrameworkServiceCollectionExtensions.AddDbContext<ShopContext>(
                        services, options => { }, Microsoft.Extensions.DependencyInjection.ServiceLifetime.Transient);
            }
            """);
    }

    [Fact]
    public async Task Helpers_awaited_in_turn_guarded_on_their_own_context_or_out_of_sight_are_silent()
    {
        await VerifyEfAsync("""
            public interface IOrderStore { Task<int> CountAsync(); }

            public class Service(ShopContext db, ShopContext reports, IDbContextFactory<ShopContext> factory, IOrderStore store, Service other)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);

                public async Task<int> InTurn() => await CountOrdersAsync() + await CountCustomersAsync();

                public Task OwnContexts() => Task.WhenAll(CountOwnAsync(), CountOwnAsync());

                public Task Guarded() => Task.WhenAll(CountGuardedAsync(), CountGuardedAsync());

                public Task TwoContexts() => Task.WhenAll(CountOrdersAsync(), CountReportsAsync());

                public Task Interface() => Task.WhenAll(store.CountAsync(), store.CountAsync());

                public Task Virtual() => Task.WhenAll(CountVirtualAsync(), CountVirtualAsync());

                public Task OtherInstance() => Task.WhenAll(CountOrdersAsync(), other.CountCustomersAsync());

                public Task InALambda() => Task.WhenAll(CountLaterAsync(), CountLaterAsync());

                public Task<int> CountCustomersAsync() => db.Customers.CountAsync();

                private Task<int> CountOrdersAsync() => db.Orders.CountAsync();

                private Task<int> CountReportsAsync() => reports.Orders.CountAsync();

                private async Task<int> CountOwnAsync()
                {
                    await using var own = await factory.CreateDbContextAsync();
                    return await own.Orders.CountAsync();
                }

                private async Task<int> CountGuardedAsync()
                {
                    await _gate.WaitAsync();
                    try
                    {
                        return await db.Orders.CountAsync();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                protected virtual Task<int> CountVirtualAsync() => db.Orders.CountAsync();

                private Task<int> CountLaterAsync()
                {
                    Func<Task<int>> later = () => db.Orders.CountAsync();
                    return Task.FromResult(0);
                }
            }
            """);
    }

    [Fact]
    public async Task Tasks_collected_in_a_loop_and_fire_and_forget_are_reported()
    {
        await VerifyEfAsync("""
            public static class Writer
            {
                public static async Task SaveAll(ShopContext db, int[] ids)
                {
                    var tasks = new List<Task<Order?>>();
                    foreach (var id in ids)
                    {
                        tasks.Add(db.Orders.{|#0:FindAsync|}(id).AsTask());
                    }

                    await Task.WhenAll(tasks);
                    await db.SaveChangesAsync();
                }

                public static async Task<int> Forget(ShopContext db)
                {
                    _ = db.SaveChangesAsync();
                    return await db.Orders.{|#1:CountAsync|}();
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'FindAsync'", "the 'FindAsync' of the previous iteration"),
            Dbc004(1, "db", "ShopContext", "'CountAsync'", "'SaveChangesAsync' from line 39"));
    }

    [Fact]
    public async Task A_round_trip_on_the_context_a_foreach_reads_row_by_row_is_reported()
    {
        // The loop's query keeps its reader open from one row to the next: "There is already an open DataReader" on SQL
        // Server without MARS, "A command is already in progress" on PostgreSQL.
        await VerifyEfAsync("""
            public sealed class Streams(ShopContext db)
            {
                public void SaveEach()
                {
                    foreach (var order in db.Orders.Where(o => o.Id > 0))
                    {
                        order.Id = 0;
                        db.{|#0:SaveChanges|}();
                    }
                }

                public async Task CountEach()
                {
                    await foreach (var order in db.Orders.AsAsyncEnumerable())
                    {
                        await db.Customers.{|#1:CountAsync|}();
                    }
                }

                public int CountEachAsEnumerable()
                {
                    var count = 0;
                    var same = db;
                    foreach (var order in db.Orders.AsEnumerable())
                    {
                        count += same.Customers.{|#2:Count|}(c => c.Id == order.Id);
                    }

                    return count;
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'SaveChanges'", "the query the foreach on line 27 reads row by row"),
            Dbc004(1, "db", "ShopContext", "'CountAsync'", "the query the foreach on line 36 reads row by row"),
            Dbc004(2, "db", "ShopContext", "'Count'", "the query the foreach on line 46 reads row by row"));
    }

    [Fact]
    public async Task A_foreach_over_rows_copied_first_tracking_in_the_loop_and_another_context_are_not_reported()
    {
        await VerifyEfAsync("""
            public sealed class Fine(ShopContext db, IDbContextFactory<ShopContext> factory)
            {
                public void TrackOnly()
                {
                    foreach (var order in db.Orders)
                    {
                        db.Entry(order).State = EntityState.Modified;
                        db.Customers.Add(new Customer { Id = order.Id });
                    }

                    db.SaveChanges();
                }

                public async Task Copied()
                {
                    foreach (var order in db.Orders.ToList())
                    {
                        db.SaveChanges();
                    }

                    foreach (var order in await db.Orders.ToListAsync())
                    {
                        await db.SaveChangesAsync();
                    }
                }

                public async Task OtherContext()
                {
                    await using var other = await factory.CreateDbContextAsync();
                    await foreach (var order in db.Orders.AsAsyncEnumerable())
                    {
                        other.Customers.Add(new Customer { Id = order.Id });
                        await other.SaveChangesAsync();
                    }

                    await db.SaveChangesAsync();
                }
            }
            """);
    }

    [Fact]
    public async Task A_query_kept_in_a_local_and_read_row_by_row_later_is_followed_to_its_context()
    {
        await VerifyEfAsync("""
            public sealed class Streams(ShopContext db, ShopContext other)
            {
                public void SaveEach()
                {
                    var open = db.Orders.Where(o => o.Id > 0);
                    foreach (var order in open)
                    {
                        order.Id = 0;
                        db.{|#0:SaveChanges|}();
                    }
                }

                public async Task CountEach()
                {
                    IQueryable<Order> query = db.Orders;
                    await foreach (var order in query.Where(o => o.Id > 0).AsAsyncEnumerable())
                    {
                        await db.Customers.{|#1:CountAsync|}();
                    }
                }

                public void Copied()
                {
                    var rows = db.Orders.Where(o => o.Id > 0).ToList();
                    foreach (var order in rows)
                    {
                        db.SaveChanges();
                    }
                }

                public void OtherContext()
                {
                    var theirs = other.Orders.Where(o => o.Id > 0);
                    foreach (var order in theirs)
                    {
                        db.SaveChanges();
                    }
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "'SaveChanges'", "the query the foreach on line 28 reads row by row"),
            Dbc004(1, "db", "ShopContext", "'CountAsync'", "the query the foreach on line 38 reads row by row"));
    }

    [Fact]
    public async Task A_loop_over_a_second_query_inside_a_streaming_loop_is_reported_once_with_what_its_body_starts()
    {
        await VerifyEfAsync("""
            public sealed class Streams(ShopContext db, ShopContext other)
            {
                public void Nested()
                {
                    foreach (var order in db.Orders)
                    {
                        foreach (var customer in {|#0:db.Customers.Where(c => c.Id == order.Id)|})
                        {
                            db.{|#1:SaveChanges|}();
                        }

                        db.{|#2:SaveChanges|}();
                    }
                }

                public void NestedOnAnother()
                {
                    foreach (var order in db.Orders)
                    {
                        foreach (var customer in other.Customers)
                        {
                            other.{|#3:SaveChanges|}();
                        }
                    }
                }

                public void NestedOverRows()
                {
                    // Copying the inner rows is still a round trip while the outer reader is open.
                    foreach (var order in db.Orders)
                    {
                        foreach (var customer in db.Customers.{|#4:ToList|}())
                        {
                        }
                    }
                }
            }
            """,
            Dbc004(0, "db", "ShopContext", "the query the foreach on line 29 reads", "the query the foreach on line 27 reads row by row"),
            Dbc004(1, "db", "ShopContext", "'SaveChanges'", "the query the foreach on line 29 reads row by row"),
            Dbc004(2, "db", "ShopContext", "'SaveChanges'", "the query the foreach on line 27 reads row by row"),
            Dbc004(3, "other", "ShopContext", "'SaveChanges'", "the query the foreach on line 42 reads row by row"),
            Dbc004(4, "db", "ShopContext", "'ToList'", "the query the foreach on line 52 reads row by row"));
    }

    [Fact]
    public async Task A_round_trip_on_the_connection_Dapper_reads_unbuffered_is_reported_and_buffered_is_not()
    {
        await Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public static class Sweep
            {
                public static void Unbuffered(NpgsqlConnection connection)
                {
                    foreach (var id in connection.Query<int>("select id from orders", buffered: false))
                    {
                        connection.{|#0:Execute|}("update orders set seen = true where id = @id", new { id });
                    }
                }

                public static async Task Streamed(NpgsqlConnection connection)
                {
                    await foreach (var id in connection.QueryUnbufferedAsync<int>("select id from orders"))
                    {
                        await connection.{|#1:ExecuteAsync|}("update orders set seen = true where id = @id", new { id });
                    }
                }

                public static void Buffered(NpgsqlConnection connection)
                {
                    foreach (var id in connection.Query<int>("select id from orders"))
                    {
                        connection.Execute("update orders set seen = true where id = @id", new { id });
                    }
                }
            }
            """,
            Dbc004(0, "connection", "NpgsqlConnection", "'Execute'", "the query the foreach on line 9 reads row by row"),
            Dbc004(1, "connection", "NpgsqlConnection", "'ExecuteAsync'", "the query the foreach on line 17 reads row by row"));
    }

    [Fact]
    public async Task A_command_sent_on_the_connection_a_data_reader_loop_reads_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public static class Sweep
            {
                public static void Mark(NpgsqlConnection connection)
                {
                    using var select = new NpgsqlCommand("select id from orders", connection);
                    using var reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        using var update = new NpgsqlCommand("update orders set seen = true where id = @id", connection);
                        update.Parameters.AddWithValue("id", reader.GetInt32(0));
                        update.{|#0:ExecuteNonQuery|}();
                    }
                }

                public static async Task MarkAsync(NpgsqlConnection connection)
                {
                    var same = connection;
                    await using var select = same.CreateCommand();
                    select.CommandText = "select id from orders";
                    await using var reader = await select.ExecuteReaderAsync().ConfigureAwait(false);
                    while (await reader.ReadAsync())
                    {
                        await connection.{|#1:ExecuteAsync|}("update orders set seen = true where id = @id", new { id = reader.GetInt32(0) });
                        var total = select.{|#2:ExecuteScalar|}();
                        if (total is null)
                        {
                            // Stops the reader's own command: no second command is sent.
                            select.Cancel();
                            break;
                        }
                    }
                }

                public static void Assigned(NpgsqlConnection connection)
                {
                    var select = new NpgsqlCommand { CommandText = "select id from orders", Connection = connection };
                    var update = new NpgsqlCommand("update orders set seen = true");
                    update.Connection = connection;
                    using var reader = connection.ExecuteReader("select id from orders");
                    do
                    {
                        update.{|#3:ExecuteNonQuery|}();
                    }
                    while (reader.Read());
                }
            }
            """,
            Dbc004(0, "connection", "NpgsqlConnection", "'ExecuteNonQuery'", "the reader the loop on line 11 reads row by row"),
            Dbc004(1, "connection", "NpgsqlConnection", "'ExecuteAsync'", "the reader the loop on line 25 reads row by row"),
            Dbc004(2, "connection", "NpgsqlConnection", "'ExecuteScalar'", "the reader the loop on line 25 reads row by row"),
            Dbc004(3, "connection", "NpgsqlConnection", "'ExecuteNonQuery'", "the reader the loop on line 44 reads row by row"));
    }

    [Fact]
    public async Task A_data_reader_loop_on_SQL_Server_is_reported_and_one_on_SQLite_or_another_connection_is_not()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using System.Collections.Generic;
            using System.Data.Common;
            using Dapper;
            using Microsoft.Data.SqlClient;

            public static class Sweep
            {
                public static void SqlServer(SqlConnection connection)
                {
                    using var select = connection.CreateCommand();
                    using var reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        connection.{|#0:Execute|}("update orders set seen = 1 where id = @id", new { id = reader.GetInt32(0) });
                    }
                }

                public static void Portable(DbConnection connection, int limit)
                {
                    using var select = connection.CreateCommand();
                    using var reader = select.ExecuteReader();
                    var count = 0;
                    while (count++ < limit && reader.Read())
                    {
                        connection.{|#1:Query<int>|}("select 1");
                    }
                }

                public static void Another(SqlConnection connection, SqlConnection other)
                {
                    using var select = new SqlCommand("select id from orders", connection);
                    using var reader = select.ExecuteReader();
                    var update = other.CreateCommand();
                    while (reader.Read())
                    {
                        other.Execute("update orders set seen = 1");
                        update.ExecuteNonQuery();
                    }
                }

                public static List<int> ReadFirst(SqlConnection connection)
                {
                    var ids = new List<int>();
                    using (var select = new SqlCommand("select id from orders", connection))
                    using (var reader = select.ExecuteReader())
                    {
                        while (reader.Read())
                        {
                            ids.Add(reader.GetInt32(0));
                        }
                    }

                    foreach (var id in ids)
                    {
                        connection.Execute("update orders set seen = 1 where id = @id", new { id });
                    }

                    return ids;
                }
            }
            """,
            Dbc004(0, "connection", "SqlConnection", "'Execute'", "the reader the loop on line 12 reads row by row"),
            Dbc004(1, "connection", "DbConnection", "'Query'", "the reader the loop on line 23 reads row by row"));

        // SQLite runs a second command while a reader is open.
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Sweep
            {
                public static void Sqlite(SqliteConnection connection)
                {
                    using var select = connection.CreateCommand();
                    using var reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        connection.Execute("update orders set seen = 1 where id = @id", new { id = reader.GetInt32(0) });
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Dapper_and_ADO_operations_on_one_connection_and_aliases_count()
    {
        await Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public static class Report
            {
                public static async Task Run(NpgsqlConnection connection, NpgsqlCommand command)
                {
                    var same = connection;
                    var totals = connection.QueryAsync<int>("select total from orders");
                    await same.{|#0:ExecuteAsync|}("update orders set seen = true");
                    await totals;

                    var reader = command.ExecuteReaderAsync();
                    command.{|#1:ExecuteNonQuery|}();
                    await reader;
                }
            }
            """,
            Dbc004(0, "connection", "NpgsqlConnection", "'ExecuteAsync'", "'QueryAsync' from line 10"),
            Dbc004(1, "command", "NpgsqlCommand", "'ExecuteNonQuery'", "'ExecuteReaderAsync' from line 14"));
    }

    [Fact]
    public async Task Sequential_awaits_own_instances_different_objects_and_single_tasks_are_not_reported()
    {
        await VerifyEfAsync("""
            public sealed class Fine(IDbContextFactory<ShopContext> factory, ShopContext db, ShopContext other)
            {
                public async Task<int> Sequential()
                {
                    var orders = await db.Orders.ToListAsync();
                    var count = db.Customers.CountAsync();
                    var customers = await count;
                    await db.SaveChangesAsync().ConfigureAwait(false);
                    return orders.Count + customers;
                }

                public async Task<Order?[]> OwnInstances(int[] ids)
                    => await Task.WhenAll(ids.Select(async id =>
                    {
                        await using var context = await factory.CreateDbContextAsync();
                        return await context.Orders.FindAsync(id);
                    }));

                public Task Different() => Task.WhenAll(db.Orders.ToListAsync(), other.Orders.ToListAsync());

                public Task<int> Single() => db.SaveChangesAsync();

                public async Task Loop(int[] ids)
                {
                    foreach (var id in ids)
                    {
                        await db.Orders.FindAsync(id);
                    }
                }

                public void Queries()
                {
                    var query = db.Orders.Where(o => o.Id > 0);
                    var sequential = new[] { 1, 2 }.Select(id => db.Orders.Count()).ToList();
                    var command = db.Database.GetDbConnection().CreateCommand();
                }
            }
            """);
    }

    [Fact]
    public async Task Library_absent_reports_nothing_and_does_not_throw()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            using System.Threading.Tasks;

            public static class Report
            {
                public static async Task Run({|CS0246:DbContext|} db)
                {
                    var a = db.SaveChangesAsync();
                    await db.SaveChangesAsync();
                    await a;
                }
            }
            """);
    }

    [Theory]
    [InlineData("static class S { static async Task M(ShopContext db) { var t = db.Orders.ToListAsync(); await db.")]
    [InlineData("static class S { static async Task M(ShopContext db) { _ = db.SaveChangesAsync(); db.Orders.")]
    [InlineData("static class S { static Task M(ShopContext db, int[] ids) => Task.WhenAll(ids.Select(id => db.Orders.FindAsync(")]
    [InlineData("static class S { static async Task M(ShopContext db) { foreach (var x in ) { _ = db.SaveChangesAsync(); } } }")]
    public async Task Incomplete_code_as_typed_in_the_IDE_does_not_throw(string code)
    {
        var exceptions = await AnalyzerRun.ExceptionsAsync(new Analyzers.Rules.OverlappingOperationsAnalyzer(), ReferenceSets.EfCore8, EfCore + code);
        Assert.Empty(exceptions);
    }
}
