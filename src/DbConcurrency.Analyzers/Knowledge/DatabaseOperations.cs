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
        var isAsync = Awaits.IsTaskLike(invocation.Type) && !Harmless.Contains(method.Name);
        if (!isAsync && !Executing.Contains(method.Name) && !DeclaredOnDatabaseType(method, types))
        {
            return false;
        }

        var receiver = invocation.Instance ?? (method.IsExtensionMethod && invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);

        // FindAsync(id).AsTask(), ….ConfigureAwait(false): the same operation, not another one.
        return !Awaits.IsTaskLike(receiver?.Type) && TryGetSource(receiver, types, aliases, out target, out targetType);
    }

    /// <summary>True for a query operator that runs the query (<c>ToList</c>, <c>Count</c>…) and the context's own round trips (<c>SaveChanges</c>, <c>Find</c>…).</summary>
    public static bool Executes(string name) => Executing.Contains(name);

    /// <summary>
    /// True when <paramref name="invocation"/> (an operation <see cref="TryGetTarget"/> accepts) makes a round trip to the
    /// database: an asynchronous call, a query operator that runs the query, or any call on a connection or command.
    /// Adding, attaching or looking up an entry on a context only changes its tracking.
    /// </summary>
    public static bool MakesRoundTrip(IInvocationOperation invocation, DatabaseObjectKind kind)
        => Awaits.IsTaskLike(invocation.Type) || Executes(invocation.TargetMethod.Name) || kind != DatabaseObjectKind.Context;

    /// <summary>
    /// The object a query reads from while a <c>foreach</c> loops over it, row by row: a query over a context's set that the
    /// loop runs itself (<c>foreach (var o in db.Orders.Where(…))</c>, <c>await foreach (var o in db.Orders.AsAsyncEnumerable())</c>),
    /// or Dapper's unbuffered reads (<c>buffered: false</c>, <c>QueryUnbufferedAsync</c>). A list or array the rows were
    /// copied into first (<c>await ….ToListAsync()</c>, Dapper's default) is not. Asked of a loop <see cref="MayStream"/> accepts.
    /// </summary>
    public static bool TryGetStreamed(IForEachLoopOperation loop, DatabaseTypes types, IReadOnlyDictionary<ISymbol, ISymbol>? aliases, out ISymbol target, out ITypeSymbol targetType)
        => TryGetSource(Unwrap(loop.Collection), types, aliases, out target, out targetType, loop.SemanticModel);

    /// <summary>The cheap half of <see cref="TryGetStreamed"/>: the loop's collection is read as the loop runs.</summary>
    public static bool MayStream(IForEachLoopOperation loop)
    {
        var collection = Unwrap(loop.Collection);
        if (collection is IInvocationOperation invocation
            && (IsUnbuffered(invocation)
                || (invocation.TargetMethod.Name == "AsEnumerable" && invocation.Arguments.Length == 1 && Unwrap(invocation.Arguments[0].Value).Type is INamedTypeSymbol source && IsQuery(source))))
        {
            return true;
        }

        // Only a query makes each step of the loop read from the database: an IAsyncEnumerable<T> may be anything's.
        return collection.Type is INamedTypeSymbol type && (loop.IsAsynchronous ? IsAsyncQuery(type) : IsQuery(type));
    }

    private static bool IsUnbuffered(IInvocationOperation invocation)
    {
        switch (invocation.TargetMethod.Name)
        {
            case "QueryUnbufferedAsync":
                return true;
            case "Query":
                foreach (var argument in invocation.Arguments)
                {
                    if (argument.Parameter?.Name == "buffered" && argument.Value.ConstantValue is { HasValue: true, Value: false })
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static bool IsQuery(INamedTypeSymbol type)
    {
        if (IsQueryable(type))
        {
            return true;
        }

        // IQueryable is not generic: the definition's interfaces say it, without building each constructed type's.
        foreach (var @interface in type.OriginalDefinition.AllInterfaces)
        {
            if (IsQueryable(@interface))
            {
                return true;
            }
        }

        return false;
    }

    // EF Core's sets and queries implement IAsyncEnumerable<T> and IQueryable alike; AsAsyncEnumerable() hands back the first alone.
    private static bool IsAsyncQuery(INamedTypeSymbol type)
        => IsQuery(type) || type is { Name: "IAsyncEnumerable", ContainingNamespace.Name: "Generic" };

    private static bool IsQueryable(INamedTypeSymbol type)
        => type is { Name: "IQueryable", ContainingNamespace: { Name: "Linq", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } };

    /// <summary>The database object <paramref name="receiver"/> (an operation's receiver, or a query) stands for or is built on.</summary>
    /// <param name="queries">
    /// The model of the receiver's tree, to follow a query kept in a local to where it was built
    /// (<c>var open = db.Orders.Where(…); foreach (var o in open)</c>); null to stop at the local.
    /// </param>
    public static bool TryGetSource(IOperation? receiver, DatabaseTypes types, IReadOnlyDictionary<ISymbol, ISymbol>? aliases, out ISymbol target, out ITypeSymbol targetType, SemanticModel? queries = null)
    {
        target = null!;
        targetType = null!;
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

                case ILocalReferenceOperation local when queries is not null
                                                         && local.Type is INamedTypeSymbol query && IsQuery(query)
                                                         && FunctionBody.DeclaredOperationOf(local.Local, queries) is { } built:
                    receiver = built;
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
