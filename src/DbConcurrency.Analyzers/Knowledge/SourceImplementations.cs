using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The body that runs for a call through an interface of the user's: most services are injected by interface, and when
/// one class of the compilation implements it, that is the class the container builds. With none in sight, or several
/// (a decorator, a second store), the body is unknown. Worked out once per interface name per compilation.
/// </summary>
internal sealed class SourceImplementations
{
    private readonly Compilation _compilation;
    private readonly Lazy<Dictionary<string, HashSet<string>>> _classesByBase;

    // Per interface name, each interface of that name (one per namespace or feature folder) with its only implementation,
    // or null when several classes implement it.
    private readonly ConcurrentDictionary<string, Dictionary<INamedTypeSymbol, INamedTypeSymbol?>> _byName = new(StringComparer.Ordinal);

    public SourceImplementations(Compilation compilation)
    {
        _compilation = compilation;
        _classesByBase = new Lazy<Dictionary<string, HashSet<string>>>(() => CaptureReach.ClassesByBaseName(compilation.SyntaxTrees), LazyThreadSafetyMode.ExecutionAndPublication);
    }

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

        if (!_byName.TryGetValue(contract.Name, out var implementations))
        {
            implementations = _byName.GetOrAdd(contract.Name, Read(contract.Name, cancellationToken));
        }

        return implementations.TryGetValue(contract, out var implementation)
               && implementation?.FindImplementationForInterfaceMember(method) is IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation } body
               && IsOwnBody(body)
            ? body
            : null;
    }

    private Dictionary<INamedTypeSymbol, INamedTypeSymbol?> Read(string contractName, CancellationToken cancellationToken)
    {
        // Candidates by the names their declarations list as bases, then checked by symbol: no type is bound for this
        // that does not name an interface of that name.
        var implementations = new Dictionary<INamedTypeSymbol, INamedTypeSymbol?>(SymbolEqualityComparer.Default);
        if (!_classesByBase.Value.TryGetValue(contractName, out var names))
        {
            return implementations;
        }

        foreach (var name in names)
        {
            foreach (var symbol in _compilation.GetSymbolsWithName(name, SymbolFilter.Type, cancellationToken))
            {
                if (symbol is not INamedTypeSymbol { TypeKind: TypeKind.Class, IsAbstract: false } candidate)
                {
                    continue;
                }

                foreach (var contract in candidate.AllInterfaces)
                {
                    if (contract.Name == contractName)
                    {
                        // A second class for the same interface: which one runs is the container's choice.
                        implementations[contract] = implementations.TryGetValue(contract, out var known) && !SymbolEqualityComparer.Default.Equals(known, candidate)
                            ? null
                            : candidate;
                    }
                }
            }
        }

        return implementations;
    }
}
