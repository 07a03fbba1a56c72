using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>Edits to service registrations: a singleton made scoped, a context registered with its factory.</summary>
internal static class ServiceRegistrationRewriter
{
    /// <summary>
    /// The registration at <paramref name="node"/> (a method name or <c>new ServiceDescriptor(...)</c>) with a
    /// scoped lifetime: the Scoped twin of the method, or <c>ServiceLifetime.Scoped</c> in the lifetime
    /// argument. An instance registration becomes a factory that creates the instance per scope, which is
    /// only offered when the instance is created right there.
    /// </summary>
    public static bool TryMakeScoped(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken, out SyntaxNode original, out SyntaxNode replacement)
    {
        original = node;
        replacement = node;
        switch (node)
        {
            case SimpleNameSyntax name when name.Parent is MemberAccessExpressionSyntax or InvocationExpressionSyntax
                                             && name.FirstAncestorOrSelf<InvocationExpressionSyntax>() is { } invocation
                                             && model.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method:
                original = invocation;
                return TryScopedInvocation(invocation, name, method, out replacement);

            case ObjectCreationExpressionSyntax creation
                when model.GetSymbolInfo(creation, cancellationToken).Symbol is IMethodSymbol constructor:
                original = creation;
                return TryScopedLifetimeArgument(creation, creation.ArgumentList, constructor, "lifetime", out replacement);

            default:
                return false;
        }
    }

    /// <summary>
    /// The solution with <c>AddDbContext&lt;TContext&gt;(options)</c> turned into <c>AddDbContextFactory&lt;TContext&gt;(options)</c>,
    /// which registers the factory and, since EF Core 6, the context as scoped too, so other consumers keep working.
    /// Null when no registration of the context can carry the factory; unchanged when the factory is already registered.
    /// </summary>
    public static async Task<Solution?> RegisterContextFactoryAsync(Solution solution, ITypeSymbol context, CancellationToken cancellationToken)
    {
        // Compared by name: the solution may already carry other edits of this fix, so its symbols are not the caller's.
        var contextName = context.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var edits = new List<(DocumentId Document, SimpleNameSyntax Name)>();
        var hasFactory = false;
        foreach (var project in solution.Projects)
        {
            foreach (var document in project.Documents)
            {
                var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                if (root is null)
                {
                    continue;
                }

                SemanticModel? model = null;
                foreach (var invocation in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
                {
                    if (MethodName(invocation) is not { Identifier.ValueText: "AddDbContext" or "AddDbContextFactory" or "AddPooledDbContextFactory" } name)
                    {
                        continue;
                    }

                    model ??= await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                    if (model?.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { TypeArguments.Length: >= 1 } method
                        || method.TypeArguments[0].ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) != contextName
                        || method.ContainingType.Name != "EntityFrameworkServiceCollectionExtensions")
                    {
                        continue;
                    }

                    if (method.Name != "AddDbContext")
                    {
                        hasFactory = true;
                    }
                    else if (method.TypeArguments.Length == 1 && OnlyOptionsAction(model, invocation, cancellationToken))
                    {
                        edits.Add((document.Id, name));
                    }
                }
            }
        }

        if (hasFactory)
        {
            return solution;
        }

        if (edits.Count == 0)
        {
            return null;
        }

        foreach (var group in edits.GroupBy(e => e.Document))
        {
            var document = solution.GetDocument(group.Key)!;
            var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            var renamed = root!.ReplaceNodes(
                group.Select(e => e.Name),
                (_, name) => name.WithIdentifier(Identifier("AddDbContextFactory").WithTriviaFrom(name.Identifier)));
            solution = solution.WithDocumentSyntaxRoot(group.Key, renamed);
        }

        return solution;
    }

