using DbConcurrency.Analyzers.Tests.Verifiers;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    DbConcurrency.Analyzers.Rules.StaticDatabaseObjectAnalyzer,
    DbConcurrency.CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

/// <summary>
/// The fix's output is compiled by the verifier against the same real libraries and must carry no
/// diagnostic at all (no DBC001, no compiler error); each test also runs Fix All in document, project
/// and solution scope.
/// </summary>
public class StaticDatabaseObjectCodeFixTests
{
    [Fact]
    public async Task Connection_opened_in_static_constructor_becomes_a_factory_opened_at_each_use()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class TodoStore
            {
                // One connection for the whole app.
                private static readonly SqliteConnection {|DBC001:Connection|} = new SqliteConnection("Data Source=todos.db");

                static TodoStore()
                {
                    Connection.Open();
                }

                public static List<string> All()
                {
                    return Connection.Query<string>("select title from todos").ToList();
                }

                public static async Task<int> AddAsync(string title, CancellationToken cancellationToken)
                {
                    return await Connection.ExecuteAsync("insert into todos(title) values (@title)", new { title });
                }
            }
            """, """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class TodoStore
            {
                // One connection for the whole app.
                private static SqliteConnection CreateConnection() => new SqliteConnection("Data Source=todos.db");

                public static List<string> All()
                {
                    using var connection = CreateConnection();
                    connection.Open();
                    return connection.Query<string>("select title from todos").ToList();
                }

                public static async Task<int> AddAsync(string title, CancellationToken cancellationToken)
                {
                    await using var connection = CreateConnection();
                    await connection.OpenAsync(cancellationToken);
                    return await connection.ExecuteAsync("insert into todos(title) values (@title)", new { title });
                }
            }
            """);
    }

    [Fact]
    public async Task Connection_the_uses_open_themselves_is_not_opened_again()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            class Orders
            {
                static SqlConnection {|DBC001:_connection|} = new SqlConnection("Server=.;Database=shop");

                public int Count()
                {
                    _connection.Open();
                    using var command = new SqlCommand("select count(*) from orders", _connection);
                    return (int)command.ExecuteScalar();
                }
            }
            """, """
            using Microsoft.Data.SqlClient;

            class Orders
            {
                static SqlConnection CreateConnection() => new SqlConnection("Server=.;Database=shop");

                public int Count()
                {
                    using var connection = CreateConnection();
                    connection.Open();
                    using var command = new SqlCommand("select count(*) from orders", connection);
                    return (int)command.ExecuteScalar();
                }
            }
            """);
    }

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    public async Task Static_DbContext_becomes_a_context_per_use_and_expression_bodies_become_blocks(string library)
    {
        await Verify.VerifyFixAsync(ReferenceSets.ByName(library), """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class Order { public int Id { get; set; } public decimal Total { get; set; } }

            public class ShopContext : DbContext
            {
                public DbSet<Order> Orders => Set<Order>();
                protected override void OnConfiguring(DbContextOptionsBuilder options) => options.UseSqlite("Data Source=shop.db");
            }

            public static class Reports
            {
                static readonly ShopContext {|DBC001:Db|} = new();

                public static decimal Revenue() => Db.Orders.Sum(o => o.Total);

                public static int Count => Db.Orders.Count();

                public static async Task<List<Order>> LargeAsync() => await Db.Orders.Where(o => o.Total > 100).ToListAsync();

                public static void Add(Order order) => Db.Orders.Add(order);
            }
            """, """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class Order { public int Id { get; set; } public decimal Total { get; set; } }

            public class ShopContext : DbContext
            {
                public DbSet<Order> Orders => Set<Order>();
                protected override void OnConfiguring(DbContextOptionsBuilder options) => options.UseSqlite("Data Source=shop.db");
            }

            public static class Reports
            {
                static ShopContext CreateDb() => new();

                public static decimal Revenue()
                {
                    using var db = CreateDb();
                    return db.Orders.Sum(o => o.Total);
                }

                public static int Count
                {
                    get
                    {
                        using var db = CreateDb();
                        return db.Orders.Count();
                    }
                }

                public static async Task<List<Order>> LargeAsync()
                {
                    await using var db = CreateDb();
                    return await db.Orders.Where(o => o.Total > 100).ToListAsync();
                }

                public static void Add(Order order)
                {
                    using var db = CreateDb();
                    db.Orders.Add(order);
                }
            }
            """);
    }

    [Fact]
    public async Task Auto_property_assigned_in_static_constructor_and_used_qualified_is_fixed()
    {
        await Verify.VerifyFixAsync(ReferenceSets.Npgsql8, """
            using Npgsql;

            public class Inventory
            {
                const string ConnectionString = "Host=localhost;Database=stock";

                public static NpgsqlConnection {|DBC001:Connection|} { get; }

                static Inventory()
                {
                    Connection = new NpgsqlConnection(ConnectionString);
                    Connection.Open();
                }

                public long Count(string connection)
                {
                    using var command = new NpgsqlCommand("select count(*) from items", Inventory.Connection);
                    return (long)command.ExecuteScalar()!;
                }
            }
            """, """
            using Npgsql;

            public class Inventory
            {
                const string ConnectionString = "Host=localhost;Database=stock";

                public static NpgsqlConnection CreateConnection() => new NpgsqlConnection(ConnectionString);

                public long Count(string connection)
                {
                    using var connection2 = CreateConnection();
                    connection2.Open();
                    using var command = new NpgsqlCommand("select count(*) from items", connection2);
                    return (long)command.ExecuteScalar()!;
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_rewrites_every_static_member_in_the_document()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            static class Reads
            {
                static readonly SqliteConnection {|DBC001:s_read|} = new("Data Source=app.db");
                static readonly SqliteConnection {|DBC001:s_write|} = new("Data Source=app.db");

                public static void Copy()
                {
                    var value = s_read.ExecuteScalar<int>("select value from source");
                    s_write.Execute("insert into target(value) values (@value)", new { value });
                }
            }

            static class Audit
            {
                static SqliteConnection {|DBC001:Log|} = new("Data Source=audit.db");

                public static void Write(string text) => Log.Execute("insert into log(text) values (@text)", new { text });
            }
            """, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            static class Reads
            {
                static SqliteConnection CreateRead() => new("Data Source=app.db");
                static SqliteConnection CreateWrite() => new("Data Source=app.db");

                public static void Copy()
                {
                    using var read = CreateRead();
                    var value = read.ExecuteScalar<int>("select value from source");
                    using var write = CreateWrite();
                    write.Execute("insert into target(value) values (@value)", new { value });
                }
            }

            static class Audit
            {
                static SqliteConnection CreateLog() => new("Data Source=audit.db");

                public static void Write(string text)
                {
                    using var log = CreateLog();
                    log.Execute("insert into log(text) values (@text)", new { text });
                }
            }
            """);
    }

    [Fact]
    public async Task Unused_member_becomes_a_factory_only()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            class Db
            {
                static SqlConnection {|DBC001:Connection|} = new SqlConnection("Server=.");
            }
            """, """
            using Microsoft.Data.SqlClient;

            class Db
            {
                static SqlConnection CreateConnection() => new SqlConnection("Server=.");
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_assigned_in_several_places()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            static class Db
            {
                static SqlConnection {|DBC001:Connection|};

                public static void Connect(string cs) => Connection = new SqlConnection(cs);

                public static void Reset() => Connection = null;

                public static int Count() => new SqlCommand("select 1", Connection).ExecuteNonQuery();
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_the_instance_is_handed_out()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            public static class Db
            {
                private static readonly SqlConnection {|DBC001:Connection|} = new SqlConnection("Server=.");

                public static SqlConnection Get() => Connection;
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_a_member_returns_a_reader_bound_to_the_instance()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            public static class Db
            {
                private static readonly SqlConnection {|DBC001:Connection|} = new SqlConnection("Server=.");

                public static SqlDataReader Read(string sql) => new SqlCommand(sql, Connection).ExecuteReader();
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_a_member_returns_a_deferred_query_over_the_context()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.EfCore8, """
            using System.Linq;
            using Microsoft.EntityFrameworkCore;

            public class Order { public int Id { get; set; } }
            public class ShopContext : DbContext { public DbSet<Order> Orders => Set<Order>(); }

            public static class Data
            {
                static readonly ShopContext {|DBC001:Db|} = new();

                public static IQueryable<Order> Orders() => Db.Orders.Where(o => o.Id > 0);
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_used_by_another_type()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Db
            {
                public static readonly SqliteConnection {|DBC001:Connection|} = new("Data Source=app.db");
            }

            public class Users
            {
                public int Count() => Db.Connection.ExecuteScalar<int>("select count(*) from users");
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_used_inside_a_lambda()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqliteDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            static class Db
            {
                static readonly SqliteConnection {|DBC001:Connection|} = new("Data Source=app.db");

                public static Task<int> CountLater() => Task.Run(() => Connection.ExecuteScalar<int>("select 1"));
            }
            """);
    }

    /// <summary>A per-use instance disposed when the method returns would be gone before the returned task finishes.</summary>
    [Fact]
    public async Task No_fix_when_a_task_is_returned_without_being_awaited()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqliteDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SqliteConnection {|DBC001:Connection|} = new("Data Source=counter.db");

                public static Task<long> CountAsync() => Connection.ExecuteScalarAsync<long>("select count(*) from todos");
            }
            """);
    }

    [Fact]
    public async Task No_fix_for_an_in_memory_SQLite_database_that_one_connection_keeps_alive()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            static class Cache
            {
                const string InMemory = "Data Source=cache;Mode=Memory;Cache=Shared";
                static readonly SqliteConnection {|DBC001:Keeper|} = new(InMemory);

                public static int Count() => Keeper.ExecuteScalar<int>("select count(*) from entries");
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_a_transaction_begun_in_one_member_is_used_by_another()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            static class Ledger
            {
                static readonly SqlConnection {|DBC001:Connection|} = new("Server=.");

                public static void Transfer()
                {
                    using var transaction = Connection.BeginTransaction();
                    Debit(transaction);
                    transaction.Commit();
                }

                static void Debit(SqlTransaction transaction)
                    => new SqlCommand("update accounts set balance = balance - 1", Connection, transaction).ExecuteNonQuery();
            }
            """);
    }

    [Fact]
    public async Task No_fix_for_containers()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqlClient, """
            using System.Collections.Generic;
            using Microsoft.Data.SqlClient;

            static class Pool
            {
                static readonly List<SqlConnection> {|DBC001:Connections|} = new();
            }
            """);
    }

    [Fact]
    public async Task No_fix_when_the_creation_reads_static_constructor_locals()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqlClient, """
            using System;
            using Microsoft.Data.SqlClient;

            static class Db
            {
                static readonly SqlConnection {|DBC001:Connection|};

                static Db()
                {
                    var cs = Environment.GetEnvironmentVariable("DB") ?? "Server=.";
                    Connection = new SqlConnection(cs);
                }

                public static void Ping() => new SqlCommand("select 1", Connection).ExecuteNonQuery();
            }
            """);
    }
}
