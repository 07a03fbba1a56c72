using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Which object an operation runs on: <c>db.Orders.Where(…).ToListAsync()</c> runs on <c>db</c>,
/// <c>connection.QueryAsync(…)</c> (Dapper) on <c>connection</c>, <c>command.ExecuteReaderAsync()</c> on
/// <c>command</c>. The object is named by the local, parameter, field or property that holds it, with
/// simple aliases (<c>var db2 = db;</c>) folded into the original.
/// </summary>
internal static class DatabaseOperations
{
    // Query operators that run the query: what makes a chain over a context an operation rather than a query being built.
    private static readonly HashSet<string> Executing = new()
    {
        "ToList", "ToArray", "ToDictionary", "ToHashSet", "First", "FirstOrDefault", "Single", "SingleOrDefault",
        "Last", "LastOrDefault", "Count", "LongCount", "Any", "All", "Sum", "Min", "Max", "Average", "Contains",
        "Load", "Find", "SaveChanges", "ExecuteUpdate", "ExecuteDelete", "ExecuteSqlRaw", "ExecuteSql",
    };

    /// <summary>
    /// The object <paramref name="invocation"/> runs an operation on, when it runs one: an asynchronous call
    /// (returns a task) whose receiver chain starts at a database object, or a synchronous call that executes
    /// (a method of the object itself, an extension taking it first, a query operator that runs the query).
    /// </summary>
    public static bool TryGetTarget(IInvocationOperation invocation, DatabaseTypes types, IReadOnlyDictionary<ISymbol, ISymbol>? aliases, out ISymbol target, out ITypeSymbol targetType)
    {
        target = null!;
        targetType = null!;
        var method = invocation.TargetMethod;
        var isAsync = Awaits.IsTaskLike(method.ReturnType) && !Harmless.Contains(method.Name);
        if (!isAsync && !Executing.Contains(method.Name) && !DeclaredOnDatabaseType(method, types))
        {
            return false;
        }

        var receiver = invocation.Instance ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);

        // FindAsync(id).AsTask(), ….ConfigureAwait(false): the same operation, not another one.
        if (Awaits.IsTaskLike(receiver?.Type))
        {
            return false;
        }

        for (var depth = 0; receiver is not null && depth < 12; depth++)
        {
            switch (receiver)
            {
                case IConversionOperation conversion:
                    receiver = conversion.Operand;
                    continue;

                case IInvocationOperation inner:
                    receiver = inner.Instance ?? (inner.TargetMethod.IsExtensionMethod && inner.Arguments.Length > 0 ? inner.Arguments[0].Value : null);
                    continue;

                case ILocalReferenceOperation local when types.TryClassify(local.Local.Type, out _):
                    return Found(local.Local, local.Local.Type, aliases, out target, out targetType);

                case IParameterReferenceOperation parameter when types.TryClassify(parameter.Parameter.Type, out _):
                    return Found(parameter.Parameter, parameter.Parameter.Type, aliases, out target, out targetType);

                case IFieldReferenceOperation field when types.TryClassify(field.Field.Type, out _):
                    return Found(field.Field.OriginalDefinition, field.Field.Type, aliases, out target, out targetType);

                case IPropertyReferenceOperation property when types.TryClassify(property.Property.Type, out var match):
                    // db.Orders is the context's DbSet: the operation runs on db. A context property of its own is the object.
                    if (match.Kind == DatabaseObjectKind.Context && property.Instance is { } owner && types.TryClassify(owner.Type, out _))
                    {
                        receiver = owner;
                        continue;
                    }

                    return Found(property.Property.OriginalDefinition, property.Property.Type, aliases, out target, out targetType);

                case IPropertyReferenceOperation property:
                    receiver = property.Instance;
                    continue;

                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>Locals initialized to another database object (<c>var db2 = db;</c>): the same object under another name.</summary>
    public static Dictionary<ISymbol, ISymbol> FindAliases(IOperation body, DatabaseTypes types)
    {
        var aliases = new Dictionary<ISymbol, ISymbol>(SymbolEqualityComparer.Default);
        foreach (var operation in body.Descendants())
        {
            if (operation is IVariableDeclaratorOperation { Initializer.Value: { } value } declarator
                && types.TryClassify(declarator.Symbol.Type, out _)
                && Unwrap(value) is { } source
                && SymbolOf(source) is { } original)
            {
                aliases[declarator.Symbol] = aliases.TryGetValue(original, out var root) ? root : original;
            }
        }

        return aliases;
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    private static ISymbol? SymbolOf(IOperation operation) => operation switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field.OriginalDefinition,
        IPropertyReferenceOperation property => property.Property.OriginalDefinition,
        _ => null,
    };

    private static bool Found(ISymbol symbol, ITypeSymbol type, IReadOnlyDictionary<ISymbol, ISymbol>? aliases, out ISymbol target, out ITypeSymbol targetType)
    {
        target = aliases is not null && aliases.TryGetValue(symbol, out var original) ? original : symbol;
        targetType = type;
        return true;
    }

    // Calls on the object that do not use it: making a command or parameter, disposing, object plumbing.
    // Set<T>() hands back the context's set, as the Orders property does: the query built on it is the operation.
    private static readonly HashSet<string> Harmless = new()
    {
        "CreateCommand", "CreateParameter", "CreateBatch", "Dispose", "DisposeAsync", "GetType", "ToString", "GetHashCode", "Equals", "Set",
    };

    private static bool DeclaredOnDatabaseType(IMethodSymbol method, DatabaseTypes types)
    {
        if (Harmless.Contains(method.Name))
        {
            return false;
        }

        if (method.IsExtensionMethod)
        {
            var extended = method.ReducedFrom?.Parameters[0].Type ?? (method.Parameters.Length > 0 ? method.Parameters[0].Type : null);
            return types.TryClassify(extended, out var match) && !match.IsContained;
        }

        return method.ContainingType is { } type && types.TryClassify(type, out var own) && !own.IsContained;
    }
}
