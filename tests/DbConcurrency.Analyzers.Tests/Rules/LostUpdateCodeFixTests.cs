using DbConcurrency.Analyzers.Tests.Verifiers;
using DbConcurrency.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using Fix = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    DbConcurrency.Analyzers.Rules.LostUpdateAnalyzer,
    DbConcurrency.CodeFixes.Rules.LostUpdateCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class LostUpdateCodeFixTests
{
    private static Task VerifyAsync(ReferenceSet references, string source, string fixedSource, string key)
        => new Fix.Test(references)
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = key,
            CodeActionValidationMode = CodeActionValidationMode.SemanticStructure,
        }.RunAsync();

    [Theory]
    [InlineData("views + 1", "views = views + @views", "1")]
    [InlineData("1 + views", "views = views + @views", "1")]
    [InlineData("views - step", "views = views - @views", "step")]
    [InlineData("views + step * 2", "views = views + @views", "step * 2")]
    public Task Dapper_value_plus_or_minus_a_delta_becomes_an_atomic_update(string value, string assignment, string delta)
        => VerifyAsync(
            ReferenceSets.SqliteDapper,
            """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counters
            {
                public static void Hit(SqliteConnection connection, long id, long step)
                {
                    var views = [|connection.ExecuteScalar<long>("select views from pages where id = @id", new { id })|];
                    connection.Execute("update pages set views = @views where id = @id", new { views = VALUE, id });
                }
            }
            """.Replace("VALUE", value),
            """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counters
            {
                public static void Hit(SqliteConnection connection, long id, long step)
                {
                    var views = connection.ExecuteScalar<long>("select views from pages where id = @id", new { id });
                    connection.Execute("update pages set ASSIGNMENT where id = @id", new { views = DELTA, id });
                }
            }
            """.Replace("ASSIGNMENT", assignment).Replace("DELTA", delta),
            LostUpdateCodeFixProvider.AtomicUpdateKey);

    [Fact]
    public Task Ado_parameter_and_quoted_names_keep_their_spelling()
        => VerifyAsync(
            ReferenceSets.SqlClient,
            """
            using Microsoft.Data.SqlClient;

            public static class Stock
            {
                public static void Take(SqlConnection connection, int id, int quantity)
                {
                    using var read = new SqlCommand("SELECT [Quantity] FROM [dbo].[Stock] WHERE [Id] = @id", connection);
                    read.Parameters.AddWithValue("@id", id);
                    var current = (int)[|read.ExecuteScalar()|];

                    using var write = connection.CreateCommand();
                    write.CommandText = @"UPDATE [dbo].[Stock]
                        SET [Quantity] = @quantity
                        WHERE [Id] = @id";
                    write.Parameters.AddWithValue("@quantity", current - quantity);
                    write.Parameters.AddWithValue("@id", id);
                    write.ExecuteNonQuery();
                }
            }
            """,
            """
            using Microsoft.Data.SqlClient;

            public static class Stock
            {
                public static void Take(SqlConnection connection, int id, int quantity)
                {
                    using var read = new SqlCommand("SELECT [Quantity] FROM [dbo].[Stock] WHERE [Id] = @id", connection);
                    read.Parameters.AddWithValue("@id", id);
                    var current = (int)read.ExecuteScalar();

                    using var write = connection.CreateCommand();
                    write.CommandText = @"UPDATE [dbo].[Stock]
                        SET [Quantity] = [Quantity] - @quantity
                        WHERE [Id] = @id";
                    write.Parameters.AddWithValue("@quantity", quantity);
                    write.Parameters.AddWithValue("@id", id);
                    write.ExecuteNonQuery();
                }
            }
            """,
            LostUpdateCodeFixProvider.AtomicUpdateKey);

    [Fact]
    public Task Serializable_transaction_wraps_an_async_read_and_write_on_an_opened_connection()
        => VerifyAsync(
            ReferenceSets.NpgsqlDapper,
            """
            using System;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public sealed class Wallets(NpgsqlDataSource dataSource)
            {
                public async Task Withdraw(int id, decimal amount)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    var balance = await [|connection.QuerySingleAsync<decimal>("select balance from wallets where id = @id", new { id })|];
                    var remaining = balance - amount;
                    if (remaining < 0)
                    {
                        throw new InvalidOperationException("Insufficient funds");
                    }

                    await connection.ExecuteAsync("update wallets set balance = @remaining where id = @id", new { remaining, id });
                }
            }
            """,
            """
            using System;
            using System.Threading.Tasks;
            using Dapper;
            using Npgsql;

            public sealed class Wallets(NpgsqlDataSource dataSource)
            {
                public async Task Withdraw(int id, decimal amount)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
                    var balance = await connection.QuerySingleAsync<decimal>("select balance from wallets where id = @id", new { id }, transaction: transaction);
                    var remaining = balance - amount;
                    if (remaining < 0)
                    {
                        throw new InvalidOperationException("Insufficient funds");
                    }

                    await connection.ExecuteAsync("update wallets set balance = @remaining where id = @id", new { remaining, id }, transaction: transaction);
                    await transaction.CommitAsync();
                }
            }
            """,
            LostUpdateCodeFixProvider.SerializableKey);

    [Fact]
    public Task Serializable_transaction_in_sync_code_picks_a_free_name()
        => VerifyAsync(
            ReferenceSets.NpgsqlDapper,
            """
            using System.Data;
            using Dapper;
            using Npgsql;

            public static class Counters
            {
                public static void Hit(NpgsqlConnection connection, long id, string transaction)
                {
                    connection.Open();
                    var views = [|connection.ExecuteScalar<long>("select views from pages where id = @id", new { id })|];
                    connection.Execute("update pages set views = @views where id = @id", new { views = views * 2, id });
                }
            }
            """,
            """
            using System.Data;
            using Dapper;
            using Npgsql;

            public static class Counters
            {
                public static void Hit(NpgsqlConnection connection, long id, string transaction)
                {
                    connection.Open();
                    using var transaction2 = connection.BeginTransaction(IsolationLevel.Serializable);
                    var views = connection.ExecuteScalar<long>("select views from pages where id = @id", new { id }, transaction: transaction2);
                    connection.Execute("update pages set views = @views where id = @id", new { views = views * 2, id }, transaction: transaction2);
                    transaction2.Commit();
                }
            }
            """,
            LostUpdateCodeFixProvider.SerializableKey);

    [Theory]
    // Not old ± delta: no atomic form. Not opened here: BeginTransaction would throw on a closed connection.
    [InlineData("views * 2")]
    [InlineData("step - views")]
    [InlineData("views + views")]
    public Task No_fix_when_neither_form_is_sound(string value)
        => Fix.VerifyNoFixAsync(
            ReferenceSets.SqliteDapper,
            """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counters
            {
                public static void Hit(SqliteConnection connection, long id, long step)
                {
                    var views = [|connection.ExecuteScalar<long>("select views from pages where id = @id", new { id })|];
                    connection.Execute("update pages set views = @views where id = @id", new { views = VALUE, id });
                }
            }
            """.Replace("VALUE", value));

    /// <summary>
    /// The attribute is there but its using is not (being typed, or lost in a merge): the rule cannot see the token,
    /// and a second [ConcurrencyCheck] would not compile (CS0579). The fix is left out; the missing using is the fix.
    /// </summary>
    [Fact]
    public Task No_concurrency_token_fix_when_the_property_has_the_attribute_that_does_not_bind()
        => Fix.VerifyNoFixAsync(
            ReferenceSets.EfCore8,
            """
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class WikiContext : DbContext
            {
                public DbSet<Page> Pages => Set<Page>();
            }

            public class Page
            {
                public int Id { get; set; }

                [{|CS0246:{|CS0246:ConcurrencyCheck|}|}]
                public long Views { get; set; }
            }

            public static class PageViews
            {
                public static async Task Hit(WikiContext db, int id)
                {
                    var page = await [|db.Pages.SingleAsync(p => p.Id == id)|];
                    page.Views += 1;
                    await db.SaveChangesAsync();
                }
            }
            """);

    [Fact]
    public Task Ef_property_becomes_a_concurrency_token()
        => VerifyAsync(
            ReferenceSets.EfCore8,
            """
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class WikiContext : DbContext
            {
                public DbSet<Page> Pages => Set<Page>();
            }

            public class Page
            {
                public int Id { get; set; }

                public long Views { get; set; }
            }

            public static class PageViews
            {
                public static async Task Hit(WikiContext db, int id)
                {
                    var page = await [|db.Pages.SingleAsync(p => p.Id == id)|];
                    page.Views += 1;
                    await db.SaveChangesAsync();
                }
            }
            """,
            """
            using System.ComponentModel.DataAnnotations;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class WikiContext : DbContext
            {
                public DbSet<Page> Pages => Set<Page>();
            }

            public class Page
            {
                public int Id { get; set; }

                [ConcurrencyCheck]
                public long Views { get; set; }
            }

            public static class PageViews
            {
                public static async Task Hit(WikiContext db, int id)
                {
                    var page = await db.Pages.SingleAsync(p => p.Id == id);
                    page.Views += 1;
                    await db.SaveChangesAsync();
                }
            }
            """,
            LostUpdateCodeFixProvider.ConcurrencyTokenKey);
}
