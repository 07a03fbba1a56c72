using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The body that runs for a call through an interface of the user's: most services are injected by interface, and when
/// one class of the compilation implements it, that is the class the container builds. With none in sight, or several
/// (a decorator, a second store), the body is unknown. One answer per interface per compilation.
/// </summary>
internal sealed class SourceImplementations
{
    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<INamedTypeSymbol, INamedTypeSymbol?> _only = new(SymbolEqualityComparer.Default);

    public SourceImplementations(Compilation compilation) => _compilation = compilation;

    /// <summary>A method whose body is the one that runs: written in source once, and no override can replace it.</summary>
    public static bool IsOwnBody(IMethodSymbol method)
        => method is { IsAbstract: false, IsVirtual: false, IsOverride: false } && method.DeclaringSyntaxReferences.Length == 1;

    /// <summary>
    /// The method that runs for <paramref name="method"/>, an interface's, when one non-abstract class of the compilation
    /// implements the interface; null when none does or several do, or when that class's method is virtual.
    /// </summary>
    public IMethodSymbol? MethodFor(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var contract = method.ContainingType;
        if (contract is not { TypeKind: TypeKind.Interface, IsGenericType: false })
        {
            return null;
        }

        if (!_only.TryGetValue(contract, out var implementation))
        {
            implementation = _only.GetOrAdd(contract, FindOnly(contract, cancellationToken));
        }

        return implementation?.FindImplementationForInterfaceMember(method) is IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation } body
               && IsOwnBody(body)
            ? body
            : null;
    }

    private INamedTypeSymbol? FindOnly(INamedTypeSymbol contract, CancellationToken cancellationToken)
    {
        // Candidates by the names their declarations list as bases, then checked by symbol: no type is bound for this
        // that does not name the interface.
        INamedTypeSymbol? only = null;
        foreach (var name in CaptureReach.ClassesNaming(_compilation.SyntaxTrees, contract.Name))
        {
            foreach (var symbol in _compilation.GetSymbolsWithName(name, SymbolFilter.Type, cancellationToken))
            {
                if (symbol is INamedTypeSymbol { TypeKind: TypeKind.Class, IsAbstract: false } candidate
                    && !SymbolEqualityComparer.Default.Equals(candidate, only)
                    && Implements(candidate, contract))
                {
                    if (only is not null)
                    {
                        return null;
                    }

                    only = candidate;
                }
            }
        }

        return only;
    }

    private static bool Implements(INamedTypeSymbol type, INamedTypeSymbol contract)
    {
        foreach (var implemented in type.AllInterfaces)
        {
            if (SymbolEqualityComparer.Default.Equals(implemented, contract))
            {
                return true;
            }
        }

        return false;
    }
}
