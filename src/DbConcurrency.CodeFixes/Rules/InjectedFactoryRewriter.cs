using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>How each use site gets its own instance once the dependency is a factory.</summary>
internal abstract class PerOperationSource
{
    /// <summary>The factory's type, as the constructor now takes it.</summary>
    public abstract ITypeSymbol FactoryType { get; }

    /// <summary>"dbFactory" for "db", "scopeFactory": the new parameter's name.</summary>
    public abstract string FactoryName(string dependencyName);

    /// <summary>The statements that give <paramref name="local"/> an instance of its own, disposed at the end of its block.</summary>
    public abstract IEnumerable<StatementSyntax> CreateLocal(ExpressionSyntax factory, string local, PerUseFactoryPlan.UseSite site, SemanticModel model);

    /// <summary>Namespaces the created statements need for extension methods.</summary>
    public virtual ImmutableArray<string> RequiredNamespaces => ImmutableArray<string>.Empty;

    protected static LocalDeclarationStatementSyntax UsingVar(string name, ExpressionSyntax value, bool awaitDisposal)
    {
        var declaration = LocalDeclarationStatement(
                VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(VariableDeclarator(Identifier(name)).WithInitializer(EqualsValueClause(value)))))
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword));
        return awaitDisposal ? declaration.WithAwaitKeyword(Token(SyntaxKind.AwaitKeyword)) : declaration;
    }

    protected static ExpressionSyntax Call(ExpressionSyntax target, SimpleNameSyntax method, params ExpressionSyntax[] arguments)
        => InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, target, method),
            ArgumentList(SeparatedList(arguments.Select(Argument))));
}

