using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>One call that runs SQL: its text, where the text came from, and the values bound to its parameters.</summary>
internal sealed class SqlCall
{
    public SqlCall(IInvocationOperation invocation, string text, IOperation textSource, ISymbol? connection, IOperation? parameterObject, ISymbol? command, bool hasTransaction)
    {
        Invocation = invocation;
        Text = text;
        TextSource = textSource;
        Connection = connection;
        ParameterObject = parameterObject;
        Command = command;
        HasTransaction = hasTransaction;
    }

    public IInvocationOperation Invocation { get; }

    /// <summary>The SQL, holes of an interpolated string standing as <c>__hole</c>.</summary>
    public string Text { get; }

    /// <summary>The operation the text was read from: a literal the fixes can rewrite, or a constant elsewhere.</summary>
    public IOperation TextSource { get; }

    /// <summary>The connection the SQL runs on, when a local, parameter or field names it.</summary>
    public ISymbol? Connection { get; }

    /// <summary>Dapper's <c>param</c> argument.</summary>
    public IOperation? ParameterObject { get; }

    /// <summary>ADO.NET: the command local or parameter whose <c>Parameters</c> carry the values.</summary>
    public ISymbol? Command { get; }

    /// <summary>The call runs in a transaction it is handed (Dapper's <c>transaction</c>, a command's <c>Transaction</c>).</summary>
    public bool HasTransaction { get; }

    public bool IsDapper => Command is null;
}

/// <summary>
/// Recognizes the calls that run SQL — Dapper's extension methods and ADO.NET's <c>Execute*</c> on a command — and
/// reads their SQL text and parameter values from the surrounding body.
/// </summary>
internal static class SqlCalls
{
    private const string DapperMapper = "SqlMapper";
    private const string Hole = " __hole ";

    /// <summary>Names that run SQL and hand back what it read.</summary>
    public static bool IsReadName(string name) => name.StartsWith("Query", StringComparison.Ordinal)
        || name is "ExecuteScalar" or "ExecuteScalarAsync" or "ExecuteReader" or "ExecuteReaderAsync";

    /// <summary>Names that run SQL for its effect.</summary>
    public static bool IsWriteName(string name) => WriteNames.Contains(name);

    /// <summary>The names of the calls that run SQL for its effect, also searched for in a body's text.</summary>
    public static ImmutableArray<string> WriteNames { get; } = ImmutableArray.Create("Execute", "ExecuteAsync", "ExecuteNonQuery", "ExecuteNonQueryAsync");

    public static bool TryRead(IInvocationOperation invocation, FunctionBody body, DatabaseTypes types, out SqlCall call)
    {
        call = null!;
        var method = invocation.TargetMethod;
        if (method.IsExtensionMethod && method.ContainingType.Name == DapperMapper && method.ContainingNamespace?.Name == "Dapper")
        {
            return TryReadDapper(invocation, body, out call);
        }

        if (invocation.Instance is { } instance && types.TryClassify(instance.Type, out var match) && match.Kind == DatabaseObjectKind.Command)
        {
            return TryReadCommand(invocation, FunctionBody.SymbolOf(instance), body, out call);
        }

        return false;
    }

    /// <summary>The values bound to each parameter name (prefix stripped), in binding order; positional ones as <c>$1</c>, <c>$2</c>….</summary>
    public static List<KeyValuePair<string, IOperation>> ParameterValues(SqlCall call, FunctionBody body)
    {
        var values = new List<KeyValuePair<string, IOperation>>();
        if (call.IsDapper)
        {
            if (call.ParameterObject is { } parameters)
            {
                AddObjectMembers(FunctionBody.Unwrap(parameters), body, values);
            }

            return values;
        }

        var positional = 0;
        foreach (var operation in body.Operations)
        {
            if (operation.Syntax.SpanStart >= call.Invocation.Syntax.SpanStart)
            {
                break;
            }

            switch (operation)
            {
                // Reused commands start over.
                case IInvocationOperation { TargetMethod.Name: "Clear" } clear when IsParametersOf(clear.Instance, call.Command!):
                    values.Clear();
                    positional = 0;
                    break;

                // command.Parameters.AddWithValue("@views", value), .Add(new SqlParameter("@views", value)), .Add(value) (positional).
                case IInvocationOperation add when add.TargetMethod.Name is "AddWithValue" or "Add" && IsParametersOf(add.Instance, call.Command!):
                    if (add.Arguments.Length >= 2 && add.TargetMethod.Name == "AddWithValue" && NameOf(add.Arguments[0].Value) is { } name)
                    {
                        values.Add(new KeyValuePair<string, IOperation>(name, add.Arguments[1].Value));
                    }
                    else if (add.Arguments.Length == 1 && FunctionBody.Unwrap(add.Arguments[0].Value) is IObjectCreationOperation created)
                    {
                        var parameterName = created.Arguments.Length >= 1 ? NameOf(created.Arguments[0].Value) : null;
                        var value = created.Arguments.Length >= 2 ? created.Arguments[1].Value : ValueInInitializer(created);
                        if (value is not null)
                        {
                            values.Add(new KeyValuePair<string, IOperation>(parameterName ?? Positional(++positional), value));
                        }
                    }
                    else if (add.Arguments.Length == 1 && add.TargetMethod.Name == "AddWithValue")
                    {
                        values.Add(new KeyValuePair<string, IOperation>(Positional(++positional), add.Arguments[0].Value));
                    }

                    break;

                // command.Parameters.Add("@views", SqlDbType.Int).Value = value; command.Parameters["@views"].Value = value.
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Value", Instance: { } parameter } } assignment:
                    if (parameter is IInvocationOperation { TargetMethod.Name: "Add" } added && IsParametersOf(added.Instance, call.Command!)
                        && added.Arguments.Length >= 1 && NameOf(added.Arguments[0].Value) is { } addedName)
                    {
                        values.Add(new KeyValuePair<string, IOperation>(addedName, assignment.Value));
                    }
                    else if (parameter is IPropertyReferenceOperation { Arguments.Length: 1 } indexer && IsParametersOf(indexer.Instance, call.Command!)
                        && NameOf(indexer.Arguments[0].Value) is { } indexedName)
                    {
                        values.Add(new KeyValuePair<string, IOperation>(indexedName, assignment.Value));
                    }

                    break;
            }
        }

        return values;
    }

