using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.StaticDatabaseObjectAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

/// <summary>
/// DBC001 and synchronization: a private static connection whose every use holds one guard is the
/// documented way to share it and is not reported; anything less is.
/// </summary>
public class StaticDatabaseObjectGuardTests
{
    private static DiagnosticResult Dbc001(string name = "Connection")
        => Verify.Diagnostic("DBC001").WithLocation(0).WithArguments(name, "SqliteConnection", "field", "SqliteConnection");

    [Fact]
    public async Task Every_use_inside_one_static_lock_is_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static long Next()
                {
                    lock (Gate)
                    {
                        Connection.Execute("update counter set value = value + 1");
                        return Connection.ExecuteScalar<long>("select value from counter");
                    }
                }

                public static void Reset()
                {
                    lock (Gate) Connection.Execute("update counter set value = 0");
                }
            }
            """);
    }

    [Fact]
    public async Task Locking_on_the_connection_itself_is_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Connection)
                    {
                        return Connection.ExecuteScalar<long>("select value from counter");
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task One_use_outside_the_lock_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static void Increment()
                {
                    lock (Gate) Connection.Execute("update counter set value = value + 1");
                }

                public static long Read() => Connection.ExecuteScalar<long>("select value from counter");
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task A_per_instance_lock_does_not_protect_a_static_connection()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public class Counter
            {
                private readonly object _gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public long Read()
                {
                    lock (_gate) return Connection.ExecuteScalar<long>("select value from counter");
                }

                public void Reset()
                {
                    lock (this) Connection.Execute("update counter set value = 0");
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Two_different_locks_do_not_exclude_each_other()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object ReadGate = new();
                private static readonly object WriteGate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    lock (ReadGate) return Connection.ExecuteScalar<long>("select value from counter");
                }

                public static void Reset()
                {
                    lock (WriteGate) Connection.Execute("update counter set value = 0");
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Lock_on_a_local_object_is_not_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    var gate = new object();
                    lock (gate) return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Lock_on_typeof_is_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static long Read()
                {
                    lock (typeof(Counter)) return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """);
    }

    [Fact]
    public async Task System_Threading_Lock_in_every_form_is_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.Net90, """
            using System.Data.Common;
            using System.Threading;

            public static class Counter
            {
                private static readonly Lock Gate = new();
                private static readonly DbConnection Connection = Create();

                private static DbConnection Create() => throw null!;

                public static void Open()
                {
                    lock (Gate) Connection.Open();
                }

                public static void Close()
                {
                    using (Gate.EnterScope()) Connection.Close();
                }

                public static void Switch(string name)
                {
                    using var scope = Gate.EnterScope();
                    Connection.ChangeDatabase(name);
                }

                public static void Reopen()
                {
                    Gate.Enter();
                    try { Connection.Open(); } finally { Gate.Exit(); }
                }
            }
            """);
    }

    [Fact]
    public async Task Monitor_enter_and_exit_in_try_finally_is_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static long Read()
                {
                    Monitor.Enter(Gate);
                    try
                    {
                        return Connection.ExecuteScalar<long>("select value from counter");
                    }
                    finally
                    {
                        Monitor.Exit(Gate);
                    }
                }

                public static void Reset()
                {
                    var taken = false;
                    try
                    {
                        Monitor.Enter(Gate, ref taken);
                        Connection.Execute("update counter set value = 0");
                    }
                    finally
                    {
                        if (taken) Monitor.Exit(Gate);
                    }
                }

                public static void TryReset()
                {
                    if (!Monitor.TryEnter(Gate))
                    {
                        return;
                    }

                    try
                    {
                        Connection.Execute("update counter set value = 0");
                    }
                    finally
                    {
                        Monitor.Exit(Gate);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Use_after_monitor_exit_is_not_guarded()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    Monitor.Enter(Gate);
                    Connection.Execute("update counter set value = value + 1");
                    Monitor.Exit(Gate);
                    return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Monitor_held_across_an_await_is_not_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static async Task<long> ReadAsync()
                {
                    Monitor.Enter(Gate);
                    try
                    {
                        return await Connection.ExecuteScalarAsync<long>("select value from counter");
                    }
                    finally
                    {
                        Monitor.Exit(Gate);
                    }
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Lock_around_an_await_is_not_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static async Task<long> ReadAsync()
                {
                    lock (Gate)
                    {
                        return {|CS1996:await Connection.ExecuteScalarAsync<long>("select value from counter")|};
                    }
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task SemaphoreSlim_of_one_awaited_in_try_finally_is_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SemaphoreSlim Gate = new(1, 1);
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static async Task<long> ReadAsync(CancellationToken cancellationToken)
                {
                    await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await Connection.ExecuteAsync("update counter set value = value + 1");
                        return await Connection.ExecuteScalarAsync<long>("select value from counter");
                    }
                    finally
                    {
                        Gate.Release();
                    }
                }

                public static void Reset()
                {
                    Gate.Wait();
                    Connection.Execute("update counter set value = 0");
                    Gate.Release();
                }
            }
            """);
    }

    [Fact]
    public async Task SemaphoreSlim_that_admits_several_callers_is_a_throttle_not_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SemaphoreSlim Throttle = new SemaphoreSlim(4);
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static async Task<long> ReadAsync()
                {
                    await Throttle.WaitAsync();
                    try
                    {
                        return await Connection.ExecuteScalarAsync<long>("select value from counter");
                    }
                    finally
                    {
                        Throttle.Release();
                    }
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Mutex_is_a_guard_in_synchronous_code_but_not_across_an_await()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly Mutex Gate = new();
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static long Read()
                {
                    Gate.WaitOne();
                    try
                    {
                        return Connection.ExecuteScalar<long>("select value from counter");
                    }
                    finally
                    {
                        Gate.ReleaseMutex();
                    }
                }
            }
            """);

        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly Mutex Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static async Task<long> ReadAsync()
                {
                    Gate.WaitOne();
                    try
                    {
                        await Task.Yield();
                        return Connection.ExecuteScalar<long>("select value from counter");
                    }
                    finally
                    {
                        Gate.ReleaseMutex();
                    }
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Interlocked_reentrancy_flag_is_a_guard()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading;
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Sweeper
            {
                private static int _running;
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                public static async Task SweepAsync()
                {
                    if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
                    {
                        return;
                    }

                    try
                    {
                        await Connection.ExecuteAsync("delete from sessions where expires < datetime('now')");
                    }
                    finally
                    {
                        Volatile.Write(ref _running, 0);
                    }
                }

                public static void Vacuum()
                {
                    if (Interlocked.Exchange(ref _running, 1) == 0)
                    {
                        try { Connection.Execute("vacuum"); } finally { _running = 0; }
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Use_inside_a_lambda_created_under_the_lock_runs_outside_it()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using System.Threading.Tasks;
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static Task Reset()
                {
                    lock (Gate)
                    {
                        return Task.Run(() => Connection.Execute("update counter set value = 0"));
                    }
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task A_member_used_in_a_nested_type_stays_reported()
    {
        // Even when the nested type takes the lock too: code in nested types is analyzed under their own
        // symbols, so the outer type cannot see every use, and an unproven guard is no guard.
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }

                private sealed class Resetter
                {
                    public void Reset() => Connection.Execute("update counter set value = 0");
                }
            }
            """,
            Dbc001());

        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }

                private sealed class Resetter
                {
                    public void Reset()
                    {
                        lock (Gate) Connection.Execute("update counter set value = 0");
                    }
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Uses_across_partial_declarations_count()
    {
        var test = new Verify.Test();
        test.Use(ReferenceSets.SqliteDapper);
        test.TestState.Sources.Add(("Counter.cs", """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static partial class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """));
        test.TestState.Sources.Add(("Counter.Reset.cs", """
            using Dapper;

            public static partial class Counter
            {
                public static void Reset() => Connection.Execute("update counter set value = 0");
            }
            """));
        test.ExpectedDiagnostics.Add(Dbc001());
        await test.RunAsync();
    }

    [Fact]
    public async Task Guarded_static_auto_property_is_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static SqliteConnection Connection { get; } = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """);
    }

    [Fact]
    public async Task A_non_private_member_is_reported_even_when_its_own_uses_are_guarded()
    {
        // Code outside the type can use it without the lock: no guard inside the type covers that.
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                internal static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task A_private_member_that_is_never_used_is_still_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly SqliteConnection {|#0:Connection|} = new("Data Source=app.db");
            }
            """,
            Dbc001());
    }

    [Fact]
    public async Task Static_constructor_and_nameof_are_not_uses()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, """
            using Dapper;
            using Microsoft.Data.Sqlite;

            public static class Counter
            {
                private static readonly object Gate = new();
                private static readonly SqliteConnection Connection = new("Data Source=app.db");

                static Counter()
                {
                    Connection.Open();
                }

                public static string Name => nameof(Connection);

                public static long Read()
                {
                    lock (Gate) return Connection.ExecuteScalar<long>("select value from counter");
                }
            }
            """);
    }
}