/// <summary>
/// Carries out an <see cref="InjectedFactoryPlan"/>: the constructor takes the factory instead of the
/// dependency, the member that kept the dependency keeps the factory, and each member body that used it
/// asks the factory for its own instance at the start of the innermost block that holds all its uses
/// (inside a worker's loop, that is once per iteration).
/// </summary>
internal static class InjectedFactoryRewriter
{
    public static async Task<Document> ApplyAsync(InjectedFactoryPlan plan, PerOperationSource source, CancellationToken cancellationToken)
    {
        var document = plan.Document;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var generator = SyntaxGenerator.GetGenerator(document);
        var factoryType = ((TypeSyntax)generator.TypeExpression(source.FactoryType)).WithAdditionalAnnotations(Simplifier.Annotation);
        var parameterName = source.FactoryName(plan.Parameter.Name);
        var memberName = plan.Storage is null ? parameterName : StorageName(plan.Member.Name, parameterName);
        var marker = new SyntaxAnnotation("DBC002.use");

        var localNames = plan.UseSites.ToDictionary(site => site.Owner, site => plan.LocalName(model, site, cancellationToken));
        var uses = plan.UseSites.SelectMany(site => site.Uses.Select(use => (Use: use, Site: site))).ToDictionary(pair => (SyntaxNode)pair.Use, pair => pair.Site);
        var sitesByOwner = plan.UseSites.ToDictionary(site => site.Owner);

        SyntaxNode? storageDeclaration = plan.Storage switch
        {
            VariableDeclaratorSyntax declarator => declarator.Parent!.Parent!,
            PropertyDeclarationSyntax property => property,
            _ => null,
        };

        // A type that already has the factory (a second dependency fixed after the first) uses it: the
        // dependency, its field and its assignment go, rather than a second factory coming in.
        var existing = ExistingFactory(plan, source.FactoryType);
        var writeStatements = plan.StorageWrites.Select(write => write.FirstAncestorOrSelf<ExpressionStatementSyntax>()).ToList();
        var reuse = existing is not null && writeStatements.All(statement => statement is not null);
        var removed = new SyntaxAnnotation("DBC002.removed");
        var factoryName = reuse ? existing! : memberName;

        var nodes = new List<SyntaxNode>();
        nodes.AddRange(uses.Keys);
        nodes.AddRange(sitesByOwner.Keys);
        var removals = new HashSet<SyntaxNode>();
        if (reuse)
        {
            removals.Add(plan.ParameterSyntax);
            removals.UnionWith(writeStatements!);
            if (storageDeclaration is not null)
            {
                removals.Add(storageDeclaration);
            }

            nodes.AddRange(removals);
        }
        else
        {
            nodes.Add(plan.ParameterSyntax);
            nodes.AddRange(plan.ParameterReferences);
            nodes.AddRange(plan.StorageWrites);
            if (storageDeclaration is not null)
            {
                nodes.Add(storageDeclaration);
            }
        }

        var newRoot = root.ReplaceNodes(nodes, (original, rewritten) =>
        {
            if (removals.Contains(original))
            {
                return rewritten.WithAdditionalAnnotations(removed);
            }

            if (original == plan.ParameterSyntax)
            {
                var parameter = (ParameterSyntax)rewritten;
                return parameter.WithType(factoryType.WithTriviaFrom(parameter.Type!)).WithIdentifier(Identifier(parameterName).WithTriviaFrom(parameter.Identifier));
            }

            if (uses.TryGetValue(original, out var site))
            {
                return IdentifierName(localNames[site.Owner]).WithTriviaFrom(original).WithAdditionalAnnotations(marker);
            }

            if (sitesByOwner.TryGetValue(original, out var ownerSite))
            {
                return AddLocal(rewritten, ownerSite, marker, source.CreateLocal(IdentifierName(factoryName), localNames[original], ownerSite, model));
            }

            if (original == storageDeclaration)
            {
                return rewritten switch
                {
                    FieldDeclarationSyntax field => field.WithDeclaration(field.Declaration
                        .WithType(factoryType.WithTriviaFrom(field.Declaration.Type))
                        .WithVariables(SingletonSeparatedList(field.Declaration.Variables[0].WithIdentifier(Identifier(memberName).WithTriviaFrom(field.Declaration.Variables[0].Identifier))))),
                    PropertyDeclarationSyntax property => property.WithType(factoryType.WithTriviaFrom(property.Type)).WithIdentifier(Identifier(memberName).WithTriviaFrom(property.Identifier)),
                    _ => rewritten,
                };
            }

            // The constructor's "_db = db" and "nameof(db)": renamed with the member and the parameter.
            return rewritten switch
            {
                MemberAccessExpressionSyntax access => access.WithName(IdentifierName(memberName).WithTriviaFrom(access.Name)),
                IdentifierNameSyntax identifier when plan.StorageWrites.Contains(original) => IdentifierName(memberName).WithTriviaFrom(identifier),
                IdentifierNameSyntax identifier => IdentifierName(parameterName).WithTriviaFrom(identifier),
                _ => rewritten,
            };
        });

        if (reuse)
        {
            newRoot = newRoot.RemoveNodes(newRoot.GetAnnotatedNodes(removed), SyntaxRemoveOptions.KeepUnbalancedDirectives)!;
        }

        newRoot = ImportNamespaces(newRoot, source.RequiredNamespaces, model);
        document = document.WithSyntaxRoot(newRoot);
        document = await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An instance field or property of the factory's type in the dependency's type, or another primary
    /// constructor parameter of that type: what a fix made of an earlier dependency.
    /// </summary>
    private static string? ExistingFactory(InjectedFactoryPlan plan, ITypeSymbol factoryType)
    {
        var constructor = (IMethodSymbol)plan.Parameter.ContainingSymbol;
        if (TypeMembers.FindInstanceMember(constructor.ContainingType, factoryType, plan.Member) is { } member)
        {
            return member;
        }

        var isPrimary = plan.ParameterSyntax.Parent?.Parent is TypeDeclarationSyntax;
        foreach (var parameter in constructor.Parameters)
        {
            if (isPrimary && !SymbolEqualityComparer.Default.Equals(parameter, plan.Parameter) && SymbolEqualityComparer.Default.Equals(parameter.Type, factoryType))
            {
                return parameter.Name;
            }
        }

        return null;
    }

    /// <summary>"_db" becomes "_dbFactory", "Db" becomes "DbFactory": the member keeps its naming style.</summary>
    private static string StorageName(string memberName, string parameterName)
    {
        var prefixLength = memberName.Length - memberName.TrimStart('_').Length;
        if (memberName.Length > 2 && memberName[1] == '_' && memberName[0] is 's' or 'm' or 't')
        {
            prefixLength = 2;
        }

        var prefix = memberName.Substring(0, prefixLength);
        var first = memberName.Length > prefixLength && char.IsUpper(memberName[prefixLength])
            ? char.ToUpperInvariant(parameterName[0])
            : parameterName[0];
        return prefix + first + parameterName.Substring(1);
    }

    /// <summary>Puts the creating statements before the first statement that uses the local, in the innermost block holding all uses.</summary>
    private static SyntaxNode AddLocal(SyntaxNode owner, PerUseFactoryPlan.UseSite site, SyntaxAnnotation marker, IEnumerable<StatementSyntax> statements)
    {
        owner = PerUseFactoryRewriter.WithBlockBody(owner, site);
        var marked = owner.GetAnnotatedNodes(marker).ToList();
        if (marked.Count == 0)
        {
            return owner;
        }

        var block = marked[0].Ancestors().OfType<BlockSyntax>().FirstOrDefault(b => marked.All(m => b.Span.Contains(m.Span)))
                    ?? PerUseFactoryRewriter.GetBody(owner);
        if (block is null)
        {
            return owner;
        }

        var index = 0;
        while (index < block.Statements.Count && !marked.Any(m => block.Statements[index].Span.Contains(m.Span)))
        {
            index++;
        }

        var added = statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation));
        return owner.ReplaceNode(block, block.WithStatements(block.Statements.InsertRange(index, added)));
    }

    private static SyntaxNode ImportNamespaces(SyntaxNode root, ImmutableArray<string> namespaces, SemanticModel model)
    {
        if (root is not CompilationUnitSyntax unit)
        {
            return root;
        }

        foreach (var name in namespaces)
        {
            if (IsImported(unit, model.Compilation, name))
            {
                continue;
            }

            unit = unit.AddUsings(UsingDirective(ParseName(name)).WithAdditionalAnnotations(Formatter.Annotation));
        }

        return unit;
    }

    /// <summary>By this file's usings, or by a global using anywhere in the compilation (implicit usings included).</summary>
    private static bool IsImported(CompilationUnitSyntax unit, Compilation compilation, string name)
    {
        if (unit.Usings.Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Name?.ToString() == name)
            || unit.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().Any(n => n.Usings.Any(u => u.Name?.ToString() == name)))
        {
            return true;
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot() is CompilationUnitSyntax other
                && other.Usings.Any(u => u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword) && u.Alias is null && IsName(u.Name, name)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsName(NameSyntax? syntax, string name)
    {
        var text = syntax?.ToString();
        return text == name || text == "global::" + name;
    }
}

