using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.ConcurrentDelegateCaptureAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class ConcurrentDelegateCaptureAnalyzerTests
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using Dapper;
        using Microsoft.Data.Sqlite;

        """;

    private static DiagnosticResult Dbc003(int location, string name, string type, string how, string entryPoint)
        => Verify.Diagnostic("DBC003").WithLocation(location).WithArguments(name, type, how, entryPoint);

    private static DiagnosticResult Captured(int location, string name, string type, string entryPoint)
        => Dbc003(location, name, type, "captured by", entryPoint);

    private static Task VerifySqliteAsync(string source, params DiagnosticResult[] expected)
        => Verify.VerifyAsync(ReferenceSets.SqliteDapper, Usings + source, expected);

    [Fact]
    public void Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.ConcurrentDelegateCapture;
        var message = string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "_connection",
            "SqlConnection",
            "captured by",
            "a Parallel.ForEach body");
        Assert.Equal("'_connection' (SqlConnection) is captured by a Parallel.ForEach body, which runs on several threads at once", message);
    }

    [Fact]
    public async Task Local_connection_used_in_a_Parallel_ForEach_body_is_reported_on_the_use()
    {
        await VerifySqliteAsync("""
            public static class Import
            {
                public static void Run(IEnumerable<string> titles)
                {
                    using var connection = new SqliteConnection("Data Source=todos.db");
                    connection.Open();
                    Parallel.ForEach(titles, title =>
                    {
                        {|#0:connection|}.Execute("insert into todos(title) values (@title)", new { title });
                        connection.Execute("select 1");
                    });
                }
            }
            """,
            Captured(0, "connection", "SqliteConnection", "a Parallel.ForEach body"));
    }

    [Fact]
    public async Task Field_and_command_bound_to_a_shared_connection_in_Parallel_For_are_reported()
    {
        await VerifySqliteAsync("""
            public sealed class Importer(SqliteConnection connection)
            {
                private readonly SqliteConnection _connection = connection;

                public void Run(string[] titles)
                {
                    var command = _connection.CreateCommand();
                    command.CommandText = "insert into todos(title) values ($title)";
                    Parallel.For(0, titles.Length, i =>
                    {
                        {|#0:command|}.Parameters.AddWithValue("$title", titles[i]);
                        this.{|#1:_connection|}.Execute("select 1");
                    });
                }
            }
            """,
            Captured(0, "command", "SqliteCommand", "a Parallel.For body"),
            Captured(1, "_connection", "SqliteConnection", "a Parallel.For body"));
    }

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    public async Task DbContext_field_in_Parallel_ForEachAsync_and_Task_Run_left_running_is_reported(string library)
    {
        await Verify.VerifyAsync(ReferenceSets.ByName(library), """
            using System.Collections.Generic;
            using System.Linq;
            using System.Threading;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class ShopContext : DbContext
            {
                public DbSet<Order> Orders => Set<Order>();
            }

            public class Order
            {
                public int Id { get; set; }
            }

            public sealed class Pricing(ShopContext db)
            {
                private ShopContext Db { get; } = db;

                public Task Reprice(IEnumerable<int> ids, CancellationToken cancellationToken)
                    => Parallel.ForEachAsync(ids, cancellationToken, async (id, token) => await {|#0:Db|}.Orders.FindAsync(new object[] { id }, token));

                public Task Warm() => Task.Run(() => {|#1:db|}.Orders.Count());
            }
            """,
            Captured(0, "Db", "ShopContext", "a Parallel.ForEachAsync body"),
            Captured(1, "db", "ShopContext", "a Task.Run delegate"));
    }

    [Fact]
    public async Task Threads_pool_items_timers_and_Parallel_Invoke_are_concurrent()
    {
        await VerifySqliteAsync("""
            public sealed class Jobs
            {
                private readonly SqliteConnection _connection = new("Data Source=jobs.db");
                private System.Threading.Timer? _timer;

                public void Start(System.Timers.Timer ticker)
                {
                    var connection = new SqliteConnection("Data Source=jobs.db");
                    new Thread(() => {|#0:connection|}.Open()).Start();
                    ThreadPool.QueueUserWorkItem(_ => {|#1:_connection|}.Open());
                    _timer = new System.Threading.Timer(_ => {|#2:_connection|}.Close(), null, 0, 1000);
                    ticker.Elapsed += (_, _) => {|#3:connection|}.Close();
                    Parallel.Invoke(() => {|#4:connection|}.Open(), () => {|#5:connection|}.Close());
                    Task.Factory.StartNew(() => {|#6:_connection|}.Open());
                }
            }
            """,
            Captured(0, "connection", "SqliteConnection", "a Thread"),
            Captured(1, "_connection", "SqliteConnection", "a ThreadPool work item"),
            Captured(2, "_connection", "SqliteConnection", "a Timer callback"),
            Captured(3, "connection", "SqliteConnection", "a Timer.Elapsed handler"),
            Captured(4, "connection", "SqliteConnection", "a Parallel.Invoke action"),
            Captured(5, "connection", "SqliteConnection", "a Parallel.Invoke action"),
            Captured(6, "_connection", "SqliteConnection", "a Task.Factory.StartNew delegate"));
    }

    [Fact]
    public async Task A_primary_constructor_parameter_used_by_a_helper_the_delegate_calls_is_followed()
    {
        // A primary constructor parameter is the instance's, like a field: in a helper it is not the helper's own.
        await VerifySqliteAsync("""
            public sealed class Imports(SqliteConnection connection)
            {
                public void Run(int[] rows) => Parallel.ForEach(rows, row => {|#0:Insert(row)|});

                public void RunOwn(int[] rows) => Parallel.ForEach(rows, row => InsertWith(new SqliteConnection("Data Source=own.db"), row));

                private void Insert(int row) => connection.Execute("insert into rows values (@row)", new { row });

                private static void InsertWith(SqliteConnection own, int row) => own.Execute("insert into rows values (@row)", new { row });
            }
            """,
            Dbc003(0, "connection", "SqliteConnection", "used, through 'Insert', by", "a Parallel.ForEach body"));
    }

    [Fact]
    public async Task A_service_every_run_shares_whose_method_uses_its_connection_is_followed()
    {
        // The injected repository is one instance for every run of the body, and so is the connection it holds.
        await VerifySqliteAsync("""
            public sealed class GuardedRepository(SqliteConnection connection)
            {
                private readonly SemaphoreSlim _gate = new(1, 1);

                public async Task InsertGuardedAsync(int row)
                {
                    await _gate.WaitAsync();
                    try { await connection.ExecuteAsync("insert into rows values (@row)", new { row }); }
                    finally { _gate.Release(); }
                }
            }

            // Guarded in one method and not in the other: that is DBC005's finding, at the use without the lock.
            public sealed class MixedRepository(SqliteConnection connection)
            {
                private readonly object _gate = new();
                private readonly SqliteConnection _connection = connection;

                public void InsertLocked(int row) { lock (_gate) { _connection.Execute("insert into rows values (@row)", new { row }); } }

                public void Insert(int row) => _connection.Execute("insert into rows values (@row)", new { row });
            }

            public class RowRepository(SqliteConnection connection)
            {
                public void Insert(int row) => connection.Execute("insert into rows values (@row)", new { row });

                public void InsertOwn(int row)
                {
                    using var own = new SqliteConnection("Data Source=rows.db");
                    own.Execute("insert into rows values (@row)", new { row });
                }

                public virtual void InsertVirtual(int row) => connection.Execute("select @row", new { row });
            }

            public interface IRowStore { void Insert(int row); }

            public sealed class Importer(RowRepository repository, IRowStore store, GuardedRepository guarded, MixedRepository mixed)
            {
                private readonly RowRepository _repository = repository;

                public void ByField(int[] rows) => Parallel.ForEach(rows, row => {|#0:_repository.Insert(row)|});

                public void ByParameter(int[] rows) => Parallel.ForEach(rows, row => {|#1:repository.Insert(row)|});

                public void ByLocal(int[] rows, SqliteConnection connection)
                {
                    var local = new RowRepository(connection);
                    Parallel.ForEach(rows, row => {|#2:local.Insert(row)|});
                }

                public Task Guarded(int[] rows) => Parallel.ForEachAsync(rows, async (row, _) => await guarded.InsertGuardedAsync(row));

                public void Mixed(int[] rows) => Parallel.ForEach(rows, row => mixed.Insert(row));

                public void OwnConnection(int[] rows) => Parallel.ForEach(rows, row => _repository.InsertOwn(row));

                public void OwnInstance(int[] rows) => Parallel.ForEach(rows, row => new RowRepository(new SqliteConnection("Data Source=rows.db")).Insert(row));

                public void Interface(int[] rows) => Parallel.ForEach(rows, row => store.Insert(row));

                public void Virtual(int[] rows) => Parallel.ForEach(rows, row => _repository.InsertVirtual(row));
            }
            """,
            Dbc003(0, "connection", "SqliteConnection", "used, through '_repository.Insert', by", "a Parallel.ForEach body"),
            Dbc003(1, "connection", "SqliteConnection", "used, through 'repository.Insert', by", "a Parallel.ForEach body"),
            Dbc003(2, "connection", "SqliteConnection", "used, through 'local.Insert', by", "a Parallel.ForEach body"));
    }

    [Fact]
    public async Task A_service_injected_by_its_interface_runs_the_one_implementation_of_the_compilation()
    {
        await VerifySqliteAsync("""
            public interface IRowStore { void Insert(int row); }

            public interface IAuditStore { void Write(int row); }

            public sealed class RowStore(SqliteConnection connection) : IRowStore
            {
                public void Insert(int row) => connection.Execute("insert into rows values (@row)", new { row });
            }

            public sealed class AuditStore(SqliteConnection connection) : IAuditStore
            {
                public void Write(int row) => connection.Execute("insert into audit values (@row)", new { row });
            }

            public sealed class NullAuditStore : IAuditStore
            {
                public void Write(int row) { }
            }

            public sealed class Importer(IRowStore rows, IAuditStore audit)
            {
                public void Import(int[] items) => Parallel.ForEach(items, item => {|#0:rows.Insert(item)|});

                public void Audit(int[] items) => Parallel.ForEach(items, item => audit.Write(item));
            }
            """,
            Dbc003(0, "connection", "SqliteConnection", "used, through 'rows.Insert', by", "a Parallel.ForEach body"));
    }

    [Fact]
    public async Task Delegates_stored_in_a_local_before_they_are_started_are_followed()
    {
        await VerifySqliteAsync("""
            public sealed class Imports
            {
                private readonly SqliteConnection _connection = new("Data Source=imports.db");

                public async Task Run(SqliteConnection connection, int[] rows)
                {
                    Action<int> insert = row => connection.Execute("insert into rows values (@row)", new { row });
                    Parallel.ForEach(rows, {|#0:insert|});

                    var refresh = new Func<Task>(async () => await _connection.ExecuteAsync("select 1"));
                    _ = Task.Run({|#1:refresh|});

                    Action<int> group = ProcessRow;
                    Parallel.For(0, rows.Length, {|#2:group|});

                    Func<Task> started = async () => await connection.ExecuteAsync("select 1");
                    await Task.WhenAll(rows.Select(row => Task.Run({|#3:started|})));
                }

                private void ProcessRow(int row) => _connection.Execute("select @row", new { row });
            }
            """,
            // The lambda stands away from the call that starts it: the finding is reported at the local, in that call.
            Dbc003(0, "connection", "SqliteConnection", "used, through 'insert', by", "a Parallel.ForEach body"),
            Dbc003(1, "_connection", "SqliteConnection", "used, through 'refresh', by", "a Task.Run delegate"),
            Dbc003(2, "_connection", "SqliteConnection", "used, through 'group', by", "a Parallel.For body"),
            Dbc003(3, "connection", "SqliteConnection", "used, through 'started', by", "a Task.Run delegate"));
    }

    [Fact]
    public async Task Local_functions_and_stored_delegates_called_inside_a_concurrent_delegate_are_followed()
    {
        await VerifySqliteAsync("""
            public sealed class Imports
            {
                public async Task Run(SqliteConnection connection, int[] rows)
                {
                    using var command = connection.CreateCommand();
                    Action<int> insert = row => connection.Execute("insert into rows values (@row)", new { row });
                    Parallel.ForEach(rows, row => {|#0:insert(row)|});

                    Func<Task> started = async () => await connection.ExecuteAsync("select 1");
                    await Task.WhenAll(rows.Select(row => Task.Run(() => {|#1:started()|})));

                    void Touch(int row)
                    {
                        command.CommandText = "select " + row;
                        command.ExecuteNonQuery();
                    }

                    Parallel.For(0, rows.Length, i => {|#2:Touch(rows[i])|});

                    // Their own connection, per call: nothing shared.
                    void Fresh(int row)
                    {
                        using var own = new SqliteConnection("Data Source=imports.db");
                        own.Execute("select @row", new { row });
                    }

                    Action<int> fresh = row =>
                    {
                        using var own = new SqliteConnection("Data Source=imports.db");
                        own.Execute("select @row", new { row });
                    };
                    Parallel.ForEach(rows, row => { Fresh(row); fresh(row); });

                    // Called one at a time: not concurrent.
                    foreach (var row in rows)
                    {
                        insert(row);
                        Touch(row);
                    }
                }
            }
            """,
            // Reported at the call, inside the delegate that runs concurrently: where the editor shows it as the user types.
            Dbc003(0, "connection", "SqliteConnection", "used, through 'insert', by", "a Parallel.ForEach body"),
            Dbc003(1, "connection", "SqliteConnection", "used, through 'started', by", "a Task.Run delegate"),
            Dbc003(2, "command", "SqliteCommand", "used, through 'Touch', by", "a Parallel.For body"));
    }

    [Fact]
    public async Task Helpers_and_method_groups_in_another_part_of_a_partial_class_are_followed()
    {
        var test = new Verify.Test
        {
            TestState =
            {
                Sources =
                {
                    ("/Batches.cs", Usings + """
                        public sealed partial class Batches
                        {
                            private readonly SqliteConnection _connection = new("Data Source=batches.db");

                            public void Run(int[] batches)
                            {
                                Parallel.ForEach(batches, {|#0:ProcessBatch|});
                                Parallel.ForEach(batches, batch => {|#1:Save(batch)|});
                                Parallel.ForEach(batches, batch => Count(batch));
                                Parallel.ForEach(batches, Fresh);
                                Parallel.ForEach(batches, batch => {|#2:Log(batch)|});
                            }

                            partial void Log(int batch);
                        }
                        """),
                    ("/Batches.Db.cs", Usings + """
                        public sealed partial class Batches
                        {
                            private void ProcessBatch(int batch) => _connection.Execute("select @batch", new { batch });

                            private void Save(int batch) => _connection.Execute("select @batch", new { batch });

                            private static int Count(int batch)
                            {
                                using var own = new SqliteConnection("Data Source=batches.db");
                                return own.QuerySingle<int>("select @batch", new { batch });
                            }

                            private void Fresh(int batch)
                            {
                                using var own = new SqliteConnection("Data Source=batches.db");
                                own.Execute("select @batch", new { batch });
                            }

                            partial void Log(int batch) => _connection.Execute("insert into log values (@batch)", new { batch });
                        }
                        """),
                },
            },
        };
        test.Use(ReferenceSets.SqliteDapper);
        test.ExpectedDiagnostics.Add(Dbc003(0, "_connection", "SqliteConnection", "used, through 'ProcessBatch', by", "a Parallel.ForEach body"));
        test.ExpectedDiagnostics.Add(Dbc003(1, "_connection", "SqliteConnection", "used, through 'Save', by", "a Parallel.ForEach body"));
        test.ExpectedDiagnostics.Add(Dbc003(2, "_connection", "SqliteConnection", "used, through 'Log', by", "a Parallel.ForEach body"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Stored_delegates_that_open_their_own_connection_or_run_one_at_a_time_are_not_reported()
    {
        await VerifySqliteAsync("""
            public static class Imports
            {
                public static void Run(SqliteConnection connection, int[] rows)
                {
                    Action<int> own = row =>
                    {
                        using var mine = new SqliteConnection("Data Source=imports.db");
                        mine.Execute("insert into rows values (@row)", new { row });
                    };
                    Parallel.ForEach(rows, own);

                    Action<int> shared = row => connection.Execute("insert into rows values (@row)", new { row });
                    rows.ToList().ForEach(shared);
                    foreach (var row in rows)
                    {
                        shared(row);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task PLINQ_operators_after_AsParallel_are_concurrent_sequential_LINQ_is_not()
    {
        await VerifySqliteAsync("""
            public static class Report
            {
                public static void Run(SqliteConnection connection, int[] ids)
                {
                    var names = ids.AsParallel().Select(id => {|#0:connection|}.QuerySingle<string>("select title from todos where id = @id", new { id })).ToList();
                    ids.AsParallel().ForAll(id => {|#1:connection|}.Execute("delete from todos where id = @id", new { id }));
                    var sequential = ids.Select(id => connection.QuerySingle<string>("select 1")).ToList();
                    ids.ToList().ForEach(id => connection.Execute("select 1"));
                }
            }
            """,
            Captured(0, "connection", "SqliteConnection", "a PLINQ Select"),
            Captured(1, "connection", "SqliteConnection", "a PLINQ ForAll"));
    }

    [Fact]
    public async Task Method_groups_local_functions_and_helpers_the_delegate_calls_are_followed()
    {
        await VerifySqliteAsync("""
            public sealed class Batches
            {
                private readonly SqliteConnection _connection = new("Data Source=batches.db");

                public void Run(int[] batches)
                {
                    Parallel.ForEach(batches, {|#0:ProcessBatch|});
                    Parallel.ForEach(batches, batch => {|#1:Save(batch)|});
                    Parallel.ForEach(batches, {|#3:this.ProcessBatch|});

                    var shared = new SqliteConnection("Data Source=batches.db");
                    Parallel.ForEach(batches, {|#2:Local|});

                    void Local(int batch) => shared.Execute("select @batch", new { batch });
                }

                private void ProcessBatch(int batch) => _connection.Execute("select @batch", new { batch });

                private void Save(int batch) => Write(batch);

                private void Write(int batch) => _connection.Execute("select @batch", new { batch });
            }
            """,
            // A method group's body stands elsewhere: the finding is reported at the group, in the call that starts it.
            Dbc003(0, "_connection", "SqliteConnection", "used, through 'ProcessBatch', by", "a Parallel.ForEach body"),
            Dbc003(1, "_connection", "SqliteConnection", "used, through 'Save', by", "a Parallel.ForEach body"),
            Dbc003(2, "shared", "SqliteConnection", "used, through 'Local', by", "a Parallel.ForEach body"),
            Dbc003(3, "_connection", "SqliteConnection", "used, through 'ProcessBatch', by", "a Parallel.ForEach body"));
    }

    [Fact]
    public async Task Inline_middleware_capturing_one_connection_for_every_request_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.AspNetCore8, """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.Extensions.DependencyInjection;
            using Npgsql;

            public static class Pipeline
            {
                public static void Configure(WebApplication app, NpgsqlConnection connection)
                {
                    app.Use(async (context, next) =>
                    {
                        await using var command = new NpgsqlCommand("insert into hits (path) values ($1)", {|#0:connection|});
                        command.Parameters.AddWithValue(context.Request.Path.Value ?? "");
                        await command.ExecuteNonQueryAsync();
                        await next(context);
                    });

                    // Per request: the data source hands each request its own connection.
                    app.Use(async (context, next) =>
                    {
                        await using var own = await context.RequestServices.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
                        await using var command = own.CreateCommand();
                        command.CommandText = "select 1";
                        await command.ExecuteNonQueryAsync();
                        await next(context);
                    });

                    app.Run(async context => await context.Response.WriteAsync({|#1:connection|}.State.ToString()));
                }

                // The factory form: the outer lambda runs once at startup, the request delegate it returns for every request.
                public static void Factory(WebApplication app, IApplicationBuilder builder, NpgsqlConnection connection)
                {
                    app.Use(next => async context =>
                    {
                        await {|#2:connection|}.OpenAsync();
                        await next(context);
                    });
                    builder.Use(next => context => {|#3:connection|}.CloseAsync());
                }
            }
            """,
            Captured(0, "connection", "NpgsqlConnection", "an app.Use middleware"),
            Captured(1, "connection", "NpgsqlConnection", "an app.Run handler"),
            Captured(2, "connection", "NpgsqlConnection", "an app.Use middleware"),
            Captured(3, "connection", "NpgsqlConnection", "an app.Use middleware"));
    }

    [Fact]
    public async Task Endpoint_handler_capturing_one_connection_for_every_request_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.AspNetCore8, """
            using Microsoft.AspNetCore.Builder;
            using Microsoft.AspNetCore.Http;
            using Microsoft.EntityFrameworkCore;
            using Npgsql;

            public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options) { }

            public static class Endpoints
            {
                public static void Map(WebApplication app, NpgsqlConnection connection)
                {
                    app.MapGet("/ping", () => {|#0:connection|}.State.ToString());
                    app.MapPost("/save", async (AppDbContext db) => await db.SaveChangesAsync());
                }
            }
            """,
            Captured(0, "connection", "NpgsqlConnection", "a MapGet handler"));
    }

    [Fact]
    public async Task Objects_created_inside_per_worker_state_safe_factories_and_per_iteration_arguments_are_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.Npgsql8, """
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Npgsql;

            public static class Import
            {
                public static void Run(IEnumerable<string> titles, NpgsqlDataSource dataSource, string connectionString, List<NpgsqlConnection> perItem)
                {
                    Parallel.ForEach(titles, title =>
                    {
                        using var connection = dataSource.OpenConnection();
                        using var command = new NpgsqlCommand("insert into todos(title) values ($1)", connection);
                        command.Parameters.AddWithValue(title);
                        command.ExecuteNonQuery();
                    });

                    Parallel.ForEach(
                        titles,
                        () => new NpgsqlConnection(connectionString),
                        (title, state, connection) =>
                        {
                            connection.Open();
                            return connection;
                        },
                        connection => connection.Dispose());

                    Parallel.ForEach(perItem, connection => connection.Open());
                }
            }
            """);
    }

    [Fact]
    public async Task Task_Run_awaited_on_the_spot_or_before_any_other_use_one_worker_at_a_time_and_guarded_uses_are_not_reported()
    {
        await VerifySqliteAsync("""
            public sealed class Db(SqliteConnection connection)
            {
                private readonly object _gate = new();

                public async Task<long> Count()
                {
                    await Task.Run(() => connection.Open()).ConfigureAwait(false);
                    Task.Run(() => connection.Close()).Wait();
                    return await Task.Run(() => connection.ExecuteScalar<long>("select count(*) from todos"));
                }

                public async Task<long> Kept()
                {
                    var count = Task.Run(() => connection.ExecuteScalar<long>("select count(*) from todos"));
                    var other = 42;
                    return await count + other;
                }

                public async Task<long> KeptButUsedMeanwhile()
                {
                    var count = Task.Run(() => {|#0:connection|}.ExecuteScalar<long>("select count(*) from todos"));
                    connection.Execute("delete from todos where done = 1");
                    return await count;
                }

                public void OneAtATime(int[] ids)
                    => Parallel.ForEach(ids, new ParallelOptions { MaxDegreeOfParallelism = 1 }, id => connection.Execute("select @id", new { id }));

                public void Locked(int[] ids)
                {
                    Parallel.ForEach(ids, id =>
                    {
                        lock (_gate)
                        {
                            connection.Execute("delete from todos where id = @id", new { id });
                        }
                    });
                }
            }
            """,
            Captured(0, "connection", "SqliteConnection", "a Task.Run delegate"));
    }

    [Fact]
    public async Task Static_members_are_left_to_DBC001()
    {
        await VerifySqliteAsync("""
            public static class Store
            {
                private static readonly SqliteConnection Connection = new("Data Source=todos.db");

                public static void Run(int[] ids) => Parallel.ForEach(ids, id => Connection.Execute("select 1"));
            }
            """);
    }

    [Fact]
    public async Task Users_own_concurrent_methods_come_from_editorconfig()
    {
        await Verify.VerifyAsync(ReferenceSets.SqliteDapper, Usings + """
            namespace MyApp.Jobs
            {
                public static class Fanout
                {
                    public static void Run(int[] items, Action<int> work) => Parallel.ForEach(items, work);
                }

                public static class Caller
                {
                    public static void Go(SqliteConnection connection, int[] items)
                        => Fanout.Run(items, item => {|#0:connection|}.Execute("select 1"));
                }
            }
            """,
            """
            root = true

            [*.cs]
            dotnet_code_quality.DBC.concurrent_methods = MyApp.Jobs.Fanout.Run, Not A Name, MyApp.Missing.Type.Go
            """,
            Captured(0, "connection", "SqliteConnection", "a Fanout.Run delegate"));
    }

    [Fact]
    public async Task Library_absent_reports_nothing_and_does_not_throw()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            using System.Threading.Tasks;

            public static class Import
            {
                public static void Run(int[] ids, {|CS0246:SqlConnection|} connection)
                    => Parallel.ForEach(ids, id => connection.Open());
            }
            """);
    }

    [Theory]
    [InlineData("static class S { static void M(SqliteConnection c, int[] ids) => Parallel.ForEach(ids, id => c.")]
    [InlineData("static class S { static void M(SqliteConnection c, int[] ids) => Parallel.ForEach(ids, ")]
    [InlineData("static class S { static void M(SqliteConnection c) => Task.Run(() => c.Open()")]
    [InlineData("static class S { static void M(SqliteConnection c) => new Thread(Missing).Start(); }")]
    [InlineData("static class S { static void M(SqliteConnection c, int[] ids) => ids.AsParallel().Select(i => c.Query<int>(\"\")).")]
    [InlineData("class S { SqliteConnection _c; void M(int[] ids) => Parallel.ForEach(ids, Helper); void Helper(int i) => _c.Open(")]
    public async Task Incomplete_code_as_typed_in_the_IDE_does_not_throw(string code)
    {
        var exceptions = await AnalyzerRun.ExceptionsAsync(new Analyzers.Rules.ConcurrentDelegateCaptureAnalyzer(), ReferenceSets.SqliteDapper, Usings + code);
        Assert.Empty(exceptions);
    }
}
