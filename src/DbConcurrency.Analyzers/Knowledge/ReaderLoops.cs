using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// <c>while (reader.Read())</c>: an ADO.NET data reader keeps its command running on the connection until it is
/// closed, and SQL Server (without MARS), PostgreSQL and MySQL run one command per connection at a time. Which
/// connection a loop's reader holds is read from the body: the reader from <c>command.ExecuteReader()</c> (or Dapper's
/// <c>connection.ExecuteReader(sql)</c>), the command from <c>connection.CreateCommand()</c>, <c>new …Command(sql,
/// connection)</c>, <c>{ Connection = connection }</c> or <c>command.Connection = connection</c>.
/// </summary>
internal static class ReaderLoops
{
    /// <summary>
    /// The cheap half: the loop's condition reads the next row of a local (<c>reader.Read()</c>, <c>await reader.ReadAsync()</c>),
    /// alone or as one side of an <c>&amp;&amp;</c> (<c>while (reader.Read() &amp;&amp; count &lt; limit)</c>).
    /// </summary>
    public static bool TryGetReader(IWhileLoopOperation loop, out ILocalSymbol reader) => TryGetReader(loop.Condition, out reader);

    private static bool TryGetReader(IOperation? condition, out ILocalSymbol reader)
    {
        reader = null!;
        switch (Unwrap(condition))
        {
            case IInvocationOperation { TargetMethod.Name: "Read" or "ReadAsync", Instance: ILocalReferenceOperation { Local: var local } }:
                reader = local;
                return true;
            case IBinaryOperation { OperatorKind: BinaryOperatorKind.ConditionalAnd } both:
                return TryGetReader(both.LeftOperand, out reader) || TryGetReader(both.RightOperand, out reader);
            default:
                return false;
        }
    }

    /// <summary>The connection the reader's command runs on, when the body says which.</summary>
    public static bool TryGetConnection(ILocalSymbol reader, IOperation root, DatabaseTypes types, IReadOnlyDictionary<ISymbol, ISymbol>? aliases, out ISymbol connection, out ITypeSymbol connectionType)
    {
        connection = null!;
        connectionType = null!;
        if (Unwrap(FunctionBody.DeclaredOperationOf(reader, root.SemanticModel)) is not IInvocationOperation execute
            || !execute.TargetMethod.Name.StartsWith("ExecuteReader", StringComparison.Ordinal))
        {
            return false;
        }

        // Dapper's ExecuteReader takes the connection itself.
        if (execute.TargetMethod.IsExtensionMethod)
        {
            return execute.Arguments.Length > 0
                   && DatabaseOperations.TryGetSource(execute.Arguments[0].Value, types, aliases, out connection, out connectionType)
                   && IsConnection(connectionType, types);
        }

        return DatabaseOperations.TryGetSource(execute.Instance, types, aliases, out var command, out _)
               && TryGetCommandConnection(command, root, types, aliases, out connection, out connectionType);
    }

    /// <summary>The connection <paramref name="command"/> (a local, field or parameter) is given in <paramref name="root"/>.</summary>
    public static bool TryGetCommandConnection(ISymbol command, IOperation root, DatabaseTypes types, IReadOnlyDictionary<ISymbol, ISymbol>? aliases, out ISymbol connection, out ITypeSymbol connectionType)
    {
        connection = null!;
        connectionType = null!;
        foreach (var operation in root.Descendants())
        {
            IOperation? given = operation switch
            {
                IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, command)
                    => GivenAtCreation(FunctionBody.ValueOf(declarator), types),
                ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Connection", Instance: { } instance } } assignment
                    when DatabaseOperations.TryGetSource(instance, types, aliases, out var assigned, out _) && SymbolEqualityComparer.Default.Equals(assigned, command)
                    => assignment.Value,
                _ => null,
            };

            if (given is not null && DatabaseOperations.TryGetSource(given, types, aliases, out connection, out connectionType) && IsConnection(connectionType, types))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True for a connection that runs one command at a time. Microsoft.Data.Sqlite runs a second command while a reader
    /// is open (tried with 8.0.31), so a loop over one of its readers may use it; System.Data.SQLite's SQLiteConnection
    /// steps the same SQLite statements, and is left out with it.
    /// </summary>
    public static bool AllowsOneCommand(ITypeSymbol connectionType)
        => !connectionType.Name.Equals("SqliteConnection", StringComparison.OrdinalIgnoreCase);

    /// <summary>A call that sends a command on a connection or command: Execute…, Query… (Dapper), Prepare, BeginTransaction.</summary>
    public static bool SendsCommand(IInvocationOperation invocation)
    {
        var name = invocation.TargetMethod.Name;
        return name.StartsWith("Execute", StringComparison.Ordinal)
               || name.StartsWith("Query", StringComparison.Ordinal)
               || name.StartsWith("Prepare", StringComparison.Ordinal)
               || name.StartsWith("BeginTransaction", StringComparison.Ordinal);
    }

    private static IOperation? GivenAtCreation(IOperation? value, DatabaseTypes types)
    {
        switch (Unwrap(value))
        {
            case IInvocationOperation { TargetMethod.Name: "CreateCommand", Instance: { } owner }:
                return owner;

            case IObjectCreationOperation creation:
                foreach (var argument in creation.Arguments)
                {
                    if (IsConnection(argument.Value.Type, types))
                    {
                        return argument.Value;
                    }
                }

                if (creation.Initializer is { } initializer)
                {
                    foreach (var member in initializer.Initializers)
                    {
                        if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Connection" } } assignment)
                        {
                            return assignment.Value;
                        }
                    }
                }

                return null;

            default:
                return null;
        }
    }

    private static bool IsConnection(ITypeSymbol? type, DatabaseTypes types)
        => types.TryClassify(type, out var match) && match.Kind == DatabaseObjectKind.Connection;

    private static IOperation? Unwrap(IOperation? operation) => operation is null ? null : FunctionBody.Unwrap(operation);
}