/// <summary>EF Core: <c>IDbContextFactory&lt;TContext&gt;</c>, one context per operation (<c>CreateDbContext</c>).</summary>
internal sealed class DbContextFactorySource : PerOperationSource
{
    private readonly bool _hasAsyncCreate;

    public DbContextFactorySource(INamedTypeSymbol factoryType)
    {
        FactoryType = factoryType;
        _hasAsyncCreate = TypeMembers.HasMethod(factoryType, "CreateDbContextAsync");
    }

    public override ITypeSymbol FactoryType { get; }

    public override string FactoryName(string dependencyName) => PerUseFactoryPlan.BaseName(dependencyName) + "Factory";

    public override IEnumerable<StatementSyntax> CreateLocal(ExpressionSyntax factory, string local, PerUseFactoryPlan.UseSite site, SemanticModel model)
    {
        if (site.IsAsync && _hasAsyncCreate)
        {
            var token = site.CancellationTokenName is { } name ? new ExpressionSyntax[] { IdentifierName(name) } : System.Array.Empty<ExpressionSyntax>();
            yield return UsingVar(local, AwaitExpression(Call(factory, IdentifierName("CreateDbContextAsync"), token)), awaitDisposal: true);
            yield break;
        }

        yield return UsingVar(local, Call(factory, IdentifierName("CreateDbContext")), awaitDisposal: site.IsAsync);
    }
}

/// <summary>
/// Any service: <c>IServiceScopeFactory</c>, one scope per operation, the dependency resolved from it.
/// What the scope resolves is disposed with the scope.
/// </summary>
internal sealed class ServiceScopeSource : PerOperationSource
{
    private readonly TypeSyntax _dependency;

    public ServiceScopeSource(INamedTypeSymbol scopeFactoryType, TypeSyntax dependency)
    {
        FactoryType = scopeFactoryType;
        _dependency = dependency;
    }

    public override ITypeSymbol FactoryType { get; }

    public override ImmutableArray<string> RequiredNamespaces { get; } = ImmutableArray.Create("Microsoft.Extensions.DependencyInjection");

    public override string FactoryName(string dependencyName) => "scopeFactory";

    public override IEnumerable<StatementSyntax> CreateLocal(ExpressionSyntax factory, string local, PerUseFactoryPlan.UseSite site, SemanticModel model)
    {
        var scope = PerUseFactoryPlan.UseSite.ChooseLocalName(model, site.Owner, "scope", default);
        yield return UsingVar(scope, Call(factory, IdentifierName(site.IsAsync ? "CreateAsyncScope" : "CreateScope")), awaitDisposal: site.IsAsync);

        var type = _dependency.WithAdditionalAnnotations(Simplifier.Annotation);
        var resolve = Call(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(scope), IdentifierName("ServiceProvider")),
            GenericName(Identifier("GetRequiredService"), TypeArgumentList(SingletonSeparatedList(type))));
        yield return LocalDeclarationStatement(
            VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(VariableDeclarator(Identifier(local)).WithInitializer(EqualsValueClause(resolve)))));
    }
}

/// <summary>
/// ADO.NET: the provider's <c>DbDataSource</c> (<c>NpgsqlDataSource</c>, <c>MySqlDataSource</c>, …), one connection
/// per operation. <c>CreateConnection</c> hands back a closed connection, as the injected one was: code that
/// opened it, or Dapper, which opens it, works as before.
/// </summary>
internal sealed class DataSourceSource : PerOperationSource
{
    public DataSourceSource(INamedTypeSymbol dataSourceType) => FactoryType = dataSourceType;

    public override ITypeSymbol FactoryType { get; }

    public override string FactoryName(string dependencyName) => "dataSource";

    public override IEnumerable<StatementSyntax> CreateLocal(ExpressionSyntax factory, string local, PerUseFactoryPlan.UseSite site, SemanticModel model)
    {
        yield return UsingVar(local, Call(factory, IdentifierName("CreateConnection")), awaitDisposal: site.IsAsync);
    }
}
