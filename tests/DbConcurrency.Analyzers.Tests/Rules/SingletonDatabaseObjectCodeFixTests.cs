using DbConcurrency.Analyzers.Tests.Verifiers;
using DbConcurrency.CodeFixes.Rules;
using Microsoft.CodeAnalysis.Testing;
using Fix = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<DbConcurrency.Analyzers.Rules.SingletonDatabaseObjectAnalyzer, DbConcurrency.CodeFixes.Rules.SingletonDatabaseObjectCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class SingletonDatabaseObjectCodeFixTests
{
    private const string Prelude = """
        global using System;
        global using System.Collections.Generic;
        global using System.Data;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.EntityFrameworkCore;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.DependencyInjection.Extensions;
        global using Microsoft.Extensions.Hosting;
        global using Npgsql;

        public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
        {
            public DbSet<Job> Jobs => Set<Job>();
        }

        public class Job
        {
            public int Id { get; set; }
            public bool Done { get; set; }
        }

        """;

    /// <summary>
    /// Applies the fix with <paramref name="key"/> one diagnostic at a time and through Fix All; the result must
    /// compile against ASP.NET Core, EF Core and Npgsql and leave the diagnostics in <paramref name="remaining"/>.
    /// </summary>
    private static Task VerifyFixAsync(string key, string source, string fixedSource, params DiagnosticResult[] remaining)
    {
        var test = new Fix.Test(ReferenceSets.AspNetCore8)
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = key,
        };
        test.TestState.Sources.Add(("Prelude.cs", Prelude));
        test.FixedState.Sources.Add(("Prelude.cs", Prelude));
        test.FixedState.ExpectedDiagnostics.AddRange(remaining);
        if (remaining.Length > 0)
        {
            test.FixedState.MarkupHandling = MarkupMode.Allow;
        }

        return test.RunAsync();
    }

    private static Task VerifyNoFixAsync(string key, string source)
        => VerifyFixAsync(key, source, source);

    [Theory]
    [InlineData("services.{|DBC002:AddSingleton<IMailer, Mailer>|}();", "services.AddScoped<IMailer, Mailer>();")]
    [InlineData("services.{|DBC002:TryAddSingleton<IMailer, Mailer>|}();", "services.TryAddScoped<IMailer, Mailer>();")]
    [InlineData("services.{|DBC002:AddSingleton|}(typeof(IMailer), typeof(Mailer));", "services.AddScoped(typeof(IMailer), typeof(Mailer));")]
    [InlineData("services.{|DBC002:AddKeyedSingleton<IMailer, Mailer>|}(\"invoices\");", "services.AddKeyedScoped<IMailer, Mailer>(\"invoices\");")]
    [InlineData("services.TryAddEnumerable(ServiceDescriptor.{|DBC002:Singleton<IMailer, Mailer>|}());", "services.TryAddEnumerable(ServiceDescriptor.Scoped<IMailer, Mailer>());")]
    [InlineData("services.Add(ServiceDescriptor.{|DBC002:Describe|}(typeof(IMailer), typeof(Mailer), ServiceLifetime.Singleton));", "services.Add(ServiceDescriptor.Describe(typeof(IMailer), typeof(Mailer), ServiceLifetime.Scoped));")]
    [InlineData("services.Add({|DBC002:new ServiceDescriptor(typeof(IMailer), typeof(Mailer), ServiceLifetime.Singleton)|});", "services.Add(new ServiceDescriptor(typeof(IMailer), typeof(Mailer), ServiceLifetime.Scoped));")]
    public async Task Register_as_scoped_rewrites_every_singleton_registration_form(string registration, string scoped)
    {
        const string Template = """
            public interface IMailer { }

            public class Mailer(AppDbContext {|DBC002:db|}) : IMailer { }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    REGISTRATION
                }
            }
            """;
        await VerifyFixAsync(
            SingletonDatabaseObjectCodeFixProvider.RegisterScopedKey,
            Template.Replace("REGISTRATION", registration, StringComparison.Ordinal),
            Template.Replace("REGISTRATION", scoped, StringComparison.Ordinal).Replace("{|DBC002:db|}", "db", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(
        "services.{|DBC002:AddSingleton|}(new NpgsqlConnection(ConnectionString));",
        "services.AddScoped(_ => new NpgsqlConnection(ConnectionString));")]
    [InlineData(
        "services.{|DBC002:AddSingleton<IDbConnection>|}(new NpgsqlConnection(ConnectionString));",
        "services.AddScoped<IDbConnection>(_ => new NpgsqlConnection(ConnectionString));")]
    [InlineData(
        "services.{|DBC002:AddSingleton<IDbConnection>|}(_ => new NpgsqlConnection(ConnectionString));",
        "services.AddScoped<IDbConnection>(_ => new NpgsqlConnection(ConnectionString));")]
    [InlineData(
        "services.{|DBC002:AddDbContext<AppDbContext>|}(o => o.UseSqlite(ConnectionString), ServiceLifetime.Singleton);",
        "services.AddDbContext<AppDbContext>(o => o.UseSqlite(ConnectionString), ServiceLifetime.Scoped);")]
    [InlineData(
        "services.{|DBC002:AddDbContext<AppDbContext>|}(o => o.UseSqlite(ConnectionString), contextLifetime: ServiceLifetime.Singleton);",
        "services.AddDbContext<AppDbContext>(o => o.UseSqlite(ConnectionString), contextLifetime: ServiceLifetime.Scoped);")]
    public async Task Register_as_scoped_gives_a_database_object_one_instance_per_scope(string registration, string scoped)
    {
        const string Template = """
            public static class Startup
            {
                private const string ConnectionString = "Host=localhost";

                public static void Configure(IServiceCollection services)
                {
                    REGISTRATION
                }
            }
            """;
        await VerifyFixAsync(
            SingletonDatabaseObjectCodeFixProvider.RegisterScopedKey,
            Template.Replace("REGISTRATION", registration, StringComparison.Ordinal),
            Template.Replace("REGISTRATION", scoped, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_as_scoped_is_not_offered_for_hosted_services_instances_made_elsewhere_or_services_other_singletons_need()
    {
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.RegisterScopedKey, """
            public class Inner(AppDbContext {|DBC002:db|}) { }
            public class Outer(Inner inner) { }

            public class Worker(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, NpgsqlConnection shared)
                {
                    services.{|DBC002:AddSingleton<Inner>|}();
                    services.AddSingleton<Outer>();
                    services.{|DBC002:AddHostedService<Worker>|}();
                    services.{|DBC002:AddSingleton|}(shared);
                }
            }
            """);
    }

    [Fact]
    public async Task Register_as_scoped_tells_apart_singletons_that_need_the_service_in_namespaces_with_the_same_class_names()
    {
        // Feature folders repeat class names: Billing's and Returns' Outer are singletons and need their Inner to live
        // as long; Shipping's is scoped. The classes that share a name are each looked at, first, middle and last.
        const string Source = """
            namespace Billing
            {
                public class Inner(AppDbContext {|DBC002:db|}) { }
                public class Outer(Inner inner) { }
            }

            namespace Shipping
            {
                public class Inner(AppDbContext {|DBC002:db|}) { }
                public class Outer(Inner inner) { }
            }

            namespace Returns
            {
                public class Inner(AppDbContext {|DBC002:db|}) { }
                public class Outer(Inner inner) { }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.{|DBC002:AddSingleton<Shipping.Inner>|}();
                    services.AddScoped<Shipping.Outer>();
                    services.{|DBC002:AddSingleton<Billing.Inner>|}();
                    services.AddSingleton<Billing.Outer>();
                    services.{|DBC002:AddSingleton<Returns.Inner>|}();
                    services.AddSingleton<Returns.Outer>();
                }
            }
            """;
        const string Left = "Parameter 'db' (AppDbContext) of singleton 'Inner'";
        const string Chain = "Inner (singleton) → AppDbContext (DbContext)";
        await VerifyFixAsync(
            SingletonDatabaseObjectCodeFixProvider.RegisterScopedKey,
            Source,
            """
            namespace Billing
            {
                public class Inner(AppDbContext db) { }
                public class Outer(Inner inner) { }
            }

            namespace Shipping
            {
                public class Inner(AppDbContext db) { }
                public class Outer(Inner inner) { }
            }

            namespace Returns
            {
                public class Inner(AppDbContext db) { }
                public class Outer(Inner inner) { }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddScoped<Shipping.Inner>();
                    services.AddScoped<Shipping.Outer>();
                    services.AddSingleton<Billing.Inner>();
                    services.AddSingleton<Billing.Outer>();
                    services.AddSingleton<Returns.Inner>();
                    services.AddSingleton<Returns.Outer>();
                }
            }
            """,
            Fix.Diagnostic("DBC002").WithSpan(3, 37, 3, 39).WithArguments(Left, "AppDbContext", Chain),
            Fix.Diagnostic("DBC002").WithSpan(15, 37, 15, 39).WithArguments(Left, "AppDbContext", Chain),
            Fix.Diagnostic("DBC002").WithSpan(26, 18, 26, 45).WithArguments("This AddSingleton registration", "AppDbContext", Chain),
            Fix.Diagnostic("DBC002").WithSpan(28, 18, 28, 45).WithArguments("This AddSingleton registration", "AppDbContext", Chain));
    }

    [Fact]
    public async Task Hosted_service_gets_a_context_factory_and_a_context_per_loop_iteration_registered_where_the_context_is()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.DbContextFactoryKey, """
            public sealed class JobRunner : BackgroundService
            {
                private readonly AppDbContext _db;

                public JobRunner(AppDbContext {|DBC002:db|})
                {
                    _db = db ?? throw new ArgumentNullException(nameof(db));
                }

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var job = await _db.Jobs.FirstOrDefaultAsync(j => !j.Done, stoppingToken);
                        if (job is not null)
                        {
                            job.Done = true;
                            await _db.SaveChangesAsync(stoppingToken);
                        }

                        await Task.Delay(1000, stoppingToken);
                    }
                }

                public int Pending() => _db.Jobs.Count(j => !j.Done);
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>(o => o.UseSqlite("Data Source=jobs.db"));
                    services.{|DBC002:AddHostedService<JobRunner>|}();
                }
            }
            """, """
            public sealed class JobRunner : BackgroundService
            {
                private readonly IDbContextFactory<AppDbContext> _dbFactory;

                public JobRunner(IDbContextFactory<AppDbContext> dbFactory)
                {
                    _dbFactory = dbFactory ?? throw new ArgumentNullException(nameof(dbFactory));
                }

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await using var db = await _dbFactory.CreateDbContextAsync(stoppingToken);
                        var job = await db.Jobs.FirstOrDefaultAsync(j => !j.Done, stoppingToken);
                        if (job is not null)
                        {
                            job.Done = true;
                            await db.SaveChangesAsync(stoppingToken);
                        }

                        await Task.Delay(1000, stoppingToken);
                    }
                }

                public int Pending()
                {
                    using var db = _dbFactory.CreateDbContext();
                    return db.Jobs.Count(j => !j.Done);
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContextFactory<AppDbContext>(o => o.UseSqlite("Data Source=jobs.db"));
                    services.AddHostedService<JobRunner>();
                }
            }
            """);
    }

    [Fact]
    public async Task Primary_constructor_context_becomes_a_factory_and_the_local_keeps_its_name()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.DbContextFactoryKey, """
            public sealed class Cleanup(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    db.Jobs.RemoveRange(db.Jobs.Where(j => j.Done));
                    await db.SaveChangesAsync(stoppingToken);
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContextFactory<AppDbContext>(o => o.UseSqlite("Data Source=jobs.db"));
                }
            }
            """, """
            public sealed class Cleanup(IDbContextFactory<AppDbContext> dbFactory) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                    db.Jobs.RemoveRange(db.Jobs.Where(j => j.Done));
                    await db.SaveChangesAsync(stoppingToken);
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContextFactory<AppDbContext>(o => o.UseSqlite("Data Source=jobs.db"));
                }
            }
            """);
    }

    [Fact]
    public async Task Context_factory_is_not_offered_when_no_registration_of_the_context_can_carry_it()
    {
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.DbContextFactoryKey, """
            public sealed class Cleanup(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => db.SaveChangesAsync(stoppingToken);
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>(o => o.UseSqlite("Data Source=jobs.db"), ServiceLifetime.Transient, ServiceLifetime.Singleton);
                }
            }
            """);
    }

    [Fact]
    public async Task Singleton_gets_a_scope_per_operation_for_a_captive_scoped_service()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.ServiceScopeKey, """
            public interface ICustomerLookup
            {
                string Name(int id);
            }

            public sealed class CustomerLookup(AppDbContext db) : ICustomerLookup
            {
                public string Name(int id) => db.Jobs.Single(j => j.Id == id).ToString()!;
            }

            public sealed class InvoiceMailer
            {
                private readonly ICustomerLookup _lookup;

                public InvoiceMailer(ICustomerLookup {|DBC002:lookup|})
                {
                    _lookup = lookup;
                }

                public string Subject(int customer) => "Invoice for " + _lookup.Name(customer);
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddScoped<ICustomerLookup, CustomerLookup>();
                    services.{|DBC002:AddSingleton<InvoiceMailer>|}();
                }
            }
            """, """
            public interface ICustomerLookup
            {
                string Name(int id);
            }

            public sealed class CustomerLookup(AppDbContext db) : ICustomerLookup
            {
                public string Name(int id) => db.Jobs.Single(j => j.Id == id).ToString()!;
            }

            public sealed class InvoiceMailer
            {
                private readonly IServiceScopeFactory _scopeFactory;

                public InvoiceMailer(IServiceScopeFactory scopeFactory)
                {
                    _scopeFactory = scopeFactory;
                }

                public string Subject(int customer)
                {
                    using var scope = _scopeFactory.CreateScope();
                    var lookup = scope.ServiceProvider.GetRequiredService<ICustomerLookup>();
                    return "Invoice for " + lookup.Name(customer);
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddScoped<ICustomerLookup, CustomerLookup>();
                    services.AddSingleton<InvoiceMailer>();
                }
            }
            """);
    }

    [Fact]
    public async Task Hosted_service_gets_an_async_scope_per_iteration()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.ServiceScopeKey, """
            public sealed class Poller(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await db.SaveChangesAsync(stoppingToken);
                    }
                }
            }
            """, """
            public sealed class Poller(IServiceScopeFactory scopeFactory) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await using var scope = scopeFactory.CreateAsyncScope();
                        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                        await db.SaveChangesAsync(stoppingToken);
                    }
                }
            }
            """);
    }

    [Fact]
    public async Task Factory_fixes_are_not_offered_where_the_instance_escapes_or_is_needed_at_construction()
    {
        const string Source = """
            public sealed class Exposes(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                public AppDbContext Context() => db;
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }

            public sealed class Background(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Run(() => db.SaveChanges(), stoppingToken);
            }

            public sealed class Queries(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                public IQueryable<Job> Open() => db.Jobs.Where(j => !j.Done);
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
            }

            // A positional parameter is the record's public property too: its type is the record's contract.
            public sealed record Sweep(AppDbContext {|DBC002:Db|}) : IHostedService
            {
                public Task StartAsync(CancellationToken token) => Db.SaveChangesAsync(token);
                public Task StopAsync(CancellationToken token) => Task.CompletedTask;
            }

            public sealed class Warm : BackgroundService
            {
                private readonly AppDbContext _db;

                public Warm(AppDbContext {|DBC002:db|})
                {
                    db.Database.EnsureCreated();
                    _db = db;
                }

                protected override Task ExecuteAsync(CancellationToken stoppingToken) => _db.SaveChangesAsync(stoppingToken);
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.AddDbContext<AppDbContext>();
            }
            """;
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.DbContextFactoryKey, Source);
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.ServiceScopeKey, Source);
    }

    [Fact]
    public async Task Middleware_dependency_moves_from_the_constructor_to_InvokeAsync()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.InvokeParameterKey, """
            using Microsoft.AspNetCore.Http;

            public sealed class AuditMiddleware
            {
                private readonly RequestDelegate _next;
                private readonly AppDbContext _db;

                public AuditMiddleware(RequestDelegate next, AppDbContext {|DBC002:db|})
                {
                    _next = next;
                    _db = db;
                }

                public async Task InvokeAsync(HttpContext context)
                {
                    await _next(context);
                    await _db.SaveChangesAsync(context.RequestAborted);
                }
            }
            """, """
            using Microsoft.AspNetCore.Http;

            public sealed class AuditMiddleware
            {
                private readonly RequestDelegate _next;

                public AuditMiddleware(RequestDelegate next)
                {
                    _next = next;
                }

                public async Task InvokeAsync(HttpContext context, AppDbContext db)
                {
                    await _next(context);
                    await db.SaveChangesAsync(context.RequestAborted);
                }
            }
            """);
    }

    [Fact]
    public async Task Primary_constructor_middleware_dependency_moves_to_Invoke()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.InvokeParameterKey, """
            using Microsoft.AspNetCore.Http;

            public sealed class TenantMiddleware(RequestDelegate next, NpgsqlConnection {|DBC002:connection|})
            {
                public Task Invoke(HttpContext context) => connection.State == ConnectionState.Open ? next(context) : Task.CompletedTask;
            }
            """, """
            using Microsoft.AspNetCore.Http;

            public sealed class TenantMiddleware(RequestDelegate next)
            {
                public Task Invoke(HttpContext context, NpgsqlConnection connection) => connection.State == ConnectionState.Open ? next(context) : Task.CompletedTask;
            }
            """);
    }

    [Fact]
    public async Task Middleware_fix_is_not_offered_when_other_members_use_the_dependency_or_the_constructor_is_an_expression()
    {
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.InvokeParameterKey, """
            using Microsoft.AspNetCore.Http;

            public sealed class AuditMiddleware(RequestDelegate next, AppDbContext {|DBC002:db|})
            {
                public async Task InvokeAsync(HttpContext context)
                {
                    await next(context);
                    await Flush();
                }

                private Task Flush() => db.SaveChangesAsync();
            }

            public sealed class ArrowMiddleware
            {
                private readonly AppDbContext _db;

                public ArrowMiddleware(RequestDelegate next, AppDbContext {|DBC002:db|}) => _db = db;

                public Task InvokeAsync(HttpContext context) => _db.SaveChangesAsync();
            }
            """);
    }

    [Fact]
    public async Task Npgsql_connection_in_a_singleton_becomes_the_registered_data_source_and_a_connection_per_operation()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.DataSourceKey, """
            public sealed class ReportService
            {
                private readonly NpgsqlConnection _connection;

                public ReportService(NpgsqlConnection {|DBC002:connection|}) => _connection = connection;

                public long Count()
                {
                    _connection.Open();
                    using var command = new NpgsqlCommand("select count(*) from reports", _connection);
                    return (long)command.ExecuteScalar()!;
                }

                public async Task<long> CountAsync(CancellationToken cancellationToken)
                {
                    await _connection.OpenAsync(cancellationToken);
                    await using var command = new NpgsqlCommand("select count(*) from reports", _connection);
                    return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, string connectionString)
                {
                    services.AddSingleton(NpgsqlDataSource.Create(connectionString));
                    services.AddScoped(sp => sp.GetRequiredService<NpgsqlDataSource>().CreateConnection());
                    services.{|DBC002:AddSingleton<ReportService>|}();
                }
            }
            """, """
            public sealed class ReportService
            {
                private readonly NpgsqlDataSource _dataSource;

                public ReportService(NpgsqlDataSource dataSource) => _dataSource = dataSource;

                public long Count()
                {
                    using var connection = _dataSource.CreateConnection();
                    connection.Open();
                    using var command = new NpgsqlCommand("select count(*) from reports", connection);
                    return (long)command.ExecuteScalar()!;
                }

                public async Task<long> CountAsync(CancellationToken cancellationToken)
                {
                    await using var connection = _dataSource.CreateConnection();
                    await connection.OpenAsync(cancellationToken);
                    await using var command = new NpgsqlCommand("select count(*) from reports", connection);
                    return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, string connectionString)
                {
                    services.AddSingleton(NpgsqlDataSource.Create(connectionString));
                    services.AddScoped(sp => sp.GetRequiredService<NpgsqlDataSource>().CreateConnection());
                    services.AddSingleton<ReportService>();
                }
            }
            """);
    }

    [Fact]
    public async Task Data_source_fix_is_not_offered_without_a_registered_data_source()
    {
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.DataSourceKey, """
            public sealed class ReportService(NpgsqlConnection {|DBC002:connection|})
            {
                public void Ping() => connection.Open();
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, string connectionString)
                {
                    services.AddScoped(_ => new NpgsqlConnection(connectionString));
                    services.{|DBC002:AddSingleton<ReportService>|}();
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_All_gives_every_dependency_of_a_worker_and_every_worker_its_own_per_operation_instance()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.ServiceScopeKey, """
            public sealed class Sync(AppDbContext {|DBC002:db|}, NpgsqlConnection {|DBC002:connection|}) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    await connection.OpenAsync(stoppingToken);
                    await db.SaveChangesAsync(stoppingToken);
                }
            }

            public sealed class Purge : BackgroundService
            {
                private readonly AppDbContext _db;

                public Purge(AppDbContext {|DBC002:db|})
                {
                    _db = db;
                }

                protected override async Task ExecuteAsync(CancellationToken stoppingToken) => await _db.SaveChangesAsync(stoppingToken);
            }
            """, """
            public sealed class Sync(IServiceScopeFactory scopeFactory) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    await using var scope2 = scopeFactory.CreateAsyncScope();
                    var connection = scope2.ServiceProvider.GetRequiredService<NpgsqlConnection>();
                    await connection.OpenAsync(stoppingToken);
                    await using var scope = scopeFactory.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                    await db.SaveChangesAsync(stoppingToken);
                }
            }

            public sealed class Purge : BackgroundService
            {
                private readonly IServiceScopeFactory _scopeFactory;

                public Purge(IServiceScopeFactory scopeFactory)
                {
                    _scopeFactory = scopeFactory;
                }

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    await using var scope = _scopeFactory.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                    await db.SaveChangesAsync(stoppingToken);
                }
            }
            """);
    }

    [Fact]
    public async Task Factory_fixes_are_not_offered_where_a_task_is_returned_before_the_operation_ends()
    {
        const string Source = """
            public sealed class Purge(AppDbContext {|DBC002:db|}) : BackgroundService
            {
                protected override Task ExecuteAsync(CancellationToken stoppingToken) => db.SaveChangesAsync(stoppingToken);
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services) => services.AddDbContextFactory<AppDbContext>();
            }
            """;
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.DbContextFactoryKey, Source);
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.ServiceScopeKey, Source);
    }

    [Fact]
    public async Task A_resolution_from_the_root_provider_gets_a_scope_of_its_own_async_or_not()
    {
        await VerifyFixAsync(SingletonDatabaseObjectCodeFixProvider.ResolutionScopeKey, """
            public class Poller(IServiceProvider services) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        var db = services.{|DBC002:GetRequiredService<AppDbContext>|}();
                        await db.Jobs.CountAsync(stoppingToken);
                    }
                }
            }

            public class Reports
            {
                private readonly IServiceProvider _provider;

                public Reports(IServiceProvider provider) => _provider = provider;

                public int Open()
                {
                    var scope = 1;
                    var db = (AppDbContext)this._provider.{|DBC002:GetService|}(typeof(AppDbContext))!;
                    return db.Jobs.Count(j => !j.Done) + scope;
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddHostedService<Poller>();
                    services.AddSingleton<Reports>();
                }
            }
            """, """
            public class Poller(IServiceProvider services) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await using var scope = services.CreateAsyncScope();
                        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                        await db.Jobs.CountAsync(stoppingToken);
                    }
                }
            }

            public class Reports
            {
                private readonly IServiceProvider _provider;

                public Reports(IServiceProvider provider) => _provider = provider;

                public int Open()
                {
                    var scope = 1;
                    using var scope2 = this._provider.CreateScope();
                    var db = (AppDbContext)scope2.ServiceProvider.GetService(typeof(AppDbContext))!;
                    return db.Jobs.Count(j => !j.Done) + scope;
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddHostedService<Poller>();
                    services.AddSingleton<Reports>();
                }
            }
            """);
    }

    [Fact]
    public async Task A_resolution_that_is_not_a_local_of_its_own_or_leaves_its_block_gets_no_scope()
    {
        await VerifyNoFixAsync(SingletonDatabaseObjectCodeFixProvider.ResolutionScopeKey, """
            public class Reports(IServiceProvider services)
            {
                private AppDbContext Db => services.{|DBC002:GetRequiredService<AppDbContext>|}();

                public int Count() => Db.Jobs.Count();

                public AppDbContext Context()
                {
                    var db = services.{|DBC002:GetRequiredService<AppDbContext>|}();
                    return db;
                }
            }

            public static class Startup
            {
                public static void Configure(IServiceCollection services)
                {
                    services.AddDbContext<AppDbContext>();
                    services.AddSingleton<Reports>();
                }
            }
            """);
    }
}
