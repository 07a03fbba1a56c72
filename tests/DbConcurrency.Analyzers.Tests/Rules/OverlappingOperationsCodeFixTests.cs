using DbConcurrency.Analyzers.Tests.Verifiers;
using DbConcurrency.CodeFixes.Rules;
using Fix = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<DbConcurrency.Analyzers.Rules.OverlappingOperationsAnalyzer, DbConcurrency.CodeFixes.Rules.OverlappingOperationsCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class OverlappingOperationsCodeFixTests
{
    private const string EfCore = """
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using Microsoft.EntityFrameworkCore;

        public class ShopContext : DbContext
        {
            public DbSet<Order> Orders => Set<Order>();
        }

        public class Order
        {
            public int Id { get; set; }
            public bool Paid { get; set; }
        }

        """;

    private static Task VerifyFixAsync(string source, string fixedSource)
        => new Fix.Test(ReferenceSets.EfCore8)
        {
            TestCode = EfCore + source,
            FixedCode = EfCore + fixedSource,
            CodeActionEquivalenceKey = OverlappingOperationsCodeFixProvider.SequentialKey,
        }.RunAsync();

    [Fact]
    public async Task WhenAll_over_Select_becomes_a_foreach_that_awaits_each_in_turn()
    {
        await VerifyFixAsync("""
            public static class Payments
            {
                public static async Task MarkPaid(ShopContext db, int[] ids)
                {
                    await Task.WhenAll(ids.Select(id => db.Orders.Where(o => o.Id == id).{|DBC004:ExecuteUpdateAsync|}(s => s.SetProperty(o => o.Paid, true), default)));
                }
            }
            """, """
            public static class Payments
            {
                public static async Task MarkPaid(ShopContext db, int[] ids)
                {
                    foreach (var id in ids)
                    {
                        await db.Orders.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Paid, true), default);
                    }
                }
            }
            """);
    }

    /// <summary>A top-level statement sits in a global statement, and an if's body without braces holds one statement: the loop fits both.</summary>
    [Fact]
    public async Task The_fix_works_in_a_top_level_program_and_in_the_body_of_an_if_without_braces()
    {
        const string Types = """

            public class ShopContext : DbContext
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public class Order
            {
                public int Id { get; set; }
            }
            """;
        var test = new Fix.Test(ReferenceSets.EfCore8)
        {
            TestCode = """
                using System.Linq;
                using System.Threading.Tasks;
                using Microsoft.EntityFrameworkCore;

                var db = new ShopContext();
                int[] ids = [1, 2];
                var found = await Task.WhenAll(ids.Select(id => db.Orders.Where(o => o.Id == id).{|DBC004:CountAsync|}()));
                if (found.Length > 0)
                    await Task.WhenAll(ids.Select(id => db.Orders.Where(o => o.Id == id).{|DBC004:ExecuteDeleteAsync|}()));
                """ + Types,
            // Without a using for it, List is spelled in full; the formatter separates the new global statements.
            FixedCode = """
                using System.Linq;
                using System.Threading.Tasks;
                using Microsoft.EntityFrameworkCore;

                var db = new ShopContext();
                int[] ids = [1, 2];
                var foundList = new System.Collections.Generic.List<int>();

                foreach (var id in ids)
                {
                    foundList.Add(await db.Orders.Where(o => o.Id == id).CountAsync());
                }

                var found = foundList.ToArray();

                if (found.Length > 0)
                {
                    foreach (var id in ids)
                    {
                        await db.Orders.Where(o => o.Id == id).ExecuteDeleteAsync();
                    }
                }

                """ + Types,
            CodeActionEquivalenceKey = OverlappingOperationsCodeFixProvider.SequentialKey,
        };
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        await test.RunAsync();
    }

    [Fact]
    public async Task A_helper_that_uses_the_context_is_awaited_in_turn_and_gets_no_context_of_its_own()
    {
        // The helper's body is elsewhere: awaiting each call is the fix; a context per task would not reach the helper.
        const string Source = """
            public sealed class Payments(ShopContext db, IDbContextFactory<ShopContext> factory)
            {
                public async Task MarkPaid(int[] ids)
                {
                    await Task.WhenAll(ids.Select(id => {|DBC004:MarkAsync|}(id)));
                }

                private Task<int> MarkAsync(int id) => db.Orders.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Paid, true));
            }
            """;
        await VerifyFixAsync(Source, """
            public sealed class Payments(ShopContext db, IDbContextFactory<ShopContext> factory)
            {
                public async Task MarkPaid(int[] ids)
                {
                    foreach (var id in ids)
                    {
                        await MarkAsync(id);
                    }
                }

                private Task<int> MarkAsync(int id) => db.Orders.Where(o => o.Id == id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Paid, true));
            }
            """);
        await new Fix.Test(ReferenceSets.EfCore8) { TestCode = EfCore + Source, FixedCode = EfCore + Source, CodeActionEquivalenceKey = OverlappingOperationsCodeFixProvider.ContextPerTaskKey }.RunAsync();
    }

    [Fact]
    public async Task Results_are_collected_in_order_and_stay_an_array()
    {
        await VerifyFixAsync("""
            public static class Lookup
            {
                public static async Task<int> Found(ShopContext db, List<int> ids)
                {
                    var orders = await Task.WhenAll(ids.Select(async id => await db.Orders.{|DBC004:FindAsync|}(id)));
                    return orders.Length;
                }
            }
            """, """
            public static class Lookup
            {
                public static async Task<int> Found(ShopContext db, List<int> ids)
                {
                    var ordersList = new List<Order>();
                    foreach (var id in ids)
                    {
                        ordersList.Add(await db.Orders.FindAsync(id));
                    }

                    var orders = ordersList.ToArray();
                    return orders.Length;
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_for_tasks_kept_in_variables_loops_or_block_bodied_lambdas()
    {
        const string Source = """
            public static class Writer
            {
                public static async Task Run(ShopContext db, int[] ids)
                {
                    var count = db.Orders.CountAsync();
                    await db.Orders.{|DBC004:ToListAsync|}();
                    await count;

                    await Task.WhenAll(ids.Select(async id =>
                    {
                        await db.Orders.{|DBC004:FindAsync|}(id);
                    }));

                    // The body is elsewhere: nothing to move into a loop here.
                    System.Func<int, Task<Order?>> find = id => db.Orders.FirstOrDefaultAsync(o => o.Id == id);
                    await Task.WhenAll(ids.Select({|DBC004:find|}));
                }
            }
            """;
        await new Fix.Test(ReferenceSets.EfCore8) { TestCode = EfCore + Source, FixedCode = EfCore + Source, CodeActionEquivalenceKey = OverlappingOperationsCodeFixProvider.SequentialKey }.RunAsync();
    }

    [Fact]
    public async Task Each_task_gets_its_own_context_from_the_injected_factory()
    {
        await new Fix.Test(ReferenceSets.EfCore8)
        {
            TestCode = EfCore + """
                public sealed class Lookup(ShopContext db, IDbContextFactory<ShopContext> factory)
                {
                    private readonly ShopContext _db = db;
                    private readonly IDbContextFactory<ShopContext> _factory = factory;

                    public async Task<Order[]> Find(int[] ids)
                    {
                        var orders = await Task.WhenAll(ids.Select(id => _db.Orders.{|DBC004:FirstAsync|}(o => o.Id == id)));
                        return orders;
                    }
                }
                """,
            FixedCode = EfCore + """
                public sealed class Lookup(ShopContext db, IDbContextFactory<ShopContext> factory)
                {
                    private readonly ShopContext _db = db;
                    private readonly IDbContextFactory<ShopContext> _factory = factory;

                    public async Task<Order[]> Find(int[] ids)
                    {
                        var orders = await Task.WhenAll(ids.Select(async id =>
                        {
                            await using var context = await _factory.CreateDbContextAsync();
                            return await context.Orders.FirstAsync(o => o.Id == id);
                        }));
                        return orders;
                    }
                }
                """,
            CodeActionEquivalenceKey = OverlappingOperationsCodeFixProvider.ContextPerTaskKey,
        }.RunAsync();
    }
}
