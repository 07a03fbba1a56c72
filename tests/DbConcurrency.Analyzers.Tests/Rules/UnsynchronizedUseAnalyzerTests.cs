using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.UnsynchronizedUseAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class UnsynchronizedUseAnalyzerTests
{
    private const string Without = "without synchronization";

    private static DiagnosticResult Dbc005(int location, string name, string type, string how, string guard)
        => Verify.Diagnostic("DBC005").WithLocation(location).WithArguments(name, type, how, guard);

    [Fact]
    public async Task Use_outside_the_lock_other_uses_take_is_reported_with_the_guard_named()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection;

                public Counter(SqliteConnection connection)
                {
                    _connection = connection;
                    _connection.Open();
                }

                public void Increment()
                {
                    lock (_gate)
                    {
                        _connection.Execute("update counter set value = value + 1");
                    }
                }

                public long Read() => {|#0:_connection|}.ExecuteScalar<long>("select value from counter");

                public void Reset() => this.{|#1:_connection|}.Execute("update counter set value = 0");
            }
            """,
            Dbc005(0, "_connection", "SqliteConnection", Without, "the lock on _gate"),
            Dbc005(1, "_connection", "SqliteConnection", Without, "the lock on _gate"));
    }

    [Fact]
    public async Task A_primary_constructor_parameter_is_watched_as_a_field_is()
    {
        // Kept by the instance for every member: the same object every caller of every method uses.
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public class Store(SqliteConnection connection)
            {
                public SqliteConnection Connection => connection;
            }

            public sealed class Counter(SqliteConnection connection) : Store(connection)
            {
                private readonly object _gate = new();
                private readonly string _name = connection.Database;

                public void Increment()
                {
                    lock (_gate)
                    {
                        connection.Execute("update counter set value = value + 1");
                    }
                }

                public long Read() => {|#0:connection|}.ExecuteScalar<long>("select value from counter");
            }

            public sealed class Guarded(SqliteConnection connection)
            {
                private readonly object _gate = new();

                public void Increment()
                {
                    lock (_gate) connection.Execute("update counter set value = value + 1");
                }

                public long Read()
                {
                    lock (_gate) return connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """,
            Dbc005(0, "connection", "SqliteConnection", Without, "the lock on _gate"));
    }

    [Fact]
    public async Task Guard_taken_in_another_part_of_a_partial_class_counts()
    {
        // The rule reads a type only when its declarations name a guard: every part is one of them.
        var test = new Verify.Test();
        test.Use(ReferenceSets.SqliteDapper);
        test.TestState.Sources.Add(("Counter.cs", """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed partial class Counter(SqliteConnection connection)
            {
                private readonly SqliteConnection _connection = connection;

                public long Read() => _connection.ExecuteScalar<long>("select value from counter");
            }
            """));
        test.TestState.Sources.Add(("Counter.Writes.cs", """
            using Dapper;

            public sealed partial class Counter
            {
                private readonly object _gate = new();

                public void Increment()
                {
                    lock (_gate)
                    {
                        _connection.Execute("update counter set value = value + 1");
                    }
                }
            }
            """));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic("DBC005").WithLocation("Counter.cs", 8, 27).WithArguments("_connection", "SqliteConnection", Without, "the lock on _gate"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.UnsynchronizedUse;
        var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), "_connection", "SqliteConnection", Without, "the lock on _gate");
        Assert.Equal("'_connection' (SqliteConnection) is used here without synchronization, while its other uses hold the lock on _gate, so this use can run at the same time as theirs", message);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task DbContext_used_outside_the_semaphore_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.EfCore8, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public sealed class Order
            {
                public int Id { get; set; }
            }

            public sealed class OrderCache(ShopContext db)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ShopContext _db = db;

                public async Task<Order?> FindAsync(int id)
                {
                    await _gate.WaitAsync();
                    try
                    {
                        return await _db.Orders.FindAsync(id);
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public Task<int> SaveAsync() => {|#0:_db|}.SaveChangesAsync();
            }
            """,
            Dbc005(0, "_db", "ShopContext", Without, "the semaphore _gate"));
    }

    [Fact]
    public async Task Static_member_used_in_static_and_instance_members_is_reported_in_both()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public class Counter
            {
                private static readonly object Gate = new();
                private static SqliteConnection Connection { get; } = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }

                public static void Reset() => {|#0:Connection|}.Execute("update counter set value = 0");

                public void Touch() => {|#1:Connection|}.Execute("update counter set touched = 1");
            }
            """,
            Dbc005(0, "Connection", "SqliteConnection", Without, "the lock on Gate"),
            Dbc005(1, "Connection", "SqliteConnection", Without, "the lock on Gate"));
    }

    [Fact]
    public async Task Private_helper_called_only_under_the_lock_is_guarded()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public long Next()
                {
                    lock (_gate)
                    {
                        Bump();
                        return ReadCore();
                    }
                }

                public long Read()
                {
                    lock (_gate) return ReadCore();
                }

                private void Bump() => _connection.Execute("update counter set value = value + 1");

                private long ReadCore() => _connection.ExecuteScalar<long>("select value from counter");
            }
            """);
    }

    [Fact]
    public async Task Private_helper_also_called_without_the_lock_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public long Read()
                {
                    lock (_gate) return ReadCore();
                }

                public long Peek() => ReadCore();

                public Func<long> Reader()
                {
                    lock (_gate)
                    {
                        _connection.Execute("update counter set reads = reads + 1");
                        return ReadOther;
                    }
                }

                private long ReadCore() => {|#0:_connection|}.ExecuteScalar<long>("select value from counter");

                private long ReadOther() => {|#1:_connection|}.ExecuteScalar<long>("select other from counter");
            }
            """,
            Dbc005(0, "_connection", "SqliteConnection", Without, "the lock on _gate"),
            Dbc005(1, "_connection", "SqliteConnection", Without, "the lock on _gate"));
    }

    [Fact]
    public async Task Monitor_held_across_an_await_is_reported_as_such()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public long Read()
                {
                    lock (_gate) return _connection.ExecuteScalar<long>("select value from counter");
                }

                public async Task ResetAsync()
                {
                    Monitor.Enter(_gate);
                    try
                    {
                        await {|#0:_connection|}.ExecuteAsync("update counter set value = 0");
                    }
                    finally
                    {
                        Monitor.Exit(_gate);
                    }
                }
            }
            """,
            Dbc005(0, "_connection", "SqliteConnection", "under the lock on _gate held across an await, which excludes nobody once the method resumes on another thread", "the lock on _gate"));
    }

    [Fact]
    public async Task Use_under_a_different_lock_is_reported_as_such()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly object _otherGate = new();
                private readonly SqliteConnection _connection = connection;

                public long Read()
                {
                    lock (_gate) return _connection.ExecuteScalar<long>("select value from counter");
                }

                public void Increment()
                {
                    lock (_gate) _connection.Execute("update counter set value = value + 1");
                }

                public void Reset()
                {
                    lock (_otherGate) {|#0:_connection|}.Execute("update counter set value = 0");
                }
            }
            """,
            Dbc005(0, "_connection", "SqliteConnection", "under the lock on _otherGate, a different guard", "the lock on _gate"));
    }

    [Fact]
    public async Task Per_instance_lock_around_a_static_member_is_reported_as_such()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }

                public void Reset()
                {
                    lock (this) {|#0:Connection|}.Execute("update counter set value = 0");
                }
            }
            """,
            Dbc005(0, "Connection", "SqliteConnection", "under the lock on this, a per-instance guard around a static member", "the lock on Gate"));
    }

    [Fact]
    public async Task Use_in_a_lambda_created_under_the_lock_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public Task Reset()
                {
                    lock (_gate)
                    {
                        _connection.Execute("update counter set reads = 0");
                        return Task.Run(() => {|#0:_connection|}.Execute("update counter set value = 0"));
                    }
                }
            }
            """,
            Dbc005(0, "_connection", "SqliteConnection", Without, "the lock on _gate"));
    }

    [Fact]
    public async Task Every_use_guarded_is_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.Npgsql8, """
            using System.Threading;
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Sequence(NpgsqlConnection connection) : System.IAsyncDisposable
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly NpgsqlConnection _connection = connection;

                public async Task<long> NextAsync(CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync(cancellationToken);
                    try
                    {
                        await using var command = new NpgsqlCommand("select nextval('ids')", _connection);
                        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
            }
            """);
    }

    [Fact]
    public async Task No_guard_anywhere_is_not_this_rules_finding()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Repository(SqliteConnection connection)
            {
                private readonly SqliteConnection _connection = connection;

                public long Count() => _connection.ExecuteScalar<long>("select count(*) from todos");

                public void Clear() => _connection.Execute("delete from todos");
            }
            """);
    }

    [Fact]
    public async Task Guards_on_other_objects_and_safe_types_are_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.Npgsql8, """
            using System.Threading.Tasks;
            using Npgsql;

            public sealed class Reports(NpgsqlDataSource dataSource)
            {
                private readonly object _gate = new();
                private readonly NpgsqlDataSource _dataSource = dataSource;
                private int _runs;

                public void Count()
                {
                    lock (_gate) _runs++;
                }

                public async Task<long> TotalAsync()
                {
                    await using var command = _dataSource.CreateCommand("select count(*) from orders");
                    return (long)(await command.ExecuteScalarAsync())!;
                }
            }
            """);
    }

    [Fact]
    public async Task Library_absent_reports_nothing_and_does_not_throw()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            public sealed class Counter
            {
                private readonly object _gate = new();
                private readonly {|CS0246:SqliteConnection|} _connection;

                public void Read()
                {
                    lock (_gate) _connection.Open();
                }

                public void Reset() => _connection.Close();
            }
            """);
    }

    [Fact]
    public async Task Incomplete_code_as_typed_does_not_throw()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Microsoft.Data.Sqlite;

            public sealed class Counter
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = new("Data Source=app.db");

                public void Read()
                {
                    lock (_gate) _connection.Open();
                }

                public void Reset()
                {
                    lock ({|CS1525:)|}
                    {|#0:_connection|}.Close();
                }
            }
            """,
            Dbc005(0, "_connection", "SqliteConnection", Without, "the lock on _gate"));
    }
}
