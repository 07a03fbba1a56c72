using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.LostUpdateAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class LostUpdateAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Data;
        using System.Linq;
        using System.Threading.Tasks;
        using System.Transactions;
        using Dapper;

        """;

    private const string EfCore = """
        using System;
        using System.ComponentModel.DataAnnotations;
        using System.Linq;
        using System.Threading.Tasks;
        using Microsoft.EntityFrameworkCore;

        public class WikiContext : DbContext
        {
            public DbSet<Page> Pages => Set<Page>();
            public DbSet<Account> Accounts => Set<Account>();
            public DbSet<Stock> Stocks => Set<Stock>();
            public DbSet<Ledger> Ledgers => Set<Ledger>();

            protected override void OnModelCreating(ModelBuilder modelBuilder)
            {
                modelBuilder.Entity<Stock>().Property(s => s.Quantity).IsConcurrencyToken();
                modelBuilder.Entity<Ledger>(ledger => ledger.Property<byte[]>("Version").IsRowVersion());
            }
        }

        public class Page
        {
            public int Id { get; set; }
            public string Title { get; set; } = "";
            public long Views { get; set; }
        }

        public class Account
        {
            public int Id { get; set; }
            [ConcurrencyCheck]
            public decimal Balance { get; set; }
            public decimal Limit { get; set; }
        }

        public class Stock
        {
            public int Id { get; set; }
            public int Quantity { get; set; }
        }

        public class Ledger
        {
            public int Id { get; set; }
            public decimal Total { get; set; }
        }

        """;

    // The write is the diagnostic's additional location; the tests that are about it check it, the others leave it out.
    private static DiagnosticResult Dbc007(int location, string column, string table, string write)
        => Verify.Diagnostic("DBC007").WithLocation(location).WithArguments(column, table, write).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Fact]
    public void Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.LostUpdate;
        var message = string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "views",
            "pages",
            "the UPDATE on line 14");
        Assert.Equal("'views' of 'pages' is read here and written back by the UPDATE on line 14 with no row lock, isolating transaction or concurrency check, so concurrent callers overwrite each other's updates", message);
    }

    [Fact]
    public Task Dapper_scalar_read_written_back_plus_one_is_reported_on_the_read()
        => Verify.VerifyAsync(ReferenceSets.SqliteDapper, Usings + """
            using Microsoft.Data.Sqlite;

            public static class Counters
            {
                public static void Hit(SqliteConnection connection, long id)
                {
                    var views = {|#0:connection.ExecuteScalar<long>("select views from pages where id = @id", new { id })|};
                    connection.Execute("update pages set views = @views where id = @id", new { views = views + 1, id });
                }
            }
            """,
            Dbc007(0, "views", "pages", "the UPDATE on line 15"));

    [Fact]
    public Task Dapper_async_read_through_an_intermediate_local_is_reported()
        => Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, Usings + """
            using Npgsql;

            public sealed class Wallets(NpgsqlDataSource dataSource)
            {
                public async Task Withdraw(int id, decimal amount)
                {
                    await using var connection = await dataSource.OpenConnectionAsync();
                    var balance = await {|#0:connection.QuerySingleAsync<decimal>("SELECT balance FROM public.wallets WHERE id = @id", new { id })|};
                    var remaining = balance - amount;
                    if (remaining < 0)
                    {
                        throw new InvalidOperationException("Insufficient funds");
                    }

                    await connection.ExecuteAsync(new CommandDefinition("UPDATE wallets SET balance = @remaining WHERE id = @id", new { remaining, id }));
                }
            }
            """,
            Dbc007(0, "balance", "wallets", "the UPDATE on line 22"));

    [Fact]
    public Task Whole_row_read_changed_from_its_own_value_and_passed_as_parameters_is_reported()
        => Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, Usings + """
            using Npgsql;

            public sealed class Account
            {
                public int Id { get; set; }
                public decimal Balance { get; set; }
                public string Owner { get; set; } = "";
            }

            public static class Accounts
            {
                public static async Task Charge(NpgsqlConnection connection, int id, decimal amount)
                {
                    var account = await {|#0:connection.QuerySingleAsync<Account>("select id, owner, balance from accounts where id = @id", new { id })|};
                    account.Balance -= amount;
                    await connection.ExecuteAsync("update accounts set balance = @Balance where id = @Id", account);
                }
            }
            """,
            Dbc007(0, "balance", "accounts", "the UPDATE on line 23"));

    [Fact]
    public Task Ado_scalar_read_into_a_second_command_parameter_is_reported()
        => Verify.VerifyAsync(ReferenceSets.SqlClient, Usings.Replace("using Dapper;\n", "") + """
            using Microsoft.Data.SqlClient;

            public static class Stock
            {
                public static void Take(SqlConnection connection, int id, int quantity)
                {
                    using var read = new SqlCommand("SELECT [Quantity] FROM [dbo].[Stock] WHERE [Id] = @id", connection);
                    read.Parameters.AddWithValue("@id", id);
                    var current = (int){|#0:read.ExecuteScalar()|};

                    using var write = connection.CreateCommand();
                    write.CommandText = "UPDATE [dbo].[Stock] SET [Quantity] = @quantity WHERE [Id] = @id";
                    write.Parameters.AddWithValue("@quantity", current - quantity);
                    write.Parameters.AddWithValue("@id", id);
                    write.ExecuteNonQuery();
                }
            }
            """,
            Dbc007(0, "Quantity", "Stock", "the UPDATE on line 21"));

    [Fact]
    public Task Ado_reader_value_and_reused_command_are_followed()
        => Verify.VerifyAsync(ReferenceSets.Npgsql8, Usings.Replace("using Dapper;\n", "") + """
            using Npgsql;

            public static class Seats
            {
                public static async Task Book(NpgsqlConnection connection, int show)
                {
                    await using var command = new NpgsqlCommand("select free, price from shows where id = $1", connection);
                    command.Parameters.AddWithValue(show);
                    int free;
                    await using (var reader = await {|#0:command.ExecuteReaderAsync()|})
                    {
                        await reader.ReadAsync();
                        free = reader.GetInt32(0);
                    }

                    command.CommandText = "update shows set free = $2 where id = $1";
                    command.Parameters.Clear();
                    command.Parameters.AddWithValue(show);
                    command.Parameters.Add(new NpgsqlParameter { Value = free - 1 });
                    await command.ExecuteNonQueryAsync();
                }
            }
            """,
            Dbc007(0, "free", "shows", "the UPDATE on line 26"));

    [Fact]
    public Task Ado_reader_column_read_by_name_is_followed()
        => Verify.VerifyAsync(ReferenceSets.SqlClient, Usings.Replace("using Dapper;\n", "") + """
            using Microsoft.Data.SqlClient;

            public static class Stock
            {
                public static void Take(SqlConnection connection, int item)
                {
                    using var read = new SqlCommand("select quantity from stock where id = @id", connection);
                    read.Parameters.AddWithValue("@id", item);
                    int quantity;
                    using (var reader = {|#0:read.ExecuteReader()|})
                    {
                        reader.Read();
                        quantity = (int)reader["quantity"];
                    }

                    using var write = new SqlCommand("update stock set quantity = @quantity where id = @id", connection);
                    write.Parameters.AddWithValue("@quantity", quantity - 1);
                    write.Parameters.AddWithValue("@id", item);
                    write.ExecuteNonQuery();
                }
            }
            """,
            Dbc007(0, "quantity", "stock", "the UPDATE on line 25"));

    [Fact]
    public async Task The_write_is_the_additional_location()
    {
        var test = new Verify.Test
        {
            TestCode = Usings + """
                using Microsoft.Data.Sqlite;

                public static class Counters
                {
                    public static void Hit(SqliteConnection connection, long id)
                    {
                        var views = {|#0:connection.ExecuteScalar<long>("select views from pages where id = @id", new { id })|};
                        {|#1:connection.Execute("update pages set views = @views where id = @id", new { views = views + 1, id })|};
                    }
                }
                """,
        };
        test.Use(ReferenceSets.SqliteDapper);
        test.ExpectedDiagnostics.Add(Verify.Diagnostic("DBC007").WithLocation(0).WithLocation(1).WithArguments("views", "pages", "the UPDATE on line 15"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("""connection.Execute("update pages set views = @views where id = @id", new { views = views + 1, id });""", 17)]
    [InlineData("""connection.Execute(new CommandDefinition("update pages set views = @Views where id = @Id", new { Views = views + 1, Id = id }));""", 17)]
    [InlineData("""var parameters = new DynamicParameters(); parameters.Add("@views", views + 1); parameters.Add("id", id); connection.Execute("update pages set views = @views where id = @id", parameters);""", 17)]
    [InlineData("""connection.Execute($"update {Table} set views = @views where id = @id", new { views = views + 1, id });""", 17)]
    [InlineData("""const string Sql = "UPDATE pages SET title = @title, views = @views WHERE id = @id"; connection.Execute(Sql, new { title = "t", views = views + 1, id });""", 17)]
    [InlineData("var sql = \"\"\"\n    update pages\n    set views = @views\n    where id = @id\n    \"\"\"; connection.Execute(sql, new { views = views + 1, id });", 21)]
    public Task Every_way_of_writing_the_update_is_read(string write, int line)
        => Verify.VerifyAsync(ReferenceSets.SqliteDapper, Usings + """
            using Microsoft.Data.Sqlite;

            public sealed class Counters(SqliteConnection connection)
            {
                private const string Table = "pages";

                public void Hit(long id)
                {
                    var views = {|#0:connection.ExecuteScalar<long>($"select views from {Table} where id = @id", new { id })|};
                    WRITE
                }
            }
            """.Replace("WRITE", write),
            Dbc007(0, "views", "pages", "the UPDATE on line " + line));

    [Fact]
    public async Task Top_level_statements_and_lambdas_are_read()
    {
        var test = new Verify.Test
        {
            TestCode = Usings + """
            using Microsoft.Data.Sqlite;

            using var connection = new SqliteConnection("Data Source=app.db");
            var score = {|#0:connection.QueryFirst<int>("select score from players where name = @name", new { name = "ada" })|};
            connection.Execute("update players set score = @score where name = @name", new { score = score * 2, name = "ada" });

            Func<long, Task> bump = async id =>
            {
                var stock = await {|#1:connection.ExecuteScalarAsync<long>("select stock from items where id = @id", new { id })|};
                await connection.ExecuteAsync("update items set stock = @stock where id = @id", new { stock = stock - 1, id });
            };
            """,
        };
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.Use(ReferenceSets.SqliteDapper);
        test.ExpectedDiagnostics.Add(Dbc007(0, "score", "players", "the UPDATE on line 12"));
        test.ExpectedDiagnostics.Add(Dbc007(1, "stock", "items", "the UPDATE on line 17"));
        await test.RunAsync();
    }

    [Theory]
    [InlineData("using var transaction = connection.BeginTransaction();")]
    [InlineData("using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);")]
    [InlineData("using var scope = new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = System.Transactions.IsolationLevel.ReadCommitted });")]
    [InlineData("using var scope = new TransactionScope(TransactionScopeOption.Suppress);")]
    [InlineData("using var scope = new TransactionScope(TransactionScopeOption.Suppress, TransactionScopeAsyncFlowOption.Enabled);")]
    public Task ReadCommitted_isolation_does_not_prevent_the_lost_update(string transaction)
        => Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, Usings.Replace("using System.Transactions;\n", "") + """
            using System.Transactions;
            using IsolationLevel = System.Data.IsolationLevel;
            using Npgsql;

            public static class Counters
            {
                public static void Hit(NpgsqlConnection connection, long id)
                {
                    TRANSACTION
                    var views = {|#0:connection.ExecuteScalar<long>("select views from pages where id = @id", new { id })|};
                    connection.Execute("update pages set views = @next where id = @id", new { next = views + 1, id });
                }
            }
            """.Replace("TRANSACTION", transaction),
            Dbc007(0, "views", "pages", "the UPDATE on line 17"));

    [Fact]
    public Task Ef_entity_property_incremented_and_saved_is_reported_on_the_load()
        => Verify.VerifyAsync(ReferenceSets.EfCore8, EfCore + """
            public static class PageViews
            {
                public static async Task Hit(WikiContext db, int id)
                {
                    var page = await {|#0:db.Pages.FindAsync(id)|};
                    if (page is null)
                    {
                        return;
                    }

                    page.Views += 1;
                    await db.SaveChangesAsync();
                }
            }
            """,
            Dbc007(0, "Views", "Page", "SaveChangesAsync on line 58"));

    [Theory]
    [InlineData("page.Views = page.Views + 1;")]
    [InlineData("page.Views++;")]
    [InlineData("var views = page.Views; page.Views = views + 1;")]
    [InlineData("page.Views = Math.Max(0, page.Views - 1);")]
    public Task Ef_every_way_of_computing_from_the_old_value_is_reported(string change)
        => Verify.VerifyAsync(ReferenceSets.EfCore8, EfCore + """
            public static class PageViews
            {
                public static void Hit(WikiContext db, int id)
                {
                    var page = {|#0:db.Pages.Single(p => p.Id == id)|};
                    CHANGE
                    db.SaveChanges();
                }
            }
            """.Replace("CHANGE", change),
            Dbc007(0, "Views", "Page", "SaveChanges on line 53"));

    [Fact]
    public Task Ef_entities_changed_in_a_loop_are_reported_on_the_query()
        => Verify.VerifyAsync(ReferenceSets.EfCore8, EfCore + """
            public static class Popularity
            {
                public static async Task Decay(WikiContext db)
                {
                    var pages = await {|#0:db.Pages.Where(p => p.Views > 100).ToListAsync()|};
                    foreach (var page in pages)
                    {
                        page.Views -= 10;
                    }

                    await db.SaveChangesAsync();
                }
            }
            """,
            Dbc007(0, "Views", "Page", "SaveChangesAsync on line 57"));

    [Theory]
    // Atomic: the database computes the new value.
    [InlineData("""connection.Execute("update pages set views = views + 1 where id = @id", new { id });""")]
    // The read value is not what is written.
    [InlineData("""connection.Execute("update pages set views = @views where id = @id", new { views = 0, id });""")]
    // Compare-and-swap: the write lands only if the row still holds what was read.
    [InlineData("""connection.Execute("update pages set views = @next where id = @id and views = @views", new { next = views + 1, views, id });""")]
    [InlineData("""connection.Execute("update pages set views = @next, version = version + 1 where id = @id and version = @version", new { next = views + 1, id, version = 3 });""")]
    // Another table, another column.
    [InlineData("""connection.Execute("update page_stats set views = @views where id = @id", new { views = views + 1, id });""")]
    [InlineData("""connection.Execute("update pages set title = @title where id = @id", new { title = views.ToString(), id });""")]
    public Task Writes_that_do_not_write_the_read_value_back_are_silent(string write)
        => Verify.VerifyAsync(ReferenceSets.SqliteDapper, Usings + """
            using Microsoft.Data.Sqlite;

            public static class Counters
            {
                public static void Hit(SqliteConnection connection, long id)
                {
                    var views = connection.ExecuteScalar<long>("select views from pages where id = @id", new { id });
                    WRITE
                }
            }
            """.Replace("WRITE", write));

    [Theory]
    [InlineData("using var transaction = connection.BeginTransaction(IsolationLevel.Serializable);", "")]
    [InlineData("using var transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);", "")]
    [InlineData("using var transaction = connection.BeginTransaction(IsolationLevel.Snapshot);", "")]
    [InlineData("using var transaction = connection.BeginTransaction(level);", "")]
    [InlineData("using var scope = new TransactionScope();", "")]
    [InlineData("using var scope = new TransactionScope(TransactionScopeOption.RequiresNew);", "")]
    [InlineData("using var scope = new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled);", "")]
    [InlineData("", " for update")]
    [InlineData("", " FOR NO KEY UPDATE")]
    [InlineData("""connection.Execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");""", "")]
    public Task Isolation_or_a_row_lock_makes_it_silent(string before, string lockClause)
        => Verify.VerifyAsync(ReferenceSets.NpgsqlDapper, Usings.Replace("using System.Transactions;\n", "") + """
            using System.Transactions;
            using IsolationLevel = System.Data.IsolationLevel;
            using Npgsql;

            public static class Counters
            {
                public static void Hit(NpgsqlConnection connection, long id, IsolationLevel level)
                {
                    BEFORE
                    var views = connection.ExecuteScalar<long>("select views from pages where id = @idLOCK", new { id });
                    connection.Execute("update pages set views = @next where id = @id", new { next = views + 1, id });
                }
            }
            """.Replace("BEFORE", before).Replace("LOCK", lockClause));

    [Fact]
    public Task Sql_server_lock_hints_callers_transactions_and_atomic_updates_are_silent()
        => Verify.VerifyAsync(ReferenceSets.SqlClient, Usings + """
            using Microsoft.Data.SqlClient;

            public static class Counters
            {
                public static void Locked(SqlConnection connection, int id)
                {
                    using var transaction = connection.BeginTransaction();
                    var views = connection.ExecuteScalar<long>("SELECT Views FROM Pages WITH (UPDLOCK, ROWLOCK) WHERE Id = @id", new { id }, transaction);
                    connection.Execute("UPDATE Pages SET Views = @next WHERE Id = @id", new { next = views + 1, id }, transaction);
                    transaction.Commit();
                }

                // The caller chose the transaction, and with it the isolation level: not ours to judge.
                public static void InCallersTransaction(SqlConnection connection, SqlTransaction transaction, int id)
                {
                    var views = connection.ExecuteScalar<long>("SELECT Views FROM Pages WHERE Id = @id", new { id }, transaction);
                    connection.Execute("UPDATE Pages SET Views = @next WHERE Id = @id", new { next = views + 1, id }, transaction);
                }

                // The id read first is only used to find the row; the update itself is atomic.
                public static void ById(SqlConnection connection, string slug)
                {
                    var id = connection.ExecuteScalar<int>("SELECT Id FROM Pages WHERE Slug = @slug", new { slug });
                    connection.Execute("UPDATE Pages SET Views = Views + 1 WHERE Id = @id", new { id });
                }
            }
            """);

    [Fact]
    public Task Sqlite_transactions_are_serializable_and_silent()
        => Verify.VerifyAsync(ReferenceSets.SqliteDapper, Usings + """
            using Microsoft.Data.Sqlite;

            public static class Counters
            {
                public static void Hit(SqliteConnection connection, int id)
                {
                    using var transaction = connection.BeginTransaction();
                    var views = connection.ExecuteScalar<long>("select views from pages where id = @id", new { id }, transaction);
                    connection.Execute("update pages set views = @next where id = @id", new { next = views + 1, id }, transaction);
                    transaction.Commit();
                }
            }
            """);

    [Fact]
    public Task Ef_concurrency_tokens_and_isolation_make_it_silent()
        => Verify.VerifyAsync(ReferenceSets.EfCore8, EfCore + """
            public static class Silent
            {
                // [ConcurrencyCheck] on Balance.
                public static void Charge(WikiContext db, int id, decimal amount)
                {
                    var account = db.Accounts.Single(a => a.Id == id);
                    account.Balance -= amount;
                    db.SaveChanges();
                }

                // IsConcurrencyToken() in OnModelCreating.
                public static void Take(WikiContext db, int id)
                {
                    var stock = db.Stocks.Find(id)!;
                    stock.Quantity--;
                    db.SaveChanges();
                }

                // A row version covers every property.
                public static void Add(WikiContext db, int id, decimal amount)
                {
                    var ledger = db.Ledgers.First(l => l.Id == id);
                    ledger.Total += amount;
                    db.SaveChanges();
                }

                public static async Task Serializable(WikiContext db, int id)
                {
                    await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
                    var page = await db.Pages.SingleAsync(p => p.Id == id);
                    page.Views++;
                    await db.SaveChangesAsync();
                    await transaction.CommitAsync();
                }

                // Set from input, not from the old value; untracked entities are not saved.
                public static void Rename(WikiContext db, int id, string title)
                {
                    var page = db.Pages.Single(p => p.Id == id);
                    page.Title = title;
                    db.SaveChanges();
                    var copy = db.Pages.AsNoTracking().Single(p => p.Id == id);
                    copy.Views++;
                    db.SaveChanges();
                }

                // Atomic in the database.
                public static Task<int> Atomic(WikiContext db, int id)
                    => db.Pages.Where(p => p.Id == id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Views, p => p.Views + 1));

                // A new entity: nothing was read.
                public static void Create(WikiContext db)
                {
                    var page = new Page { Title = "New" };
                    page.Views += 1;
                    db.Pages.Add(page);
                    db.SaveChanges();
                }
            }
            """);
}
