using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.StaticDatabaseObjectAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class StaticDatabaseObjectAnalyzerTests
{
    private static DiagnosticResult Dbc001(int location, string name, string type, string kind, string objectType)
        => Verify.Diagnostic("DBC001").WithLocation(location).WithArguments(name, type, kind, objectType);

    [Fact]
    public async Task Static_field_of_SqlConnection_is_reported_with_name_type_and_reason()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            public static class Db
            {
                private static SqlConnection {|#0:_connection|} = new SqlConnection("Server=.;Database=app");
            }
            """,
            Dbc001(0, "_connection", "SqlConnection", "field", "SqlConnection"));
    }

    [Fact]
    public async Task Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.StaticDatabaseObject;
        var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), "_connection", "SqlConnection", "field", "SqlConnection");
        Assert.Equal("'_connection' (SqlConnection) is a static field, so every thread that uses it shares the same SqlConnection, which is not thread-safe", message);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Nullable_annotations_are_left_out_of_the_message()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            #nullable enable
            using System.Collections.Generic;
            using Microsoft.Data.SqlClient;

            public static class Db
            {
                public static SqlConnection? {|#0:Connection|};
                public static List<SqlConnection?>? {|#1:All|};
            }
            """,
            Dbc001(0, "Connection", "SqlConnection", "field", "SqlConnection"),
            Dbc001(1, "All", "List<SqlConnection?>", "field", "SqlConnection"));
    }

    [Fact]
    public async Task Static_readonly_NpgsqlConnection_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.Npgsql8, """
            using Npgsql;

            public class Repository
            {
                static readonly NpgsqlConnection {|#0:Connection|} = new("Host=localhost");
            }
            """,
            Dbc001(0, "Connection", "NpgsqlConnection", "field", "NpgsqlConnection"));
    }

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    public async Task Static_DbContext_in_a_static_class_is_reported(string library)
    {
        await Verify.VerifyAsync(ReferenceSets.ByName(library), """
            using Microsoft.EntityFrameworkCore;

            public class ShopContext : DbContext { }

            public static class Data
            {
                public static readonly ShopContext {|#0:Context|} = new ShopContext();
            }
            """,
            Dbc001(0, "Context", "ShopContext", "field", "ShopContext"));
    }

    [Fact]
    public async Task Static_auto_property_with_initializer_is_reported_on_the_property_name()
    {
        await Verify.VerifyAsync(ReferenceSets.Sqlite8, """
            using Microsoft.Data.Sqlite;

            public static class Db
            {
                public static SqliteConnection {|#0:Connection|} { get; } = new SqliteConnection("Data Source=app.db");
                public static SqliteCommand {|#1:Command|} { get; set; }
            }
            """,
            Dbc001(0, "Connection", "SqliteConnection", "property", "SqliteConnection"),
            Dbc001(1, "Command", "SqliteCommand", "property", "SqliteCommand"));
    }

    [Fact]
    public async Task Static_property_with_explicit_backing_field_is_reported_once_on_the_field()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            public static class Db
            {
                private static SqlConnection {|#0:_connection|};

                public static SqlConnection Connection => _connection ??= new SqlConnection("Server=.");

                public static SqlConnection Other
                {
                    get
                    {
                        if (_connection == null) _connection = new SqlConnection("Server=.");
                        return _connection;
                    }
                }
            }
            """,
            Dbc001(0, "_connection", "SqlConnection", "field", "SqlConnection"));
    }

    [Fact]
    public async Task Every_unsafe_ADO_NET_base_type_and_interface_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.Npgsql8, """
            using System.Data;
            using System.Data.Common;
            using Npgsql;

            public static class Shared
            {
                static IDbConnection {|#0:A|};
                static IDbCommand {|#1:B|};
                static IDataReader {|#2:C|};
                static IDbTransaction {|#3:D|};
                static DbCommand {|#4:E|};
                static NpgsqlDataReader {|#5:F|};
                static DbTransaction {|#6:G|};
                static NpgsqlBatch {|#7:H|};
            }
            """,
            Dbc001(0, "A", "IDbConnection", "field", "IDbConnection"),
            Dbc001(1, "B", "IDbCommand", "field", "IDbCommand"),
            Dbc001(2, "C", "IDataReader", "field", "IDataReader"),
            Dbc001(3, "D", "IDbTransaction", "field", "IDbTransaction"),
            Dbc001(4, "E", "DbCommand", "field", "DbCommand"),
            Dbc001(5, "F", "NpgsqlDataReader", "field", "NpgsqlDataReader"),
            Dbc001(6, "G", "DbTransaction", "field", "DbTransaction"),
            Dbc001(7, "H", "NpgsqlBatch", "field", "NpgsqlBatch"));
    }

    [Fact]
    public async Task Containers_of_database_objects_are_reported_with_the_element_type()
    {
        await Verify.VerifyAsync(ReferenceSets.EfCore8, """
            using System;
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Data;
            using System.Data.Common;
            using System.Threading.Tasks;
            using Microsoft.EntityFrameworkCore;

            public class AppDbContext : DbContext { }

            public static class Pools
            {
                static readonly List<DbConnection> {|#0:Connections|} = new();
                static DbConnection[] {|#1:Array|};
                static readonly Lazy<AppDbContext> {|#2:LazyContext|} = new(() => new AppDbContext());
                static readonly ConcurrentDictionary<string, Lazy<IDbConnection>> {|#3:ByTenant|} = new();
                static (DbConnection Connection, DbTransaction Transaction) {|#4:Pair|};
                static Task<AppDbContext> {|#5:Pending|};
                static IEnumerable<IDbCommand> {|#6:Commands|};
            }
            """,
            Dbc001(0, "Connections", "List<DbConnection>", "field", "DbConnection"),
            Dbc001(1, "Array", "DbConnection[]", "field", "DbConnection"),
            Dbc001(2, "LazyContext", "Lazy<AppDbContext>", "field", "AppDbContext"),
            Dbc001(3, "ByTenant", "ConcurrentDictionary<string, Lazy<IDbConnection>>", "field", "IDbConnection"),
            Dbc001(4, "Pair", "(DbConnection Connection, DbTransaction Transaction)", "field", "DbConnection"),
            Dbc001(5, "Pending", "Task<AppDbContext>", "field", "AppDbContext"),
            Dbc001(6, "Commands", "IEnumerable<IDbCommand>", "field", "IDbCommand"));
    }

    [Fact]
    public async Task Hand_off_collections_that_give_each_item_to_one_taker_are_pools_not_shared_objects()
    {
        // Take, use, give back: one caller holds each connection at a time, as with ObjectPool or a Channel.
        await Verify.VerifyAsync(ReferenceSets.EfCore8, """
            using System.Collections.Concurrent;
            using System.Collections.Generic;
            using System.Data.Common;

            public static class Pools
            {
                static readonly BlockingCollection<DbConnection> Available = new();
                static readonly ConcurrentBag<DbConnection> Bag = new();
                static readonly ConcurrentQueue<DbCommand> Commands = new();
                static readonly ConcurrentStack<DbConnection> Stack = new();
                static readonly IProducerConsumerCollection<DbConnection> Any = new ConcurrentQueue<DbConnection>();
                static readonly ConcurrentDictionary<string, DbConnection> {|#0:ByTenant|} = new();
                static readonly Queue<DbConnection> {|#1:Plain|} = new();
            }
            """,
            Dbc001(0, "ByTenant", "ConcurrentDictionary<string, DbConnection>", "field", "DbConnection"),
            Dbc001(1, "Plain", "Queue<DbConnection>", "field", "DbConnection"));
    }

    [Fact]
    public async Task DbSet_and_constrained_type_parameter_are_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.EfCore9, """
            using Microsoft.EntityFrameworkCore;

            public class Order { public int Id { get; set; } }
            public class ShopContext : DbContext { public DbSet<Order> Orders => Set<Order>(); }

            public static class Cache<TContext> where TContext : DbContext, new()
            {
                public static TContext {|#0:Instance|} = new TContext();
                public static DbSet<Order> {|#1:Orders|};
            }
            """,
            Dbc001(0, "Instance", "TContext", "field", "TContext"),
            Dbc001(1, "Orders", "DbSet<Order>", "field", "DbSet<Order>"));
    }

    [Fact]
    public async Task Static_field_in_a_partial_Program_beside_top_level_statements_is_reported()
    {
        var test = new Verify.Test
        {
            TestCode = """
                using Dapper;
                using Microsoft.Data.Sqlite;

                var count = Program.Db.ExecuteScalar<int>("select 1");
                System.Console.WriteLine(count);

                public partial class Program
                {
                    internal static readonly SqliteConnection {|#0:Db|} = new("Data Source=app.db");
                }
                """,
        };
        test.Use(ReferenceSets.SqliteDapper);
        test.TestState.OutputKind = OutputKind.ConsoleApplication;
        test.ExpectedDiagnostics.Add(Dbc001(0, "Db", "SqliteConnection", "field", "SqliteConnection"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Static_field_in_one_part_of_a_partial_class_is_reported_whichever_part_comes_first()
    {
        // The rule reads a type's members only when one of its declarations marks a field or property static.
        var test = new Verify.Test();
        test.Use(ReferenceSets.SqlClient);
        test.TestState.Sources.Add(("Legacy.cs", """
            public static partial class Legacy
            {
                public static int Count() => Connection.State == System.Data.ConnectionState.Open ? 1 : 0;
            }
            """));
        test.TestState.Sources.Add(("Legacy.Connection.cs", """
            using Microsoft.Data.SqlClient;

            public static partial class Legacy
            {
                private static SqlConnection Connection { get; } = new("Server=.");
            }
            """));
        test.ExpectedDiagnostics.Add(Verify.Diagnostic("DBC001").WithLocation("Legacy.Connection.cs", 5, 34).WithArguments("Connection", "SqlConnection", "property", "SqlConnection"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Each_declarator_of_a_multi_variable_field_is_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            class Db
            {
                static SqlConnection {|#0:Read|}, {|#1:Write|};
            }
            """,
            Dbc001(0, "Read", "SqlConnection", "field", "SqlConnection"),
            Dbc001(1, "Write", "SqlConnection", "field", "SqlConnection"));
    }

    [Fact]
    public async Task Factories_data_sources_settings_and_connection_strings_are_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.Npgsql8, """
            using System;
            using System.Data.Common;
            using Npgsql;

            public static class Db
            {
                const string ConnectionString = "Host=localhost";
                static readonly string Other = "Host=other";
                static readonly NpgsqlDataSource Source = NpgsqlDataSource.Create(ConnectionString);
                static readonly DbDataSource AnySource = Source;
                static readonly DbProviderFactory Factory = NpgsqlFactory.Instance;
                static readonly NpgsqlConnectionStringBuilder Builder = new(ConnectionString);
                static readonly Func<NpgsqlConnection> Create = () => new NpgsqlConnection(ConnectionString);
                static readonly Type ConnectionType = typeof(NpgsqlConnection);
                static IServiceProvider Services;
            }
            """);
    }

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    public async Task Context_factories_and_options_are_not_reported(string library)
    {
        await Verify.VerifyAsync(ReferenceSets.ByName(library), """
            using Microsoft.EntityFrameworkCore;

            public class ShopContext : DbContext
            {
                public ShopContext(DbContextOptions<ShopContext> options) : base(options) { }
            }

            public static class Data
            {
                static IDbContextFactory<ShopContext> Factory;
                static DbContextOptions<ShopContext> Options = new DbContextOptionsBuilder<ShopContext>().Options;
            }
            """);
    }

    [Fact]
    public async Task Per_thread_holders_are_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using System;
            using System.Threading;
            using Microsoft.Data.SqlClient;

            public static class Db
            {
                [ThreadStatic] static SqlConnection PerThread;
                static readonly ThreadLocal<SqlConnection> Local = new(() => new SqlConnection("Server=."));
                static readonly AsyncLocal<SqlTransaction> Ambient = new();
            }
            """);
    }

    [Fact]
    public async Task Computed_properties_methods_and_instance_members_are_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            public class Db
            {
                const string Cs = "Server=.";
                public static SqlConnection Connection => new SqlConnection(Cs);
                public static SqlConnection Open() { var c = new SqlConnection(Cs); c.Open(); return c; }
                private readonly SqlConnection _instance = new SqlConnection(Cs);
            }
            """);
    }

    [Fact]
    public async Task Name_alike_user_types_are_not_database_types()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            namespace MyApp
            {
                public class SqlConnection { }
                public class DbContext { }

                public static class Holder
                {
                    static SqlConnection Connection = new SqlConnection();
                    static DbContext Context = new DbContext();
                }
            }
            """);
    }

    [Fact]
    public async Task Library_absent_reports_nothing_and_does_not_throw()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            public static class Holder
            {
                static {|CS0246:SqlConnection|} Connection;
                static {|CS0246:DbContext|} Context = new {|CS0246:DbContext|}();
            }
            """);
    }

    [Theory]
    [InlineData("static SqlConnection")]
    [InlineData("static SqlConnection {|DBC001:Connection|} = new(")]
    [InlineData("static SqlConnection {|DBC001:Connection|} { get; } = ")]
    [InlineData("public static SqlConnection {|DBC001:Connection|} { get")]
    [InlineData("static List<SqlConnection Pool")]
    [InlineData("static UnknownType<SqlConnection> Broken;")]
    public async Task Incomplete_code_as_typed_in_the_IDE_does_not_throw(string member)
    {
        var test = new Verify.Test
        {
            TestCode = "using System.Collections.Generic;\nusing Microsoft.Data.SqlClient;\nstatic class Db\n{\n    " + member + "\n",
            CompilerDiagnostics = CompilerDiagnostics.None,
        };
        test.Use(ReferenceSets.SqlClient);
        await test.RunAsync();
    }

    [Fact]
    public async Task Generated_code_is_not_reported()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            // <auto-generated/>
            using Microsoft.Data.SqlClient;

            public static class Generated
            {
                static SqlConnection Connection;
            }
            """);
    }

    [Fact]
    public async Task Editorconfig_unsafe_types_adds_a_users_unit_of_work()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            namespace MyApp.Data
            {
                public sealed class UnitOfWork { }

                public static class Holder
                {
                    static UnitOfWork {|#0:Current|};
                    static System.Collections.Generic.List<UnitOfWork> {|#1:All|};
                }
            }
            """,
            """
            root = true

            [*.cs]
            dotnet_code_quality.DBC.unsafe_types = MyApp.Data.UnitOfWork, T:MyApp.Data.Missing
            """,
            Dbc001(0, "Current", "UnitOfWork", "field", "UnitOfWork"),
            Dbc001(1, "All", "List<UnitOfWork>", "field", "UnitOfWork"));
    }

    [Fact]
    public async Task Editorconfig_safe_types_silences_a_thread_safe_wrapper()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            using System.Data;
            using System.Data.Common;

            namespace MyApp.Data
            {
                public abstract class LockingConnection : DbConnection { }

                public static class Holder
                {
                    static LockingConnection Shared;
                    static DbConnection {|#0:Other|};
                }
            }
            """,
            """
            root = true

            [*.cs]
            dotnet_code_quality.DBC.safe_types = MyApp.Data.LockingConnection
            """,
            Dbc001(0, "Other", "DbConnection", "field", "DbConnection"));
    }

    [Theory]
    [InlineData("dotnet_code_quality.DBC.unsafe_types = ,,, ;;")]
    [InlineData("dotnet_code_quality.DBC.unsafe_types = List<int>, (x), System.String[]")]
    [InlineData("dotnet_code_quality.DBC.safe_types = *")]
    [InlineData("dotnet_code_quality.DBC.unsafe_types =")]
    public async Task Malformed_editorconfig_values_are_ignored(string setting)
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            static class Holder
            {
                static SqlConnection {|#0:Connection|};
                static string Name;
            }
            """,
            "root = true\n\n[*.cs]\n" + setting + "\n",
            Dbc001(0, "Connection", "SqlConnection", "field", "SqlConnection"));
    }

    [Fact]
    public async Task Editorconfig_severity_none_silences_the_rule()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            static class Holder
            {
                static SqlConnection Connection;
            }
            """,
            "root = true\n\n[*.cs]\ndotnet_diagnostic.DBC001.severity = none\n");
    }

    [Fact]
    public async Task Pragma_suppresses_the_diagnostic()
    {
        await Verify.VerifyAsync(ReferenceSets.SqlClient, """
            using Microsoft.Data.SqlClient;

            static class Holder
            {
            #pragma warning disable DBC001 // every use is under a lock
                static SqlConnection Connection;
            #pragma warning restore DBC001
            }
            """);
    }
}