    /// <summary>The text of a SQL argument: a constant, an interpolated string, or a local holding one.</summary>
    public static string? TextOf(IOperation value, FunctionBody body)
    {
        value = FunctionBody.Unwrap(value);
        if (value.ConstantValue is { HasValue: true, Value: string constant })
        {
            return constant;
        }

        switch (value)
        {
            case IInterpolatedStringOperation interpolated:
                var builder = new StringBuilder();
                foreach (var part in interpolated.Parts)
                {
                    builder.Append(part is IInterpolatedStringTextOperation { Text.ConstantValue.Value: string text } ? text : Hole);
                }

                return builder.ToString();

            case IBinaryOperation { OperatorKind: BinaryOperatorKind.Add } concatenation when concatenation.Type?.SpecialType == SpecialType.System_String:
                var left = TextOf(concatenation.LeftOperand, body);
                var right = TextOf(concatenation.RightOperand, body);
                return left is null && right is null ? null : (left ?? Hole) + (right ?? Hole);

            case ILocalReferenceOperation local when body.InitializerOf(local.Local) is { } initializer && initializer != value:
                return TextOf(initializer, body);

            default:
                return null;
        }
    }

    private static bool TryReadDapper(IInvocationOperation invocation, FunctionBody body, out SqlCall call)
    {
        call = null!;
        IOperation? sql = null;
        IOperation? parameters = null;
        var hasTransaction = false;
        IOperation? connection = null;
        foreach (var argument in invocation.Arguments)
        {
            switch (argument.Parameter?.Ordinal == 0 ? "cnn" : argument.Parameter?.Name)
            {
                case "cnn":
                    connection = argument.Value;
                    break;
                case "sql":
                    sql = argument.Value;
                    break;
                case "param":
                    parameters = IsNull(argument.Value) ? null : argument.Value;
                    break;
                case "transaction":
                    hasTransaction |= !IsNull(argument.Value);
                    break;
                case "command":
                    // new CommandDefinition(sql, parameters, transaction, …)
                    if (FunctionBody.Unwrap(argument.Value) is IObjectCreationOperation definition)
                    {
                        foreach (var inner in definition.Arguments)
                        {
                            switch (inner.Parameter?.Name)
                            {
                                case "commandText":
                                    sql = inner.Value;
                                    break;
                                case "parameters":
                                    parameters = IsNull(inner.Value) ? null : inner.Value;
                                    break;
                                case "transaction":
                                    hasTransaction |= !IsNull(inner.Value);
                                    break;
                            }
                        }
                    }

                    break;
            }
        }

        if (sql is null || TextOf(sql, body) is not { } text)
        {
            return false;
        }

        call = new SqlCall(invocation, text, sql, FunctionBody.SymbolOf(connection), parameters, command: null, hasTransaction);
        return true;
    }

