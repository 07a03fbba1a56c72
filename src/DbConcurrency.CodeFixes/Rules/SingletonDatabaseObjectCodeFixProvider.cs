using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
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
/// where the context is), the provider's <c>DbDataSource</c> for a connection, or <c>IServiceScopeFactory</c>
/// and a scope per operation for any service; on conventional middleware, take the dependency as an
/// <c>InvokeAsync</c> parameter.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SingletonDatabaseObjectCodeFixProvider)), Shared]
public sealed class SingletonDatabaseObjectCodeFixProvider : CodeFixProvider
{
    public const string RegisterScopedKey = "DBC002.RegisterScoped";
    public const string DbContextFactoryKey = "DBC002.DbContextFactory";
    public const string DataSourceKey = "DBC002.DataSource";
    public const string ServiceScopeKey = "DBC002.ServiceScope";
    public const string InvokeParameterKey = "DBC002.InvokeParameter";
    public const string ResolutionScopeKey = "DBC002.ResolutionScope";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SingletonDatabaseObject);

    public override FixAllProvider GetFixAllProvider() => SequentialFixAll.Instance;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var target = FindTarget(root, diagnostic);
            if (target is null)
            {
                continue;
            }

            foreach (var action in await CreateActionsAsync(context.Document, target, diagnostic, context.CancellationToken).ConfigureAwait(false))
            {
                context.RegisterCodeFix(action, diagnostic);
            }
        }
    }

    /// <summary>The node a fix starts from: the registration's name (or <c>new ServiceDescriptor</c>), or the constructor parameter.</summary>
    private static SyntaxNode? FindTarget(SyntaxNode root, Diagnostic diagnostic)
    {
        var node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.SiteProperty, out var site);
        return site switch
        {
            SingletonDatabaseObjectAnalyzer.RegistrationSite or SingletonDatabaseObjectAnalyzer.ResolutionSite => node,
            _ => node.FirstAncestorOrSelf<ParameterSyntax>(),
        };
    }

    private static async Task<IReadOnlyList<CodeAction>> CreateActionsAsync(Document document, SyntaxNode target, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            return System.Array.Empty<CodeAction>();
        }

        diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.SiteProperty, out var site);
        if (site == SingletonDatabaseObjectAnalyzer.ResolutionSite)
        {
            return CreateResolutionScopeAction(document, model, target, cancellationToken);
        }

        diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.RoleProperty, out var role);
        return target is ParameterSyntax parameter
            ? await CreateDependencyActionsAsync(document, model, parameter, role, cancellationToken).ConfigureAwait(false)
            : CreateScopedAction(document, model, target, diagnostic, cancellationToken);
    }

    private static CodeAction[] CreateResolutionScopeAction(Document document, SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
    {
        if (!ResolutionScopeRewriter.TryPlan(model, node, cancellationToken, out var plan))
        {
            return System.Array.Empty<CodeAction>();
        }

        return RewriteAction(document, "Resolve it from a scope of its own: one instance per call", ResolutionScopeKey, root => ResolutionScopeRewriter.Apply(root, plan));
    }

    private static CodeAction[] CreateScopedAction(Document document, SemanticModel model, SyntaxNode node, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(SingletonDatabaseObjectAnalyzer.CanBeScopedProperty, out var canBeScoped)
            || canBeScoped != "true"
            || !ServiceRegistrationRewriter.TryMakeScoped(model, node, cancellationToken, out var original, out var replacement))
        {
            return System.Array.Empty<CodeAction>();
        }

        return RewriteAction(document, "Register as scoped: one instance per request or scope", RegisterScopedKey, root => root.ReplaceNode(original, replacement));
    }

    /// <summary>The one action of a fix that rewrites its own document's syntax.</summary>
    private static CodeAction[] RewriteAction(Document document, string title, string key, System.Func<SyntaxNode, SyntaxNode> rewrite)
        => new[]
        {
            CodeAction.Create(
                title,
                async token =>
                {
                    var root = await document.GetSyntaxRootAsync(token).ConfigureAwait(false);
                    return document.WithSyntaxRoot(rewrite(root!));
                },
                key),
        };

    private static async Task<List<CodeAction>> CreateDependencyActionsAsync(Document document, SemanticModel model, ParameterSyntax parameter, string? role, CancellationToken cancellationToken)
    {
        var actions = new List<CodeAction>();
        if (role is not (nameof(SingletonRole.Registered) or nameof(SingletonRole.HostedService) or nameof(SingletonRole.Middleware)))
        {
            return actions;
        }

        var plan = await InjectedFactoryPlan.TryCreateAsync(document, parameter, cancellationToken).ConfigureAwait(false);
        if (plan is null)
        {
            return actions;
        }

        if (role == nameof(SingletonRole.Middleware))
        {
            // The request's own instance, from the parameters ASP.NET Core fills per request: no factory needed.
            if (InvokeParameterRewriter.FindInvoke(plan) is { } invoke)
            {
                actions.Add(CodeAction.Create(
                    $"Take '{plan.Parameter.Name}' as an {invoke.Identifier.ValueText} parameter",
                    token => InvokeParameterRewriter.ApplyAsync(plan, invoke, token),
                    InvokeParameterKey));
            }

            return actions;
        }

        // An instance disposed at the end of a method that hands back an unawaited task would be gone
        // before the task finishes.
        if (plan.UseSites.Any(site => site.ReturnsUnawaitedTask))
        {
            return actions;
        }

        var compilation = model.Compilation;
        var solution = document.Project.Solution;
        var dependency = plan.Parameter.Type;
        var dependencyName = dependency.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        if (IsEntityFrameworkContext(compilation, dependency)
            && KnownTypes.ResolveOne(compilation, "Microsoft.EntityFrameworkCore.IDbContextFactory`1") is { } factoryDefinition
            && await ServiceRegistrationRewriter.RegisterContextFactoryAsync(solution, dependency, cancellationToken).ConfigureAwait(false) is not null)
        {
            var source = new DbContextFactorySource(factoryDefinition.Construct(dependency));
            actions.Add(CodeAction.Create(
                $"Inject IDbContextFactory<{dependencyName}> and create a context per operation",
                token => WithContextFactoryAsync(plan, source, dependency, token),
                DbContextFactoryKey));
        }

        if (FindDataSource(compilation, dependency) is { } dataSource
            && await ServiceRegistrationRewriter.IsRegisteredAsync(solution, dataSource, cancellationToken).ConfigureAwait(false))
        {
            var source = new DataSourceSource(dataSource);
            actions.Add(CodeAction.Create(
                $"Inject {dataSource.Name} and create a connection per operation",
                token => InjectedFactoryRewriter.ApplyAsync(plan, source, token),
                DataSourceKey));
        }

        if (KnownTypes.ResolveOne(compilation, "Microsoft.Extensions.DependencyInjection.IServiceScopeFactory") is { } scopeFactory)
        {
            var source = new ServiceScopeSource(scopeFactory, (TypeSyntax)SyntaxGenerator.GetGenerator(document).TypeExpression(dependency));
            actions.Add(CodeAction.Create(
                $"Inject IServiceScopeFactory and resolve {dependencyName} in a scope per operation",
                token => InjectedFactoryRewriter.ApplyAsync(plan, source, token),
                ServiceScopeKey));
        }

        return actions;
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

    /// <summary>
    /// Applies the chosen fix to one finding at a time, each planned against the solution as the previous
    /// ones left it: two dependencies of one worker share its constructor and methods (the second reuses
    /// the factory the first brought in), and two workers may share one context registration.
    /// </summary>
    private sealed class SequentialFixAll : FixAllProvider
    {
        public static readonly SequentialFixAll Instance = new();

        public override IEnumerable<FixAllScope> GetSupportedFixAllScopes()
            => new[] { FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution };

        public override async Task<CodeAction?> GetFixAsync(FixAllContext context)
        {
            var documents = context.Scope switch
            {
                FixAllScope.Document when context.Document is not null => new[] { context.Document },
                FixAllScope.Project => context.Project.Documents.ToArray(),
                FixAllScope.Solution => context.Solution.Projects.SelectMany(p => p.Documents).ToArray(),
                _ => System.Array.Empty<Document>(),
            };

            var findings = new List<(DocumentId Document, ImmutableArray<Diagnostic> Diagnostics)>();
            foreach (var document in documents)
            {
                var diagnostics = await context.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false);
                if (!diagnostics.IsEmpty)
                {
                    findings.Add((document.Id, diagnostics));
                }
            }

            var key = context.CodeActionEquivalenceKey;
            return findings.Count == 0 || key is null
                ? null
                : CodeAction.Create("Fix all DBC002", token => FixAllAsync(context.Solution, findings, key, token), key);
        }

        private static async Task<Solution> FixAllAsync(Solution solution, List<(DocumentId Document, ImmutableArray<Diagnostic> Diagnostics)> findings, string key, CancellationToken cancellationToken)
        {
            // Every target is marked first, so it can be found again after the fixes before it moved the code.
            var targets = new List<(DocumentId Document, SyntaxAnnotation Mark, Diagnostic Diagnostic)>();
            foreach (var (documentId, diagnostics) in findings)
            {
                var root = await solution.GetDocument(documentId)!.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var marks = new Dictionary<SyntaxNode, SyntaxAnnotation>();
                foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
                {
                    if (root is not null && FindTarget(root, diagnostic) is { } target && !marks.ContainsKey(target))
                    {
                        marks[target] = new SyntaxAnnotation();
                        targets.Add((documentId, marks[target], diagnostic));
                    }
                }

                if (root is not null && marks.Count > 0)
                {
                    solution = solution.WithDocumentSyntaxRoot(documentId, root.ReplaceNodes(marks.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(marks[original])));
                }
            }

            foreach (var (documentId, mark, diagnostic) in targets)
            {
                var document = solution.GetDocument(documentId);
                var root = document is null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                var target = root?.GetAnnotatedNodes(mark).FirstOrDefault();
                if (document is null || target is null)
                {
                    continue;
                }

                var actions = await CreateActionsAsync(document, target, diagnostic, cancellationToken).ConfigureAwait(false);
                var action = actions.FirstOrDefault(a => a.EquivalenceKey == key);
                if (action is null)
                {
                    continue;
                }

                foreach (var operation in await action.GetOperationsAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (operation is ApplyChangesOperation apply)
                    {
                        solution = apply.ChangedSolution;
                    }
                }
            }

            return solution;
        }
    }
}
