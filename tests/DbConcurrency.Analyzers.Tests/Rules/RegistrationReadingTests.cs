using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.Analyzers.Tests.Rules;

/// <summary>
/// DBC002 reads most registrations from syntax (binding only their type names) and the rest by binding the call.
/// Both readings must agree wherever the quick one answers; where it does not, the full one is used.
/// </summary>
public class RegistrationReadingTests
{
    [Theory]
    [InlineData("services.AddSingleton<IMailer, Mailer>();", true)]
    [InlineData("services.AddScoped<Mailer>();", true)]
    [InlineData("services.TryAddTransient<IMailer, Mailer>();", true)]
    [InlineData("services.AddKeyedSingleton<IMailer, Mailer>(\"invoices\");", true)]
    [InlineData("services.AddSingleton(typeof(IMailer), typeof(Mailer));", true)]
    [InlineData("services.AddScoped(typeof(IRepository<>), typeof(Repository<>));", true)]
    [InlineData("services.AddSingleton<IMailer>(sp => new Mailer(sp.GetRequiredService<AppDbContext>()));", true)]
    [InlineData("services.AddSingleton(sp => new Mailer(sp.GetRequiredService<AppDbContext>()));", true)]
    [InlineData("services.AddHostedService<Worker>();", true)]
    [InlineData("services.AddDbContext<AppDbContext>(o => o.UseSqlite(\"Data Source=app.db\"));", true)]
    [InlineData("services.AddDbContextFactory<AppDbContext>();", true)]
    [InlineData("services.AddDbContext<AppDbContext>(o => o.UseSqlite(\"\"), ServiceLifetime.Singleton);", false)]
    [InlineData("services.AddSingleton(new Mailer(null!));", false)]
    [InlineData("services.AddSingleton<IMailer>(sp => ActivatorUtilities.CreateInstance<Mailer>(sp));", false)]
    [InlineData("services.AddSingleton(instance);", false)]
    public async Task Quick_reading_agrees_with_binding_or_declines(string registration, bool quick)
    {
        var source = """
            using Microsoft.EntityFrameworkCore;
            using Microsoft.Extensions.DependencyInjection;
            using Microsoft.Extensions.DependencyInjection.Extensions;
            using Microsoft.Extensions.Hosting;
            using System.Threading;
            using System.Threading.Tasks;

            public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options) { }
            public interface IMailer { }
            public class Mailer(AppDbContext db) : IMailer { }
            public interface IRepository<T> { }
            public class Repository<T> : IRepository<T> { }
            public class Worker : BackgroundService { protected override Task ExecuteAsync(CancellationToken token) => Task.CompletedTask; }

            public static class Startup
            {
                public static void Configure(IServiceCollection services, Mailer instance)
                {
                    REGISTRATION
                }
            }
            """.Replace("REGISTRATION", registration, StringComparison.Ordinal);
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("Registrations", new[] { tree }, ReferenceSets.AspNetCore8.References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        var model = compilation.GetSemanticModel(tree);
        var call = (await tree.GetRootAsync()).DescendantNodes().OfType<InvocationExpressionSyntax>().First(DependencyInjectionApis.MayRegister);
        var apis = DependencyInjectionApis.Create(compilation);
        Assert.True(apis.TryGetRegistration(model.GetOperation(call)!, out var full));

        Assert.Equal(quick, DependencyInjectionApis.TryReadQuickly(model, call, out var fast));
        if (!quick)
        {
            return;
        }

        Assert.NotNull(full);
        Assert.NotNull(fast);
        Assert.Equal(full!.Method, fast!.Method);
        Assert.Equal(full.Lifetime, fast.Lifetime);
        Assert.Equal(full.ViaFactory, fast.ViaFactory);
        Assert.True(SymbolEqualityComparer.Default.Equals(full.ServiceType, fast.ServiceType), $"service {full.ServiceType} vs {fast.ServiceType}");
        Assert.True(SymbolEqualityComparer.Default.Equals(full.ImplementationType, fast.ImplementationType), $"implementation {full.ImplementationType} vs {fast.ImplementationType}");
        Assert.True(SymbolEqualityComparer.Default.Equals(full.ConstructedType, fast.ConstructedType));
        Assert.Equal(full.ResolvedByFactory.Select(t => t.ToDisplayString()), fast.ResolvedByFactory.Select(t => t.ToDisplayString()));
        Assert.Equal(full.Location.SourceSpan, fast.Location.SourceSpan);
    }
}