    private static bool TryReadCommand(IInvocationOperation invocation, ISymbol? command, FunctionBody body, out SqlCall call)
    {
        call = null!;
        if (command is null)
        {
            return false;
        }

        // The latest text given to the command before this call: commands are often reused for the next statement.
        IOperation? sql = null;
        ISymbol? connection = null;
        var hasTransaction = false;
        var position = invocation.Syntax.SpanStart;
        foreach (var operation in body.Operations)
        {
            if (operation.Syntax.SpanStart >= position)
            {
                break;
            }

            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, command) && declarator.Initializer?.Value is { } initial:
                    ReadCreation(FunctionBody.Unwrap(initial), ref sql, ref connection, ref hasTransaction);
                    break;

                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation target } assignment when FunctionBody.Refers(target.Instance, command):
                    ReadProperty(target.Property.Name, assignment.Value, ref sql, ref connection, ref hasTransaction);
                    break;

                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when SymbolEqualityComparer.Default.Equals(local.Local, command):
                    ReadCreation(FunctionBody.Unwrap(assignment.Value), ref sql, ref connection, ref hasTransaction);
                    break;
            }
        }

        if (sql is null || TextOf(sql, body) is not { } text)
        {
            return false;
        }

        call = new SqlCall(invocation, text, sql, connection, parameterObject: null, command, hasTransaction);
        return true;
    }

    // new SqlCommand(text, connection, transaction) { CommandText = …, Transaction = … }, or connection.CreateCommand().
    private static void ReadCreation(IOperation creation, ref IOperation? sql, ref ISymbol? connection, ref bool hasTransaction)
    {
        if (creation is IInvocationOperation { TargetMethod.Name: "CreateCommand", Instance: { } owner })
        {
            connection = FunctionBody.SymbolOf(owner);
            return;
        }

        if (creation is not IObjectCreationOperation created)
        {
            return;
        }

        foreach (var argument in created.Arguments)
        {
            if (argument.Parameter is not { } parameter)
            {
                continue;
            }

            if (parameter.Type.SpecialType == SpecialType.System_String && parameter.Ordinal == 0)
            {
                sql = argument.Value;
            }
            else if (parameter.Name == "connection")
            {
                connection = FunctionBody.SymbolOf(argument.Value);
            }
            else if (parameter.Name == "transaction")
            {
                hasTransaction |= !IsNull(argument.Value);
            }
        }

        if (created.Initializer is { } initializer)
        {
            foreach (var member in initializer.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment)
                {
                    ReadProperty(property.Property.Name, assignment.Value, ref sql, ref connection, ref hasTransaction);
                }
            }
        }
    }

    // command.CommandText = …, .Connection = …, .Transaction = …, in a statement or an object initializer.
    private static void ReadProperty(string name, IOperation value, ref IOperation? sql, ref ISymbol? connection, ref bool hasTransaction)
    {
        switch (name)
        {
            case "CommandText":
                sql = value;
                break;
            case "Connection":
                connection = FunctionBody.SymbolOf(value);
                break;
            case "Transaction":
                hasTransaction |= !IsNull(value);
                break;
        }
    }

    private static void AddObjectMembers(IOperation parameters, FunctionBody body, List<KeyValuePair<string, IOperation>> values)
    {
        switch (parameters)
        {
            case IAnonymousObjectCreationOperation anonymous:
                foreach (var initializer in anonymous.Initializers)
                {
                    if (initializer is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation property } assignment)
                    {
                        values.Add(new KeyValuePair<string, IOperation>(property.Property.Name, assignment.Value));
                    }
                }

                return;

            // var parameters = new DynamicParameters(template); parameters.Add("views", value);
            case ILocalReferenceOperation local when local.Local.Type?.Name == "DynamicParameters":
                foreach (var operation in body.Operations)
                {
                    if (operation is IInvocationOperation { TargetMethod.Name: "Add" } add && FunctionBody.Refers(add.Instance, local.Local)
                        && add.Arguments.Length >= 2 && NameOf(add.Arguments[0].Value) is { } name)
                    {
                        values.Add(new KeyValuePair<string, IOperation>(name, add.Arguments[1].Value));
                    }
                    else if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local.Local)
                        && declarator.Initializer?.Value is { } initial && FunctionBody.Unwrap(initial) is IObjectCreationOperation { Arguments.Length: > 0 } created)
                    {
                        AddObjectMembers(FunctionBody.Unwrap(created.Arguments[0].Value), body, values);
                    }
                }

                return;

            // Any other object (an entity read earlier, say): each of its properties is a parameter.
            default:
                values.Add(new KeyValuePair<string, IOperation>("*", parameters));
                return;
        }
    }

    private static IOperation? ValueInInitializer(IObjectCreationOperation created)
    {
        if (created.Initializer is null)
        {
            return null;
        }

        foreach (var member in created.Initializer.Initializers)
        {
            if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "Value" } } assignment)
            {
                return assignment.Value;
            }
        }

        return null;
    }

    private static bool IsParametersOf(IOperation? operation, ISymbol command)
        => operation is IPropertyReferenceOperation { Property.Name: "Parameters" } parameters && FunctionBody.Refers(parameters.Instance, command);

    private static string? NameOf(IOperation operation)
        => operation.ConstantValue is { HasValue: true, Value: string name } ? name.TrimStart('@', ':', '?') : null;

    private static string Positional(int index) => "$" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsNull(IOperation operation)
        => FunctionBody.Unwrap(operation) is { ConstantValue: { HasValue: true, Value: null } } or IDefaultValueOperation;
}
