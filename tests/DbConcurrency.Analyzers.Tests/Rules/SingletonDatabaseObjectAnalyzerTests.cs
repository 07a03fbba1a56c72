using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.SingletonDatabaseObjectAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class SingletonDatabaseObjectAnalyzerTests
{
    private const string Usings = """
        global using System;
        global using System.Collections.Generic;
        global using System.Data;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.EntityFrameworkCore;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.DependencyInjection.Extensions;
        global using Microsoft.Extensions.Hosting;
        global using Npgsql;

        public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options) { }

        """;

    private static DiagnosticResult Dbc002(int location, string subject, string objectType, string chain)
        => Verify.Diagnostic("DBC002").WithLocation(location).WithArguments(subject, objectType, chain);

    /// <summary>Runs the rule over <paramref name="source"/> beside a file of global usings and an <c>AppDbContext</c>.</summary>
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new Verify.Test { TestCode = source };
        test.Use(ReferenceSets.AspNetCore8);
        test.TestState.Sources.Add(("Prelude.cs", Usings));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    [Fact]
    public async Task A_message_framework_that_resolves_each_handler_from_a_scope_per_message_is_silent()
    {
        // The shape of in-house message pumps (and of MassTransit, NServiceBus, Hangfire, Quartz): the
        // long-lived worker holds a scope factory, the handler holding the context lives for one message.
        await VerifyAsync("""
            public interface IMessageHandler<in TMessage> { Task HandleAsync(TMessage message, CancellationToken token); }

            public sealed record OrderPlaced(int Id);

            public sealed class OrderPlacedHandler(AppDbContext db) : IMessageHandler<OrderPlaced>
            {
                public Task HandleAsync(OrderPlaced message, CancellationToken token) => db.SaveChangesAsync(token);
            }

            public sealed class QueueWorker<TMessage, THandler>(IServiceScopeFactory scopes) : BackgroundService
                where THandler : IMessageHandler<TMessage>
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                    await handler.HandleAsync(default!, stoppingToken);
                }
            }

            public static class Registration
            {
                public static void Add(IServiceCollection services)
                {
                    services.AddScoped<OrderPlacedHandler>();
                    services.AddHostedService<QueueWorker<OrderPlaced, OrderPlacedHandler>>();
                }
            }
            """);
    }

    [Fact]
    public void Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.SingletonDatabaseObject;
        var message = string.Format(
            System.Globalization.CultureInfo.InvariantCulture,
            descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "Parameter 'lookup' (ICustomerLookup) of singleton 'InvoiceMailer'",
            "CrmContext",
            "InvoiceMailer (singleton) → CustomerLookup (scoped) → CrmContext (DbContext)");
        Assert.Equal(
            "Parameter 'lookup' (ICustomerLookup) of singleton 'InvoiceMailer' keeps one CrmContext for the life of the process, shared by every request and thread: InvoiceMailer (singleton) → CustomerLookup (scoped) → CrmContext (DbContext)",
            message);
        // Reported from the callback of the code it names, so the IDE shows it as the user types and offers its fixes.
        Assert.DoesNotContain(Microsoft.CodeAnalysis.WellKnownDiagnosticTags.CompilationEnd, descriptor.CustomTags);
    }

    [Fact]
    public async Task Captive_DbContext_through_a_scoped_service_names_the_chain_on_the_parameter_and_the_registration()
    {
        await VerifyAsync("""
            public class CrmContext(DbContextOptions<CrmContext> options) : DbContext(options) { }

            public interface ICustomerLookup { }

            public class CustomerLookup(CrmContext crm) : ICustomerLookup { }

            public class InvoiceMailer
            {
                private readonly ICustomerLookup _lookup;

                public InvoiceMailer(ICustomerLookup {|#0:lookup|}) => _lookup = lookup;
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<CrmContext>(o => o.UseSqlite("Data Source=crm.db"));
                    services.AddScoped<ICustomerLookup, CustomerLookup>();
                    services.{|#1:AddSingleton<InvoiceMailer>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'lookup' (ICustomerLookup) of singleton 'InvoiceMailer'", "CrmContext", "InvoiceMailer (singleton) → CustomerLookup (scoped) → CrmContext (DbContext)"),
            Dbc002(1, "This AddSingleton registration", "CrmContext", "InvoiceMailer (singleton) → CustomerLookup (scoped) → CrmContext (DbContext)"));
    }

    [Fact]
    public async Task Chains_through_a_factory_and_an_interface_are_followed_and_unrelated_factories_bind_nothing_reported()
    {
        // The model decides from symbols which classes can lead to a database object before it binds any
        // registration: a factory that resolves a connection still leads on, two services deep.
        await VerifyAsync("""
            public interface IUnitOfWork { }
            public sealed class UnitOfWork(string database) : IUnitOfWork { }
            public interface IAudit { }
            public sealed class Audit(IUnitOfWork work) : IAudit { }
            public sealed class Notifier(IAudit {|#0:audit|}) { }

            public interface IClock { }
            public sealed class SystemClock : IClock { }
            public sealed class Stamp(IClock clock) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddScoped<IUnitOfWork>(sp => new UnitOfWork(sp.GetRequiredService<NpgsqlConnection>().Database));
                    services.AddScoped<IAudit, Audit>();
                    services.{|#1:AddSingleton<Notifier>|}();
                    services.AddSingleton<IClock>(_ => new SystemClock());
                    services.AddSingleton<Stamp>();
                }
            }
            """,
            Dbc002(0, "Parameter 'audit' (IAudit) of singleton 'Notifier'", "NpgsqlConnection", "Notifier (singleton) → Audit (scoped) → UnitOfWork (scoped) → NpgsqlConnection (connection)"),
            Dbc002(1, "This AddSingleton registration", "NpgsqlConnection", "Notifier (singleton) → Audit (scoped) → UnitOfWork (scoped) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task A_factory_registered_for_a_typeof_service_leads_on_and_what_surrounds_factories_does_not()
    {
        // Which registrations can lead on is read from what a factory mentions and the service it is registered as
        // (here a typeof argument), not from the whole call: the `services` and the connection string every call
        // shares, and the context's options lambda, make no other factory's service a candidate.
        await VerifyAsync("""
            public interface IUnitOfWork { }
            public sealed class UnitOfWork(string database) : IUnitOfWork { }
            public sealed class Audit(IUnitOfWork {|#0:work|}) { }
            public sealed class Reports(NpgsqlDataSource source) { }
            public sealed class Dashboard(Reports reports) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, string connectionString)
                {
                    services.AddDbContext<AppDbContext>(o => o.UseSqlite(connectionString));
                    services.AddScoped(typeof(IUnitOfWork), sp => new UnitOfWork(sp.GetRequiredService<NpgsqlConnection>().Database));
                    services.{|#1:AddSingleton<Audit>|}();
                    services.AddSingleton(_ => new Reports(NpgsqlDataSource.Create(connectionString)));
                    services.AddSingleton<Dashboard>();
                }
            }
            """,
            Dbc002(0, "Parameter 'work' (IUnitOfWork) of singleton 'Audit'", "NpgsqlConnection", "Audit (singleton) → UnitOfWork (scoped) → NpgsqlConnection (connection)"),
            Dbc002(1, "This AddSingleton registration", "NpgsqlConnection", "Audit (singleton) → UnitOfWork (scoped) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Chains_through_records_generic_constraints_and_partial_classes_are_followed()
    {
        // The classes that can lead to a database object are found by the names in their declarations: a record's
        // parameters, a constraint, the other part of a partial class all count.
        await VerifyAsync("""
            public sealed record OrderLookup(AppDbContext Db);
            public interface IStore<T> { }
            public sealed class Store<TContext>(TContext db) : IStore<TContext> where TContext : DbContext { }
            public sealed partial class Ledger { }
            public sealed partial class Ledger(NpgsqlConnection connection) { }

            public sealed class Dashboard(OrderLookup {|#0:lookup|}, IStore<AppDbContext> {|#1:store|}, Ledger {|#2:ledger|}) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddScoped<OrderLookup>();
                    services.AddScoped(typeof(IStore<>), typeof(Store<>));
                    services.AddTransient<Ledger>();
                    services.{|#3:AddSingleton<Dashboard>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'lookup' (OrderLookup) of singleton 'Dashboard'", "AppDbContext", "Dashboard (singleton) → OrderLookup (scoped) → AppDbContext (DbContext)"),
            Dbc002(1, "Parameter 'store' (IStore<AppDbContext>) of singleton 'Dashboard'", "TContext", "Dashboard (singleton) → Store<TContext> (scoped) → TContext (DbContext)"),
            Dbc002(2, "Parameter 'ledger' (Ledger) of singleton 'Dashboard'", "NpgsqlConnection", "Dashboard (singleton) → Ledger (transient) → NpgsqlConnection (connection)"),
            Dbc002(3, "This AddSingleton registration", "AppDbContext", "Dashboard (singleton) → OrderLookup (scoped) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task A_singleton_record_is_reported_once_on_its_positional_parameter()
    {
        // A positional parameter declares a property the compiler fills from it, with no code to see: the parameter is
        // the finding, as for a class that assigns its parameter to a property, not the parameter and the property both.
        // The property is the provider the record was given too, so what it resolves is a root-provider resolution.
        await VerifyAsync("""
            public sealed record Reporter(AppDbContext {|#0:Db|}, string Name)
            {
                public Task FlushAsync() => Db.SaveChangesAsync();
            }

            public sealed record Sweeper(IServiceProvider Services, AppDbContext {|#3:Db2|}) : IHostedService
            {
                public AppDbContext Own { get; } = Db2;

                public Task StartAsync(CancellationToken token) => Services.{|#1:GetRequiredService<AppDbContext>|}().Database.EnsureCreatedAsync(token);

                public Task StopAsync(CancellationToken token) => Task.CompletedTask;
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.{|#2:AddSingleton<Reporter>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'Db' (AppDbContext) of singleton 'Reporter'", "AppDbContext", "Reporter (singleton) → AppDbContext (DbContext)"),
            Dbc002(2, "This AddSingleton registration", "AppDbContext", "Reporter (singleton) → AppDbContext (DbContext)"),
            Dbc002(1, "Resolving 'AppDbContext' from the root provider in hosted service 'Sweeper'", "AppDbContext", "Sweeper (hosted service) → AppDbContext (DbContext)"),
            Dbc002(3, "Parameter 'Db2' (AppDbContext) of hosted service 'Sweeper'", "AppDbContext", "Sweeper (hosted service) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Chains_through_arrays_tuples_nullable_and_qualified_type_names_are_followed()
    {
        // Which classes can lead to a database object is read from the type names in their declarations, whatever
        // the shape of the type written there.
        await VerifyAsync("""
            public sealed class Pool { private readonly NpgsqlConnection[] _connections = { new("Host=a") }; }
            public sealed class Pair { private readonly (Npgsql.NpgsqlConnection Connection, int Id) _pair = (new("Host=a"), 1); }
            public sealed class Maybe(global::Npgsql.NpgsqlConnection? connection) { }
            public sealed class Plain(string name) { }

            public sealed class Dashboard(Pool {|#0:pool|}, Pair {|#1:pair|}, Maybe {|#2:maybe|}, Plain plain) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddTransient<Pool>();
                    services.AddTransient<Pair>();
                    services.AddScoped<Maybe>();
                    services.AddScoped<Plain>();
                    services.{|#3:AddSingleton<Dashboard>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'pool' (Pool) of singleton 'Dashboard'", "NpgsqlConnection", "Dashboard (singleton) → Pool (transient) → NpgsqlConnection (connection)"),
            Dbc002(1, "Parameter 'pair' (Pair) of singleton 'Dashboard'", "NpgsqlConnection", "Dashboard (singleton) → Pair (transient) → NpgsqlConnection (connection)"),
            Dbc002(2, "Parameter 'maybe' (Maybe) of singleton 'Dashboard'", "NpgsqlConnection", "Dashboard (singleton) → Maybe (scoped) → NpgsqlConnection (connection)"),
            Dbc002(3, "This AddSingleton registration", "NpgsqlConnection", "Dashboard (singleton) → Pool (transient) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Chains_through_using_aliases_global_or_not_are_followed()
    {
        // Names no database type by itself: only the aliases say what Db and Store are.
        var test = new Verify.Test
        {
            TestCode = """
                using Store = Shop.OrderStore;

                namespace Shop
                {
                    using Pool = Npgsql.NpgsqlDataSource;

                    public sealed class OrderStore(Db db) { }
                    public sealed class Cache { private readonly Db {|#0:_db|} = new("Host=a"); }
                    public sealed class Reports(Store {|#1:store|}) { }
                    public sealed class Health(Pool pool) { }

                    public static class Startup
                    {
                        public static void Configure(IServiceCollection services)
                        {
                            services.AddScoped<OrderStore>();
                            services.{|#2:AddSingleton<Cache>|}();
                            services.{|#3:AddSingleton<Reports>|}();
                            services.AddSingleton<Health>();
                        }
                    }
                }
                """,
        };
        test.Use(ReferenceSets.AspNetCore8);
        test.TestState.Sources.Add(("Prelude.cs", Usings));
        test.TestState.Sources.Add(("Aliases.cs", "global using Db = Npgsql.NpgsqlConnection;\n"));
        test.ExpectedDiagnostics.Add(Dbc002(0, "Field '_db' (NpgsqlConnection) of singleton 'Cache'", "NpgsqlConnection", "Cache (singleton) → NpgsqlConnection (connection)"));
        test.ExpectedDiagnostics.Add(Dbc002(1, "Parameter 'store' (OrderStore) of singleton 'Reports'", "NpgsqlConnection", "Reports (singleton) → OrderStore (scoped) → NpgsqlConnection (connection)"));
        test.ExpectedDiagnostics.Add(Dbc002(2, "This AddSingleton registration", "NpgsqlConnection", "Cache (singleton) → NpgsqlConnection (connection)"));
        test.ExpectedDiagnostics.Add(Dbc002(3, "This AddSingleton registration", "NpgsqlConnection", "Reports (singleton) → OrderStore (scoped) → NpgsqlConnection (connection)"));
        await test.RunAsync();
    }

    [Fact]
    public async Task BackgroundService_taking_a_DbContext_is_reported_without_any_registration()
    {
        await VerifyAsync("""
            public class ReportWorker : BackgroundService
            {
                private readonly AppDbContext _db;

                public ReportWorker(AppDbContext {|#0:db|}) => _db = db;

                protected override Task ExecuteAsync(CancellationToken stoppingToken) => _db.Database.EnsureCreatedAsync(stoppingToken);
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of hosted service 'ReportWorker'", "AppDbContext", "ReportWorker (hosted service) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Hosted_service_registration_is_reported_too()
    {
        await VerifyAsync("""
            public class ReportWorker(AppDbContext {|#0:db|}) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => db.Database.EnsureCreatedAsync(stoppingToken);
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.{|#1:AddHostedService<ReportWorker>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of hosted service 'ReportWorker'", "AppDbContext", "ReportWorker (hosted service) → AppDbContext (DbContext)"),
            Dbc002(1, "This AddHostedService registration", "AppDbContext", "ReportWorker (hosted service) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Indirect_BackgroundService_and_plain_IHostedService_are_hosted_services()
    {
        await VerifyAsync("""
            public abstract class PollingWorker : BackgroundService
            {
                protected PollingWorker(AppDbContext db) { }
            }

            public sealed class OrderPoller(AppDbContext {|#0:db|}) : PollingWorker(db)
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }

            public sealed class Warmup(NpgsqlConnection {|#1:connection|}) : IHostedService
            {
                public Task StartAsync(CancellationToken cancellationToken) => connection.OpenAsync(cancellationToken);
                public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of hosted service 'OrderPoller'", "AppDbContext", "OrderPoller (hosted service) → AppDbContext (DbContext)"),
            Dbc002(1, "Parameter 'connection' (NpgsqlConnection) of hosted service 'Warmup'", "NpgsqlConnection", "Warmup (hosted service) → NpgsqlConnection (connection)"));
    }

    [Theory]
    [InlineData("services.{|#0:AddSingleton<IMailer, Mailer>|}();", "AddSingleton")]
    [InlineData("services.{|#0:AddSingleton|}(typeof(IMailer), typeof(Mailer));", "AddSingleton")]
    [InlineData("services.{|#0:AddSingleton<IMailer>|}(sp => new Mailer(sp.GetRequiredService<AppDbContext>()));", "AddSingleton")]
    [InlineData("services.{|#0:AddSingleton<IMailer>|}(sp => ActivatorUtilities.CreateInstance<Mailer>(sp));", "AddSingleton")]
    [InlineData("services.{|#0:TryAddSingleton<IMailer, Mailer>|}();", "TryAddSingleton")]
    [InlineData("services.{|#0:TryAddSingleton|}(typeof(IMailer), typeof(Mailer));", "TryAddSingleton")]
    [InlineData("services.{|#0:AddKeyedSingleton<IMailer, Mailer>|}(\"invoices\");", "AddKeyedSingleton")]
    [InlineData("services.TryAddEnumerable(ServiceDescriptor.{|#0:Singleton<IMailer, Mailer>|}());", "ServiceDescriptor.Singleton")]
    [InlineData("services.Add(ServiceDescriptor.{|#0:Describe|}(typeof(IMailer), typeof(Mailer), ServiceLifetime.Singleton));", "ServiceDescriptor.Describe")]
    [InlineData("services.Add({|#0:new ServiceDescriptor(typeof(IMailer), typeof(Mailer), ServiceLifetime.Singleton)|});", "ServiceDescriptor")]
    public async Task Every_singleton_registration_form_makes_its_implementation_a_singleton(string registration, string method)
    {
        await VerifyAsync($$"""
            public interface IMailer { }

            public class Mailer(AppDbContext {|#1:db|}) : IMailer { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    {{registration}}
                }
            }
            """,
            Dbc002(0, $"This {method} registration", "AppDbContext", "Mailer (singleton) → AppDbContext (DbContext)"),
            Dbc002(1, "Parameter 'db' (AppDbContext) of singleton 'Mailer'", "AppDbContext", "Mailer (singleton) → AppDbContext (DbContext)"));
    }

    // A delegate a singleton factory hands out runs per call: what it resolves is kept only when its provider outlives the call.
    [Theory]
    [InlineData("sp => () => sp.GetRequiredService<AppDbContext>()")]
    [InlineData("sp => () => (AppDbContext)sp.GetService(typeof(AppDbContext))!")]
    [InlineData("sp => { var scope = sp.CreateScope(); return () => scope.ServiceProvider.GetRequiredService<AppDbContext>(); }")]
    [InlineData("sp => { var db = sp.CreateScope().ServiceProvider.GetRequiredService<AppDbContext>(); return () => db; }")]
    public async Task A_singleton_factory_whose_delegate_resolves_from_a_provider_that_outlives_the_call_is_reported(string factory)
    {
        await VerifyAsync($$"""
            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.{|#0:AddSingleton<Func<AppDbContext>>|}({{factory}});
                }
            }
            """,
            Dbc002(0, "This AddSingleton registration", "AppDbContext", "Func<AppDbContext> (singleton) → AppDbContext (DbContext)"));
    }

    [Theory]
    [InlineData("sp => () => sp.CreateScope().ServiceProvider.GetRequiredService<AppDbContext>()")]
    [InlineData("sp => () => { var scope = sp.CreateScope(); return scope.ServiceProvider.GetRequiredService<AppDbContext>(); }")]
    [InlineData("sp => () => sp.CreateAsyncScope().ServiceProvider.GetRequiredService<AppDbContext>()")]
    [InlineData("_ => () => new AppDbContext(new DbContextOptions<AppDbContext>())")]
    [InlineData("_ => () => { var db = new AppDbContext(new DbContextOptions<AppDbContext>()); return db; }")]
    [InlineData("sp => { AppDbContext Make() { var scope = sp.CreateScope(); return scope.ServiceProvider.GetRequiredService<AppDbContext>(); } return Make; }")]
    public async Task A_singleton_factory_whose_delegate_makes_a_scope_per_call_is_not_reported(string factory)
    {
        await VerifyAsync($$"""
            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddSingleton<Func<AppDbContext>>({{factory}});
                }
            }
            """);
    }

    [Theory]
    [InlineData("services.{|#0:AddSingleton|}(new NpgsqlConnection(ConnectionString));", "NpgsqlConnection (singleton connection)")]
    [InlineData("services.{|#0:AddSingleton<IDbConnection>|}(_ => new NpgsqlConnection(ConnectionString));", "IDbConnection (singleton) → NpgsqlConnection (connection)")]
    [InlineData("services.{|#0:AddSingleton<NpgsqlConnection>|}();", "NpgsqlConnection (singleton connection)")]
    [InlineData("services.{|#0:TryAddSingleton<IDbConnection, NpgsqlConnection>|}();", "IDbConnection (singleton) → NpgsqlConnection (connection)")]
    [InlineData("services.Add(ServiceDescriptor.{|#0:Singleton<IDbConnection>|}(_ => new NpgsqlConnection(ConnectionString)));", "IDbConnection (singleton) → NpgsqlConnection (connection)")]
    [InlineData("services.Add({|#0:new ServiceDescriptor(typeof(NpgsqlConnection), new NpgsqlConnection(ConnectionString))|});", "NpgsqlConnection (singleton connection)")]
    public async Task Database_object_registered_as_a_singleton_itself_is_reported_on_the_registration(string registration, string chain)
    {
        var method = registration.Contains("ServiceDescriptor.", StringComparison.Ordinal) ? "ServiceDescriptor.Singleton"
            : registration.Contains("new ServiceDescriptor", StringComparison.Ordinal) ? "ServiceDescriptor"
            : registration.Contains("TryAdd", StringComparison.Ordinal) ? "TryAddSingleton"
            : "AddSingleton";
        var objectType = chain.Contains("IDbConnection", StringComparison.Ordinal) && !chain.Contains("Npgsql", StringComparison.Ordinal) ? "IDbConnection" : "NpgsqlConnection";
        await VerifyAsync($$"""
            public static class Startup
            {
                private const string ConnectionString = "Host=localhost";

                public static void Configure(IServiceCollection services)
                {
                    {{registration}}
                }
            }
            """,
            Dbc002(0, $"This {method} registration", objectType, chain));
    }

    [Theory]
    [InlineData("services.{|#0:AddDbContext<AppDbContext>|}(o => o.UseSqlite(\"Data Source=app.db\"), ServiceLifetime.Singleton);")]
    [InlineData("services.{|#0:AddDbContext<AppDbContext>|}(o => o.UseSqlite(\"Data Source=app.db\"), contextLifetime: ServiceLifetime.Singleton);")]
    [InlineData("services.{|#0:AddDbContext<AppDbContext>|}(ServiceLifetime.Singleton);")]
    public async Task DbContext_registered_with_a_singleton_lifetime_is_reported(string registration)
    {
        await VerifyAsync($$"""
            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    {{registration}}
                }
            }
            """,
            Dbc002(0, "This AddDbContext registration", "AppDbContext", "AppDbContext (singleton DbContext)"));
    }

    [Fact]
    public async Task Conventional_middleware_constructor_dependencies_are_singletons()
    {
        await VerifyAsync("""
            public sealed class AuditMiddleware
            {
                private readonly RequestDelegate _next;
                private readonly AppDbContext _db;

                public AuditMiddleware(RequestDelegate next, AppDbContext {|#0:db|})
                {
                    _next = next;
                    _db = db;
                }

                public async Task InvokeAsync(HttpContext context)
                {
                    await _db.SaveChangesAsync();
                    await _next(context);
                }
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of middleware 'AuditMiddleware'", "AppDbContext", "AuditMiddleware (middleware) → AppDbContext (DbContext)"));
    }

    // Middleware is first told from its constructors' syntax: each way of spelling the next delegate must still count.
    [Theory]
    [InlineData("", "public sealed class AuditMiddleware(RequestDelegate next, AppDbContext {|#0:db|})")]
    [InlineData("", "public sealed class AuditMiddleware(Microsoft.AspNetCore.Http.RequestDelegate next, AppDbContext {|#0:db|})")]
    [InlineData("using Next = Microsoft.AspNetCore.Http.RequestDelegate;", "public sealed class AuditMiddleware(Next next, AppDbContext {|#0:db|})")]
    [InlineData("namespace Shop;", "using Next = Microsoft.AspNetCore.Http.RequestDelegate; public sealed class AuditMiddleware(Next next, AppDbContext {|#0:db|})")]
    public async Task Conventional_middleware_is_recognised_however_its_constructor_names_the_next_delegate(string alias, string declaration)
    {
        await VerifyAsync($$"""
            {{alias}}
            {{declaration}}
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    await db.SaveChangesAsync();
                    await next(context);
                }
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of middleware 'AuditMiddleware'", "AppDbContext", "AuditMiddleware (middleware) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task A_static_instance_of_itself_declared_in_another_part_of_a_partial_class_makes_it_a_singleton()
    {
        await VerifyAsync("""
            public sealed partial class Database
            {
                private readonly NpgsqlConnection {|#0:_connection|} = new NpgsqlConnection("Host=localhost");

                public int Count() => _connection.State == ConnectionState.Open ? 1 : 0;
            }

            public sealed partial class Database
            {
                public static Database Instance { get; } = new Database();
            }
            """,
            Dbc002(0, "Field '_connection' (NpgsqlConnection) of singleton 'Database'", "NpgsqlConnection", "Database (singleton) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Classic_singleton_pattern_reports_the_field_it_creates()
    {
        await VerifyAsync("""
            public sealed class Database
            {
                public static readonly Database Instance = new Database();

                private readonly NpgsqlConnection {|#0:_connection|} = new NpgsqlConnection("Host=localhost");

                private Database() { }

                public int Count() => _connection.State == ConnectionState.Open ? 1 : 0;
            }

            public sealed class LazyDatabase
            {
                private static readonly Lazy<LazyDatabase> Lazy = new(() => new LazyDatabase());

                public static LazyDatabase Current => Lazy.Value;

                public AppDbContext {|#1:Context|} { get; } = new AppDbContext(new DbContextOptions<AppDbContext>());
            }
            """,
            Dbc002(0, "Field '_connection' (NpgsqlConnection) of singleton 'Database'", "NpgsqlConnection", "Database (singleton) → NpgsqlConnection (connection)"),
            Dbc002(1, "Property 'Context' (AppDbContext) of singleton 'LazyDatabase'", "AppDbContext", "LazyDatabase (singleton) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Registered_singleton_that_creates_its_own_connection_is_reported_on_the_field_and_registration()
    {
        await VerifyAsync("""
            public sealed class ReportCache
            {
                private readonly NpgsqlConnection {|#0:_connection|} = new("Host=localhost");
                private readonly List<NpgsqlCommand> {|#1:_commands|} = new();
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.{|#2:AddSingleton<ReportCache>|}();
            }
            """,
            Dbc002(0, "Field '_connection' (NpgsqlConnection) of singleton 'ReportCache'", "NpgsqlConnection", "ReportCache (singleton) → NpgsqlConnection (connection)"),
            Dbc002(1, "Field '_commands' (List<NpgsqlCommand>) of singleton 'ReportCache'", "NpgsqlCommand", "ReportCache (singleton) → NpgsqlCommand (command)"),
            Dbc002(2, "This AddSingleton registration", "NpgsqlConnection", "ReportCache (singleton) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Chains_through_transient_services_open_generics_and_IEnumerable_several_levels_deep()
    {
        await VerifyAsync("""
            public interface IRepository<T> { }
            public class Repository<T>(AppDbContext db) : IRepository<T> { }

            public interface IPricing { }
            public class Pricing(IRepository<string> prices) : IPricing { }

            public interface IRule { }
            public class DiscountRule(IPricing pricing) : IRule { }

            public class Checkout(IEnumerable<IRule> {|#0:rules|}) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddScoped(typeof(IRepository<>), typeof(Repository<>));
                    services.AddTransient<IPricing, Pricing>();
                    services.AddScoped<IRule, DiscountRule>();
                    services.{|#1:AddSingleton<Checkout>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'rules' (IEnumerable<IRule>) of singleton 'Checkout'", "AppDbContext", "Checkout (singleton) → DiscountRule (scoped) → Pricing (transient) → Repository<T> (scoped) → AppDbContext (DbContext)"),
            Dbc002(1, "This AddSingleton registration", "AppDbContext", "Checkout (singleton) → DiscountRule (scoped) → Pricing (transient) → Repository<T> (scoped) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Singleton_depending_on_another_singleton_reports_only_the_one_that_holds_the_object()
    {
        await VerifyAsync("""
            public class Inner(AppDbContext {|#0:db|}) { }
            public class Outer(Inner inner) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.{|#1:AddSingleton<Inner>|}();
                    services.AddSingleton<Outer>();
                }
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of singleton 'Inner'", "AppDbContext", "Inner (singleton) → AppDbContext (DbContext)"),
            Dbc002(1, "This AddSingleton registration", "AppDbContext", "Inner (singleton) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Singletons_holding_thread_safe_factories_and_settings_are_not_reported()
    {
        await VerifyAsync("""
            public class Safe(
                IDbContextFactory<AppDbContext> contexts,
                NpgsqlDataSource dataSource,
                IServiceScopeFactory scopes,
                IServiceProvider provider,
                DbContextOptions<AppDbContext> options,
                Microsoft.Extensions.Options.IOptions<object> settings,
                Func<AppDbContext> createContext,
                string connectionString)
            {
                private readonly ThreadLocal<NpgsqlConnection> _perThread = new(() => new NpgsqlConnection("Host=localhost"));
            }

            public class Worker(IServiceScopeFactory scopes) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        using var scope = scopes.CreateScope();
                        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                        await db.SaveChangesAsync(stoppingToken);
                    }
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContextFactory<AppDbContext>();
                    services.AddSingleton(NpgsqlDataSource.Create("Host=localhost"));
                    services.AddSingleton<Safe>();
                    services.AddHostedService<Worker>();
                }
            }
            """);
    }

    [Fact]
    public async Task Scoped_and_transient_registrations_and_default_DbContext_lifetimes_are_not_reported()
    {
        await VerifyAsync("""
            public interface IOrders { }
            public class Orders(AppDbContext db) : IOrders { }
            public class Invoices(AppDbContext db) { }
            public class Reports(NpgsqlConnection connection) { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, ServiceLifetime configured)
                {
                    services.AddDbContext<AppDbContext>(o => o.UseSqlite("Data Source=app.db"));
                    services.AddDbContextPool<AppDbContext>(o => o.UseSqlite("Data Source=app.db"));
                    services.AddDbContext<AppDbContext>(o => o.UseSqlite("Data Source=app.db"), configured);
                    services.AddScoped<IOrders, Orders>();
                    services.TryAddTransient<Invoices>();
                    services.AddScoped(_ => new NpgsqlConnection("Host=localhost"));
                    services.AddTransient<Reports>();
                    services.Add(ServiceDescriptor.Scoped<IOrders, Orders>());
                    services.Add(new ServiceDescriptor(typeof(Invoices), typeof(Invoices), ServiceLifetime.Transient));
                }
            }
            """);
    }

    [Fact]
    public async Task Controllers_handlers_and_per_request_middleware_are_not_reported()
    {
        await VerifyAsync("""
            public sealed class TenantMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context, AppDbContext db)
                {
                    await db.SaveChangesAsync();
                    await next(context);
                }
            }

            public sealed class FactoryMiddleware(AppDbContext db) : IMiddleware
            {
                public Task InvokeAsync(HttpContext context, RequestDelegate next) => next(context);
            }

            public sealed class OrdersController(AppDbContext db)
            {
                public int Count() => 0;
            }

            public sealed class Handlers
            {
                public static Task<int> Save(AppDbContext db) => db.SaveChangesAsync();
            }
            """);
    }

    [Fact]
    public async Task Singleton_whose_every_use_of_its_connection_holds_one_lock_is_not_reported()
    {
        await VerifyAsync("""
            public sealed class Sequence
            {
                private readonly object _gate = new();
                private readonly NpgsqlConnection _connection;

                public Sequence(NpgsqlConnection connection) => _connection = connection;

                public long Next()
                {
                    lock (_gate)
                    {
                        using var command = _connection.CreateCommand();
                        command.CommandText = "select nextval('ids')";
                        return (long)command.ExecuteScalar()!;
                    }
                }
            }

            public sealed class Counter
            {
                private readonly SemaphoreSlim _gate = new(1, 1);
                private readonly NpgsqlConnection _connection = new("Host=localhost");

                public async Task Bump()
                {
                    await _gate.WaitAsync();
                    try
                    {
                        await _connection.OpenAsync();
                    }
                    finally
                    {
                        _gate.Release();
                    }
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddSingleton<Sequence>();
                    services.AddSingleton<Counter>();
                }
            }
            """);
    }

    [Fact]
    public async Task A_primary_constructor_parameter_every_use_of_which_holds_one_guard_is_shared_under_it()
    {
        await VerifyAsync("""
            public sealed class Sequence(NpgsqlConnection connection)
            {
                private readonly object _gate = new();

                public void Open()
                {
                    lock (_gate) connection.Open();
                }

                public void Close()
                {
                    lock (_gate) connection.Close();
                }
            }

            public sealed class LooseSequence(NpgsqlConnection {|#0:connection|})
            {
                private readonly object _gate = new();

                public void Open()
                {
                    lock (_gate) connection.Open();
                }

                public void Close() => connection.Close();
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddSingleton<Sequence>();
                    services.{|#1:AddSingleton<LooseSequence>|}();
                }
            }
            """,
            Dbc002(0, "Parameter 'connection' (NpgsqlConnection) of singleton 'LooseSequence'", "NpgsqlConnection", "LooseSequence (singleton) → NpgsqlConnection (connection)"),
            Dbc002(1, "This AddSingleton registration", "NpgsqlConnection", "LooseSequence (singleton) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Singleton_with_one_unguarded_use_is_reported()
    {
        await VerifyAsync("""
            public sealed class Sequence
            {
                private readonly object _gate = new();
                private readonly NpgsqlConnection _connection;

                public Sequence(NpgsqlConnection {|#0:connection|}) => _connection = connection;

                public void Open()
                {
                    lock (_gate)
                    {
                        _connection.Open();
                    }
                }

                public void Close() => _connection.Close();
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.{|#1:AddSingleton<Sequence>|}();
            }
            """,
            Dbc002(0, "Parameter 'connection' (NpgsqlConnection) of singleton 'Sequence'", "NpgsqlConnection", "Sequence (singleton) → NpgsqlConnection (connection)"),
            Dbc002(1, "This AddSingleton registration", "NpgsqlConnection", "Sequence (singleton) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Injected_field_is_reported_once_on_the_parameter_not_again_on_the_field()
    {
        await VerifyAsync("""
            public sealed class Worker : BackgroundService
            {
                private readonly AppDbContext _db;
                private readonly NpgsqlConnection _connection;

                public Worker(AppDbContext {|#0:db|}, NpgsqlConnection {|#1:connection|})
                {
                    _db = db ?? throw new ArgumentNullException(nameof(db));
                    this._connection = connection;
                }

                protected override Task ExecuteAsync(CancellationToken stoppingToken) => _db.SaveChangesAsync(stoppingToken);
            }
            """,
            Dbc002(0, "Parameter 'db' (AppDbContext) of hosted service 'Worker'", "AppDbContext", "Worker (hosted service) → AppDbContext (DbContext)"),
            Dbc002(1, "Parameter 'connection' (NpgsqlConnection) of hosted service 'Worker'", "NpgsqlConnection", "Worker (hosted service) → NpgsqlConnection (connection)"));
    }

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    public async Task Singleton_DbContext_registration_is_reported_on_every_EF_Core_version(string library)
    {
        await Verify.VerifyAsync(ReferenceSets.ByName(library), """
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.DependencyInjection;

            public class ShopContext : DbContext { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                    => services.{|#0:AddDbContext<ShopContext>|}(o => o.UseSqlite("Data Source=shop.db"), ServiceLifetime.Singleton);
            }
            """,
            Dbc002(0, "This AddDbContext registration", "ShopContext", "ShopContext (singleton DbContext)"));
    }

    [Fact]
    public async Task Hosted_service_loop_owning_its_own_connection_is_not_reported_unless_also_a_singleton_others_resolve()
    {
        await VerifyAsync("""
            public sealed class Listener : BackgroundService
            {
                private NpgsqlConnection? _connection;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    _connection = new NpgsqlConnection("Host=localhost");
                    await _connection.OpenAsync(stoppingToken);
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await _connection.WaitAsync(stoppingToken);
                    }
                }
            }

            public sealed class Queue : BackgroundService
            {
                private readonly NpgsqlConnection {|#0:_connection|} = new("Host=localhost");

                public Task Enqueue(string item) => _connection.OpenAsync();

                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddHostedService<Listener>();
                    services.{|#1:AddSingleton<Queue>|}();
                    services.AddHostedService(sp => sp.GetRequiredService<Queue>());
                }
            }
            """,
            Dbc002(0, "Field '_connection' (NpgsqlConnection) of hosted service 'Queue'", "NpgsqlConnection", "Queue (hosted service) → NpgsqlConnection (connection)"),
            Dbc002(1, "This AddSingleton registration", "NpgsqlConnection", "Queue (singleton) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task A_database_type_is_never_a_singleton_holder_itself()
    {
        await VerifyAsync("""
            public class ShopContext : DbContext
            {
                public static readonly ShopContext Shared = new ShopContext();

                public DbSet<Order> Orders { get; set; }
            }

            public class Order
            {
                public int Id { get; set; }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.{|#0:AddSingleton<ShopContext>|}();
            }
            """,
            Dbc002(0, "This AddSingleton registration", "ShopContext", "ShopContext (singleton DbContext)"));
    }

    [Fact]
    public async Task Open_generic_singleton_partial_class_and_this_qualified_field_are_reported()
    {
        await VerifyAsync("""
            public interface ICache<T> { }

            public partial class Cache<T> : ICache<T>
            {
                private readonly NpgsqlConnection {|#0:_connection|} = new("Host=localhost");
            }

            public partial class Cache<T>
            {
                public void Warm() => this._connection.Open();
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.{|#1:AddSingleton|}(typeof(ICache<>), typeof(Cache<>));
            }
            """,
            Dbc002(0, "Field '_connection' (NpgsqlConnection) of singleton 'Cache'", "NpgsqlConnection", "Cache<T> (singleton) → NpgsqlConnection (connection)"),
            Dbc002(1, "This AddSingleton registration", "NpgsqlConnection", "Cache<T> (singleton) → NpgsqlConnection (connection)"));
    }

    [Fact]
    public async Task Registrations_in_top_level_statements_are_read()
    {
        var test = new Verify.Test
        {
            TestCode = """
                var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(args);
                builder.Services.AddDbContext<AppDbContext>();
                builder.Services.AddScoped<IOrders, Orders>();
                builder.Services.{|#0:AddSingleton<Dashboard>|}();

                public interface IOrders { }
                public class Orders(AppDbContext db) : IOrders { }
                public class Dashboard(IOrders {|#1:orders|}) { }
                """,
        };
        test.Use(ReferenceSets.AspNetCore8);
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.TestState.Sources.Add(("Prelude.cs", Usings));
        test.ExpectedDiagnostics.Add(Dbc002(0, "This AddSingleton registration", "AppDbContext", "Dashboard (singleton) → Orders (scoped) → AppDbContext (DbContext)"));
        test.ExpectedDiagnostics.Add(Dbc002(1, "Parameter 'orders' (IOrders) of singleton 'Dashboard'", "AppDbContext", "Dashboard (singleton) → Orders (scoped) → AppDbContext (DbContext)"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Library_absent_reports_nothing_and_does_not_throw()
    {
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            public class Worker : {|CS0246:BackgroundService|}
            {
                public Worker({|CS0246:DbContext|} db) { }
            }

            public static class Startup
            {
                public static void Configure({|CS0246:IServiceCollection|} services) => services.AddSingleton<Worker>();
            }
            """);
    }

    [Theory]
    [InlineData("public class W(AppDbContext db) : BackgroundService {")]
    [InlineData("public class W(AppDbContext db) : BackgroundService { protected override Task ExecuteAsync(")]
    [InlineData("public static class S { static void C(IServiceCollection s) => s.AddSingleton<")]
    [InlineData("public static class S { static void C(IServiceCollection s) => s.AddSingleton(typeof(")]
    [InlineData("public static class S { static void C(IServiceCollection s) => s.AddSingleton<W>(sp => new ")]
    [InlineData("public static class S { static void C(IServiceCollection s) => s.AddDbContext<AppDbContext>(o => o.UseSqlite(\"\"), ServiceLifetime.")]
    [InlineData("public static class S { static void C(IServiceCollection s) => s.Add(new ServiceDescriptor(typeof(AppDbContext), ")]
    [InlineData("public class M(RequestDelegate next, AppDbContext db) { public Task InvokeAsync(HttpContext")]
    [InlineData("public class Single { static Single Instance = new(); Unknown<AppDbContext> _db; }")]
    [InlineData("public class Loop(Loop other) { } public static class S { static void C(IServiceCollection s) { s.AddScoped<Loop>(); s.AddSingleton<Loop>(); } }")]
    public async Task Incomplete_code_as_typed_in_the_IDE_does_not_throw(string code)
    {
        var exceptions = await AnalyzerRun.ExceptionsAsync(new Analyzers.Rules.SingletonDatabaseObjectAnalyzer(), ReferenceSets.AspNetCore8, Usings, code);
        Assert.Empty(exceptions);
    }

    [Fact]
    public async Task Generated_code_is_not_reported()
    {
        await VerifyAsync("""
            // <auto-generated/>
            public class Worker(AppDbContext db) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }
            """);
    }

    [Fact]
    public async Task A_service_resolved_in_a_method_from_the_provider_a_long_lived_type_was_given_is_reported_at_the_call()
    {
        await VerifyAsync("""
            public interface IInvoiceStore { Task<int> CountAsync(); }

            public class EfInvoiceStore(AppDbContext db) : IInvoiceStore
            {
                public Task<int> CountAsync() => db.Database.ExecuteSqlRawAsync("select 1");
            }

            public class Poller(IServiceProvider services) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var db = services.{|#0:GetRequiredService<AppDbContext>|}();
                        await db.Database.EnsureCreatedAsync(stoppingToken);
                    }
                }
            }

            public class Reports
            {
                private readonly IServiceProvider _provider;

                public Reports(IServiceProvider provider) => _provider = provider;

                private AppDbContext Db => this._provider.{|#1:GetRequiredService<AppDbContext>|}();

                public bool Exists() => Db.Database.CanConnect();

                public bool ExistsToo() => ((AppDbContext)_provider.{|#2:GetService|}(typeof(AppDbContext))!).Database.CanConnect();

                public Task<int> CountAsync() => _provider.{|#3:GetRequiredService<IInvoiceStore>|}().CountAsync();
            }

            public class TenantMiddleware
            {
                private readonly RequestDelegate _next;

                private IServiceProvider Services { get; }

                public TenantMiddleware(RequestDelegate next, IServiceProvider services)
                {
                    _next = next;
                    Services = services;
                }

                public async Task InvokeAsync(HttpContext context)
                {
                    await Services.{|#4:GetRequiredKeyedService<AppDbContext>|}("tenants").Database.EnsureCreatedAsync();
                    await _next(context);
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddScoped<IInvoiceStore, EfInvoiceStore>();
                    services.AddHostedService<Poller>();
                    services.AddSingleton<Reports>();
                }
            }
            """,
            Dbc002(0, "Resolving 'AppDbContext' from the root provider in hosted service 'Poller'", "AppDbContext", "Poller (hosted service) → AppDbContext (DbContext)"),
            Dbc002(1, "Resolving 'AppDbContext' from the root provider in singleton 'Reports'", "AppDbContext", "Reports (singleton) → AppDbContext (DbContext)"),
            Dbc002(2, "Resolving 'AppDbContext' from the root provider in singleton 'Reports'", "AppDbContext", "Reports (singleton) → AppDbContext (DbContext)"),
            Dbc002(3, "Resolving 'IInvoiceStore' from the root provider in singleton 'Reports'", "AppDbContext", "Reports (singleton) → EfInvoiceStore (scoped) → AppDbContext (DbContext)"),
            Dbc002(4, "Resolving 'AppDbContext' from the root provider in middleware 'TenantMiddleware'", "AppDbContext", "TenantMiddleware (middleware) → AppDbContext (DbContext)"));
    }

    [Fact]
    public async Task Resolving_from_a_scope_the_request_a_scoped_type_or_a_transient_registration_is_silent()
    {
        await VerifyAsync("""
            public class ReportContext(DbContextOptions<ReportContext> options) : DbContext(options) { }

            public class Cache(AppDbContext {|#1:db|}) { }

            public class Worker(IServiceProvider services, IServiceScopeFactory scopes) : BackgroundService
            {
                private readonly IServiceProvider _scoped = scopes.CreateScope().ServiceProvider;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    using (var scope = services.CreateScope())
                    {
                        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.EnsureCreatedAsync(stoppingToken);
                    }

                    await using var asyncScope = scopes.CreateAsyncScope();
                    await asyncScope.ServiceProvider.GetRequiredService<AppDbContext>().Database.EnsureCreatedAsync(stoppingToken);

                    // Transient: a new one for each call. A factory is thread-safe. A singleton is reported where it is registered.
                    services.GetRequiredService<ReportContext>().Dispose();
                    var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
                    _ = services.GetRequiredService<Cache>();

                    // Not a connection anyone registered: nothing says which lifetime it has.
                    services.GetService<NpgsqlConnection>()?.Dispose();

                    // Not the provider the constructor was given.
                    _scoped.GetRequiredService<AppDbContext>().Dispose();
                    Use(services);
                }

                private static void Use(IServiceProvider provider) => provider.GetRequiredService<AppDbContext>().Dispose();
            }

            public class Warmup
            {
                public Warmup(IServiceProvider services)
                {
                    // Used once while the singleton is built, not kept.
                    services.GetRequiredService<AppDbContext>().Database.EnsureCreated();
                }
            }

            public class RequestMiddleware(RequestDelegate next)
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    await context.RequestServices.GetRequiredService<AppDbContext>().Database.EnsureCreatedAsync();
                    await next(context);
                }
            }

            public class ScopedReports(IServiceProvider services)
            {
                public bool Exists() => services.GetRequiredService<AppDbContext>().Database.CanConnect();
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddDbContextFactory<AppDbContext>(lifetime: ServiceLifetime.Scoped);
                    services.AddDbContext<ReportContext>(o => { }, ServiceLifetime.Transient);
                    services.{|#0:AddSingleton<Cache>|}();
                    services.AddHostedService<Worker>();
                    services.AddSingleton<Warmup>();
                    services.AddScoped<ScopedReports>();
                }
            }
            """,
            Dbc002(0, "This AddSingleton registration", "AppDbContext", "Cache (singleton) → AppDbContext (DbContext)"),
            Dbc002(1, "Parameter 'db' (AppDbContext) of singleton 'Cache'", "AppDbContext", "Cache (singleton) → AppDbContext (DbContext)"));
    }
}
