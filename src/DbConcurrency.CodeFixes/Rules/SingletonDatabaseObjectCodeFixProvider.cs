using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC002: on a registration, register the service as scoped (when nothing long-lived depends on it);
/// on a constructor dependency of a singleton or hosted service, take a factory instead and create one
/// instance per operation: <c>IDbContextFactory&lt;TContext&gt;</c> for an EF Core context (registered
/// where the context is), or <c>IServiceScopeFactory</c> and a scope per operation for any service;
/// on conventional middleware, take the dependency as an <c>InvokeAsync</c> parameter.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SingletonDatabaseObjectCodeFixProvider)), Shared]
public sealed class SingletonDatabaseObjectCodeFixProvider : CodeFixProvider
{
    public const string RegisterScopedKey = "DBC002.RegisterScoped";
    public const string DbContextFactoryKey = "DBC002.DbContextFactory";
    public const string ServiceScopeKey = "DBC002.ServiceScope";
    public const string DataSourceKey = "DBC002.DataSource";
    public const string InvokeParameterKey = "DBC002.InvokeParameter";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SingletonDatabaseObject);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.SiteProperty, out var site);
            diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.RoleProperty, out var role);
            if (site == SingletonDatabaseObjectAnalyzer.RegistrationSite)
            {
                RegisterScopedFix(context, diagnostic, model, node);
            }
            else if (node.FirstAncestorOrSelf<ParameterSyntax>() is { } parameter)
            {
                await RegisterFactoryFixesAsync(context, diagnostic, model, parameter, role).ConfigureAwait(false);
            }
        }
    }

    private static void RegisterScopedFix(CodeFixContext context, Diagnostic diagnostic, SemanticModel model, SyntaxNode node)
    {
        if (!diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.CanBeScopedProperty, out var canBeScoped)
            || canBeScoped != "true"
            || !ServiceRegistrationRewriter.TryMakeScoped(model, node, context.CancellationToken, out var original, out var replacement))
        {
            return;
        }

        var document = context.Document;
        context.RegisterCodeFix(
            CodeAction.Create(
                "Register as scoped: one instance per request or scope",
                async cancellationToken =>
                {
                    var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                    return document.WithSyntaxRoot(root!.ReplaceNode(original, replacement));
                },
                RegisterScopedKey),
            diagnostic);
    }

    private static async Task RegisterFactoryFixesAsync(CodeFixContext context, Diagnostic diagnostic, SemanticModel model, ParameterSyntax parameter, string? role)
    {
        if (role is not (nameof(SingletonRole.Registered) or nameof(SingletonRole.HostedService) or nameof(SingletonRole.Middleware)))
        {
            return;
        }

        var plan = await InjectedFactoryPlan.TryCreateAsync(context.Document, parameter, context.CancellationToken).ConfigureAwait(false);
        if (plan is null)
        {
            return;
        }

        if (role == nameof(SingletonRole.Middleware))
        {
            // The request's own instance, from the parameters ASP.NET Core fills per request: no factory needed.
            if (InvokeParameterRewriter.FindInvoke(plan) is { } invoke)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Take '{plan.Parameter.Name}' as an {invoke.Identifier.ValueText} parameter",
                        cancellationToken => InvokeParameterRewriter.ApplyAsync(plan, invoke, cancellationToken),
                        InvokeParameterKey),
                    diagnostic);
            }

            return;
        }

        var compilation = model.Compilation;
        var dependency = plan.Parameter.Type;
        var dependencyName = dependency.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        if (IsEntityFrameworkContext(compilation, dependency)
            && KnownTypes.ResolveOne(compilation, "Microsoft.EntityFrameworkCore.IDbContextFactory`1") is { } factoryDefinition)
        {
            var source = new DbContextFactorySource(factoryDefinition.Construct(dependency));
            var registered = await ServiceRegistrationRewriter.RegisterContextFactoryAsync(context.Document.Project.Solution, dependency, context.CancellationToken).ConfigureAwait(false);
            if (registered is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Inject IDbContextFactory<{dependencyName}> and create a context per operation",
                        cancellationToken => WithContextFactoryAsync(plan, source, dependency, cancellationToken),
                        DbContextFactoryKey),
                    diagnostic);
            }
        }

        if (FindDataSource(compilation, dependency) is { } dataSource
            && await ServiceRegistrationRewriter.IsRegisteredAsync(context.Document.Project.Solution, dataSource, context.CancellationToken).ConfigureAwait(false))
        {
            var source = new DataSourceSource(dataSource);
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Inject {dataSource.Name} and create a connection per operation",
                    cancellationToken => InjectedFactoryRewriter.ApplyAsync(plan, source, cancellationToken),
                    DataSourceKey),
                diagnostic);
        }

        if (KnownTypes.ResolveOne(compilation, "Microsoft.Extensions.DependencyInjection.IServiceScopeFactory") is { } scopeFactory)
        {
            var generator = SyntaxGenerator.GetGenerator(context.Document);
            var source = new ServiceScopeSource(scopeFactory, (TypeSyntax)generator.TypeExpression(dependency));
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Inject IServiceScopeFactory and resolve {dependencyName} in a scope per operation",
                    async cancellationToken => await InjectedFactoryRewriter.ApplyAsync(plan, source, cancellationToken).ConfigureAwait(false),
                    ServiceScopeKey),
                diagnostic);
        }
    }

    private static async Task<Solution> WithContextFactoryAsync(InjectedFactoryPlan plan, DbContextFactorySource source, ITypeSymbol context, CancellationToken cancellationToken)
    {
        var document = await InjectedFactoryRewriter.ApplyAsync(plan, source, cancellationToken).ConfigureAwait(false);
        var solution = document.Project.Solution;
        return await ServiceRegistrationRewriter.RegisterContextFactoryAsync(solution, context, cancellationToken).ConfigureAwait(false) ?? solution;
    }

    /// <summary>
    /// The data source whose connections can stand in for <paramref name="connection"/>: the provider's own
    /// (<c>NpgsqlConnection</c> → <c>NpgsqlDataSource</c>), or <c>DbDataSource</c> for a <c>DbConnection</c> or
    /// <c>IDbConnection</c> dependency. Null for providers without one (SqlClient, Sqlite).
    /// </summary>
    private static INamedTypeSymbol? FindDataSource(Compilation compilation, ITypeSymbol connection)
    {
        var baseDataSource = KnownTypes.ResolveOne(compilation, "System.Data.Common.DbDataSource");
        if (baseDataSource is null || connection is not INamedTypeSymbol named)
        {
            return null;
        }

        if (named.ToDisplayString() is "System.Data.Common.DbConnection" or "System.Data.IDbConnection")
        {
            return baseDataSource;
        }

        if (!named.Name.EndsWith("Connection", System.StringComparison.Ordinal) || named.ContainingNamespace is null)
        {
            return null;
        }

        var name = named.ContainingNamespace.ToDisplayString() + "." + named.Name.Substring(0, named.Name.Length - "Connection".Length) + "DataSource";
        var candidate = KnownTypes.ResolveOne(compilation, name);
        for (var current = candidate; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, baseDataSource))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsEntityFrameworkContext(Compilation compilation, ITypeSymbol type)
    {
        var dbContext = KnownTypes.ResolveOne(compilation, "Microsoft.EntityFrameworkCore.DbContext");
        for (var current = type as INamedTypeSymbol; current is not null && dbContext is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current, dbContext))
            {
                return true;
            }
        }

        return false;
    }
}