    /// <summary>
    /// True when the solution registers <paramref name="service"/> for injection: a registration whose service
    /// or implementation type it is, or a provider's own <c>Add{Type}</c> extension (<c>AddNpgsqlDataSource</c>).
    /// </summary>
    public static async Task<bool> IsRegisteredAsync(Solution solution, ITypeSymbol service, CancellationToken cancellationToken)
    {
        var serviceName = service.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var providerMethod = "Add" + service.Name;
        foreach (var project in solution.Projects)
        {
            var compilation = await project.GetCompilationAsync(cancellationToken).ConfigureAwait(false);
            if (compilation is null)
            {
                continue;
            }

            var apis = Analyzers.Knowledge.DependencyInjectionApis.Create(compilation);
            foreach (var document in project.Documents)
            {
                var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                SemanticModel? model = null;
                foreach (var node in root?.DescendantNodes() ?? Enumerable.Empty<SyntaxNode>())
                {
                    var isProviderMethod = node is InvocationExpressionSyntax invocation && MethodName(invocation)?.Identifier.ValueText == providerMethod;
                    if (!isProviderMethod && !Analyzers.Knowledge.DependencyInjectionApis.MayRegister(node))
                    {
                        continue;
                    }

                    model ??= await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                    var operation = model?.GetOperation(node, cancellationToken);
                    if (isProviderMethod && operation is Microsoft.CodeAnalysis.Operations.IInvocationOperation { TargetMethod.IsExtensionMethod: true })
                    {
                        return true;
                    }

                    if (operation is not null
                        && apis.TryGetRegistration(operation, out var registration)
                        && (registration?.ServiceType?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == serviceName
                            || registration?.ImplementationType?.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == serviceName))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool TryScopedInvocation(InvocationExpressionSyntax invocation, SimpleNameSyntax name, IMethodSymbol method, out SyntaxNode replacement)
    {
        replacement = invocation;
        switch (method.Name)
        {
            case "AddDbContext":
                return TryScopedLifetimeArgument(invocation, invocation.ArgumentList, method, "contextLifetime", out replacement);
            case "Describe" or "DescribeKeyed":
                return TryScopedLifetimeArgument(invocation, invocation.ArgumentList, method, "lifetime", out replacement);
        }

        if (!method.Name.EndsWith("Singleton", StringComparison.Ordinal)
            || !(method.Name.StartsWith("Add", StringComparison.Ordinal) || method.Name.StartsWith("TryAdd", StringComparison.Ordinal) || method.ContainingType.Name == "ServiceDescriptor"))
        {
            return false;
        }

        var scopedName = method.Name.Substring(0, method.Name.Length - "Singleton".Length) + "Scoped";
        var arguments = invocation.ArgumentList;
        var instanceIndex = ParameterIndex(method, "implementationInstance");
        if (instanceIndex >= 0)
        {
            // AddScoped has no instance overload: the instance becomes "_ => new …()", one per scope.
            var argument = ArgumentFor(invocation.ArgumentList, method, instanceIndex);
            if (argument?.Expression is not ObjectCreationExpressionSyntax creation || method.Name.Contains("Keyed"))
            {
                return false;
            }

            var factory = SimpleLambdaExpression(Parameter(Identifier("_")), creation.WithoutTrivia()).WithTriviaFrom(creation);
            arguments = arguments.ReplaceNode(argument, argument.WithExpression(factory).WithNameColon(null));
        }

        var newName = name.WithIdentifier(Identifier(scopedName).WithTriviaFrom(name.Identifier));
        replacement = invocation.ReplaceNodes(
            new SyntaxNode[] { name, invocation.ArgumentList },
            (node, _) => node == name ? newName : arguments);
        return true;
    }

    private static bool TryScopedLifetimeArgument(ExpressionSyntax call, ArgumentListSyntax? arguments, IMethodSymbol method, string parameterName, out SyntaxNode replacement)
    {
        replacement = call;
        var index = ParameterIndex(method, parameterName);
        var argument = index < 0 || arguments is null ? null : ArgumentFor(arguments, method, index);
        if (argument?.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Singleton" } lifetime)
        {
            return false;
        }

        replacement = call.ReplaceNode(lifetime.Name, IdentifierName("Scoped").WithTriviaFrom(lifetime.Name));
        return true;
    }

    private static int ParameterIndex(IMethodSymbol method, string name)
    {
        for (var i = 0; i < method.Parameters.Length; i++)
        {
            if (method.Parameters[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The argument passed for parameter <paramref name="index"/>, by name or by position. A reduced extension
    /// method's parameters skip "this" as its argument list does, so positions line up either way.
    /// </summary>
    private static ArgumentSyntax? ArgumentFor(ArgumentListSyntax arguments, IMethodSymbol method, int index)
    {
        var name = method.Parameters[index].Name;
        var named = arguments.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == name);
        if (named is not null)
        {
            return named;
        }

        return index < arguments.Arguments.Count && arguments.Arguments[index].NameColon is null ? arguments.Arguments[index] : null;
    }

    private static bool OnlyOptionsAction(SemanticModel model, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        var operation = model.GetOperation(invocation, cancellationToken) as Microsoft.CodeAnalysis.Operations.IInvocationOperation;
        return operation is not null
               && operation.Arguments.All(a => a.ArgumentKind == Microsoft.CodeAnalysis.Operations.ArgumentKind.DefaultValue
                                               || a.Parameter?.Name is "optionsAction" or "serviceCollection");
    }

    private static SimpleNameSyntax? MethodName(InvocationExpressionSyntax invocation) => invocation.Expression switch
    {
        MemberAccessExpressionSyntax access => access.Name,
        SimpleNameSyntax name => name,
        _ => null,
    };
}
