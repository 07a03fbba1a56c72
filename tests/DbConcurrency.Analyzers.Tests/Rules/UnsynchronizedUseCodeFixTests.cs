using DbConcurrency.Analyzers.Tests.Verifiers;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    DbConcurrency.Analyzers.Rules.UnsynchronizedUseAnalyzer,
    DbConcurrency.CodeFixes.Rules.UnsynchronizedUseCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class UnsynchronizedUseCodeFixTests
{
    [Fact]
    public async Task Expression_bodied_method_gets_a_body_inside_the_lock()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    lock (_gate) _connection.Execute("update counter set value = value + 1");
                }

                public long Read() => [|_connection|].ExecuteScalar<long>("select value from counter");
            }
            """, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    lock (_gate) _connection.Execute("update counter set value = value + 1");
                }

                public long Read()
                {
                    lock (_gate)
                    {
                        return _connection.ExecuteScalar<long>("select value from counter");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task A_primary_constructor_parameter_use_is_wrapped_in_the_lock()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();

                public void Increment()
                {
                    lock (_gate) connection.Execute("update counter set value = value + 1");
                }

                public void Reset()
                {
                    [|connection|].Execute("update counter set value = 0");
                }
            }
            """, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();

                public void Increment()
                {
                    lock (_gate) connection.Execute("update counter set value = value + 1");
                }

                public void Reset()
                {
                    lock (_gate)
                    {
                        connection.Execute("update counter set value = 0");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Statements_that_use_a_local_declared_in_the_wrapped_one_are_wrapped_too()
    {
        await Verify.VerifyFixAsync(ReferenceSets.Sqlite8, """
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    lock (_gate)
                    {
                        using var command = _connection.CreateCommand();
                        command.CommandText = "update counter set value = value + 1";
                        command.ExecuteNonQuery();
                    }
                }

                public long Read(bool log)
                {
                    // Read the current value.
                    using var command = [|_connection|].CreateCommand();
                    command.CommandText = "select value from counter";
                    var value = (long)command.ExecuteScalar()!;
                    if (log)
                    {
                        System.Console.WriteLine("read");
                    }

                    return value;
                }
            }
            """, """
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    lock (_gate)
                    {
                        using var command = _connection.CreateCommand();
                        command.CommandText = "update counter set value = value + 1";
                        command.ExecuteNonQuery();
                    }
                }

                public long Read(bool log)
                {
                    // Read the current value.
                    lock (_gate)
                    {
                        using var command = _connection.CreateCommand();
                        command.CommandText = "select value from counter";
                        var value = (long)command.ExecuteScalar()!;
                        if (log)
                        {
                            System.Console.WriteLine("read");
                        }

                        return value;
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Async_method_awaits_the_semaphore_in_try_finally()
    {
        await Verify.VerifyFixAsync(ReferenceSets.EfCore8, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options);

            public sealed class Outbox(ShopContext db)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ShopContext _db = db;

                public async Task FlushAsync()
                {
                    await _gate.WaitAsync();
                    try
                    {
                        await _db.SaveChangesAsync();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public async Task<int> SaveAsync(CancellationToken cancellationToken)
                {
                    var saved = await [|_db|].SaveChangesAsync(cancellationToken);
                    return saved;
                }
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options);

            public sealed class Outbox(ShopContext db)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ShopContext _db = db;

                public async Task FlushAsync()
                {
                    await _gate.WaitAsync();
                    try
                    {
                        await _db.SaveChangesAsync();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public async Task<int> SaveAsync(CancellationToken cancellationToken)
                {
                    await _gate.WaitAsync();
                    try
                    {
                        var saved = await _db.SaveChangesAsync(cancellationToken);
                        return saved;
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Task_returning_expression_body_becomes_async_so_the_semaphore_covers_the_whole_operation()
    {
        await Verify.VerifyFixAsync(ReferenceSets.EfCore8, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options);

            public sealed class Outbox(ShopContext db)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ShopContext _db = db;

                public async Task FlushAsync()
                {
                    await _gate.WaitAsync();
                    try { await _db.SaveChangesAsync(); } finally { _gate.Release(); }
                }

                public Task<int> SaveAsync() => [|_db|].SaveChangesAsync();

                public Task DeleteAsync() => [|_db|].Database.ExecuteSqlRawAsync("delete from outbox");
            }
            """, """
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options);

            public sealed class Outbox(ShopContext db)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly ShopContext _db = db;

                public async Task FlushAsync()
                {
                    await _gate.WaitAsync();
                    try { await _db.SaveChangesAsync(); } finally { _gate.Release(); }
                }

                public async Task<int> SaveAsync()
                {
                    await _gate.WaitAsync();
                    try
                    {
                        return await _db.SaveChangesAsync();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }

                public async Task DeleteAsync()
                {
                    await _gate.WaitAsync();
                    try
                    {
                        await _db.Database.ExecuteSqlRawAsync("delete from outbox");
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Synchronous_method_waits_for_the_semaphore_and_embedded_statement_gets_braces()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    _gate.Wait();
                    try { _connection.Execute("update counter set value = value + 1"); } finally { _gate.Release(); }
                }

                public void Reset(bool really)
                {
                    if (really)
                        [|_connection|].Execute("update counter set value = 0");
                }
            }
            """, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    _gate.Wait();
                    try { _connection.Execute("update counter set value = value + 1"); } finally { _gate.Release(); }
                }

                public void Reset(bool really)
                {
                    if (really)
                    {
                        _gate.Wait();
                        try
                        {
                            _connection.Execute("update counter set value = 0");
                        }
                        finally
                        {
                            _gate.Release();
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Monitor_guard_is_taken_as_a_lock_and_property_body_gets_a_getter()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private static readonly object Gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    Monitor.Enter(Gate);
                    try { _connection.Execute("update counter set value = value + 1"); } finally { Monitor.Exit(Gate); }
                }

                public long Value => [|_connection|].ExecuteScalar<long>("select value from counter");
            }
            """, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private static readonly object Gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    Monitor.Enter(Gate);
                    try { _connection.Execute("update counter set value = value + 1"); } finally { Monitor.Exit(Gate); }
                }

                public long Value
                {
                    get
                    {
                        lock (Gate)
                        {
                            return _connection.ExecuteScalar<long>("select value from counter");
                        }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task System_Threading_Lock_guard_is_taken_with_a_lock_statement()
    {
        await Verify.VerifyFixAsync(ReferenceSets.Net90, """
            using System.Data.Common;
            using System.Threading;

            public sealed class Session(DbConnection connection)
            {
                private readonly Lock _gate = new();
                private readonly DbConnection _connection = connection;

                public void Open()
                {
                    using (_gate.EnterScope()) _connection.Open();
                }

                public void Close() => [|_connection|].Close();
            }
            """, """
            using System.Data.Common;
            using System.Threading;

            public sealed class Session(DbConnection connection)
            {
                private readonly Lock _gate = new();
                private readonly DbConnection _connection = connection;

                public void Open()
                {
                    using (_gate.EnterScope()) _connection.Open();
                }

                public void Close()
                {
                    lock (_gate)
                    {
                        _connection.Close();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Mutex_guard_waits_and_releases_the_mutex()
    {
        await Verify.VerifyFixAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly Mutex _mutex = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    _mutex.WaitOne();
                    try { _connection.Execute("update counter set value = value + 1"); } finally { _mutex.ReleaseMutex(); }
                }

                public void Reset()
                {
                    [|_connection|].Execute("update counter set value = 0");
                }
            }
            """, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly Mutex _mutex = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    _mutex.WaitOne();
                    try { _connection.Execute("update counter set value = value + 1"); } finally { _mutex.ReleaseMutex(); }
                }

                public void Reset()
                {
                    _mutex.WaitOne();
                    try
                    {
                        _connection.Execute("update counter set value = 0");
                    }
                    finally
                    {
                        _mutex.ReleaseMutex();
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task No_fix_where_a_lock_would_be_held_across_an_await()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqliteDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    lock (_gate) _connection.Execute("update counter set value = value + 1");
                }

                public async Task ResetAsync()
                {
                    await [|_connection|].ExecuteAsync("update counter set value = 0");
                }

                public Task ClearAsync() => [|_connection|].ExecuteAsync("delete from counter");
            }
            """);
    }

    [Fact]
    public async Task No_fix_where_the_guard_is_out_of_reach()
    {
        await Verify.VerifyNoFixAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public sealed class Counter(SqliteConnection connection)
            {
                private readonly SqliteConnection _connection = connection;

                public void Increment()
                {
                    lock (this) _connection.Execute("update counter set value = value + 1");
                }

                public static void Reset(Counter counter) => counter.[|_connection|].Execute("update counter set value = 0");
            }
            """);
    }

    [Fact]
    public async Task Fix_all_wraps_each_range_once()
    {
        var test = new Verify.Test(ReferenceSets.SqliteDapper)
        {
            TestCode = """
                using Dapper;
                using Microsoft.Data.Sqlite;

                public sealed class Counter(SqliteConnection connection)
                {
                    private readonly object _gate = new();
                    private readonly SqliteConnection _connection = connection;

                    public void Increment()
                    {
                        lock (_gate) _connection.Execute("update counter set value = value + 1");
                    }

                    public void Copy()
                    {
                        var value = [|_connection|].ExecuteScalar<long>("select value from counter");
                        [|_connection|].Execute("update counter set copy = @value", new { value });
                        if ([|_connection|].State == System.Data.ConnectionState.Open)
                        {
                            [|_connection|].Execute("update counter set copied = 1");
                        }
                    }

                    public long Read() => [|_connection|].ExecuteScalar<long>("select value from counter");
                }
                """,
            FixedCode = """
                using Dapper;
                using Microsoft.Data.Sqlite;

                public sealed class Counter(SqliteConnection connection)
                {
                    private readonly object _gate = new();
                    private readonly SqliteConnection _connection = connection;

                    public void Increment()
                    {
                        lock (_gate) _connection.Execute("update counter set value = value + 1");
                    }

                    public void Copy()
                    {
                        lock (_gate)
                        {
                            var value = _connection.ExecuteScalar<long>("select value from counter");
                            _connection.Execute("update counter set copy = @value", new { value });
                        }

                        lock (_gate)
                        {
                            if (_connection.State == System.Data.ConnectionState.Open)
                            {
                                _connection.Execute("update counter set copied = 1");
                            }
                        }
                    }

                    public long Read()
                    {
                        lock (_gate)
                        {
                            return _connection.ExecuteScalar<long>("select value from counter");
                        }
                    }
                }
                """,
        };
        await test.RunAsync();
    }
}
