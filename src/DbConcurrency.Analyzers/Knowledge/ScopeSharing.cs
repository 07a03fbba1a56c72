using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Which members two services built by one scope share: a scope hands every service that asks for a context the same
/// instance (EF Core registers contexts scoped), so a controller given <c>OrderService(AppDb db)</c> and
/// <c>CustomerService(AppDb db)</c> holds two services on one context. Answered only for members a constructor was
/// given, never for one a type makes itself, and not at all when the compilation may register the context transient.
/// </summary>
internal sealed class ScopeSharing
{
    private static readonly ImmutableArray<string> TransientWords = ImmutableArray.Create("Transient");

    private readonly SemanticModels _models;
    private readonly ConcurrentDictionary<ISymbol, bool> _given = new(SymbolEqualityComparer.Default);
    private readonly ConcurrentDictionary<string, bool> _transient = new(StringComparer.Ordinal);

    public ScopeSharing(SemanticModels models) => _models = models;

    /// <summary>
    /// True when <paramref name="member"/>, kept by its instance (see <see cref="HeldByInstance"/>), holds what a constructor
    /// was given: a primary constructor parameter, or a field or auto-property a constructor or initializer stores a
    /// constructor parameter in. Read from the type's constructors once per member.
    /// </summary>
    public bool IsGivenByConstructor(ISymbol member, CancellationToken cancellationToken)
    {
        if (member is IParameterSymbol)
        {
            return true;
        }

        var definition = member.OriginalDefinition;
        if (!_given.TryGetValue(definition, out var given))
        {
            given = _given.GetOrAdd(definition, ReadGiven(definition, cancellationToken));
        }

        return given;
    }

    /// <summary>
    /// False when no registration-like call of the compilation names <paramref name="context"/> and a transient lifetime
    /// (<c>AddDbContext&lt;AppDb&gt;(…, ServiceLifetime.Transient)</c>, <c>AddTransient&lt;AppDb&gt;()</c>): then each
    /// service that asks gets its own. Read from the text of the calls that say "Transient", once per context name.
    /// </summary>
    public bool MayBeTransient(ITypeSymbol context, CancellationToken cancellationToken)
    {
        if (!_transient.TryGetValue(context.Name, out var transient))
        {
            transient = _transient.GetOrAdd(context.Name, NamedInTransientCall(context.Name, cancellationToken));
        }

        return transient;
    }

    private bool ReadGiven(ISymbol member, CancellationToken cancellationToken)
    {
        if (member.ContainingType is not { } owner)
        {
            return false;
        }

        foreach (var constructor in owner.InstanceConstructors)
        {
            foreach (var reference in constructor.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is ConstructorDeclarationSyntax declaration
                    && _models.For(declaration.SyntaxTree).GetOperation(declaration, cancellationToken) is { } body
                    && StoresParameterIn(body, member))
                {
                    return true;
                }
            }
        }

        // private readonly AppDb _db = db; with db a primary constructor parameter.
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            var initializer = reference.GetSyntax(cancellationToken) switch
            {
                VariableDeclaratorSyntax variable => variable.Initializer,
                PropertyDeclarationSyntax property => property.Initializer,
                _ => null,
            };

            if (initializer is not null
                && _models.For(initializer.SyntaxTree).GetOperation(initializer, cancellationToken) is ISymbolInitializerOperation stored
                && HeldByInstance.StoredParameter(stored.Value) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static bool StoresParameterIn(IOperation body, ISymbol member)
    {
        foreach (var operation in body.Descendants())
        {
            if (operation is ISimpleAssignmentOperation assignment
                && SymbolEqualityComparer.Default.Equals(HeldByInstance.MemberStoredBy(assignment, out _), member))
            {
                return true;
            }
        }

        return false;
    }

    private bool NamedInTransientCall(string name, CancellationToken cancellationToken)
    {
        foreach (var tree in _models.Compilation.SyntaxTrees)
        {
            foreach (var token in IdentifierSearch.Find(tree, TransientWords, cancellationToken))
            {
                // The whole registration: services.AddDbContext<AppDb>(o => …, ServiceLifetime.Transient).
                SyntaxNode? call = null;
                for (var node = token.Parent; node is not null and not StatementSyntax and not MemberDeclarationSyntax; node = node.Parent)
                {
                    if (node is InvocationExpressionSyntax)
                    {
                        call = node;
                    }
                }

                if (call is not null && call.ToString().IndexOf(name, StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
