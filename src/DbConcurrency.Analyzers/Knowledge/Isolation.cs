using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Whether a read runs where the database keeps the row from changing under it until the write: a transaction
/// at RepeatableRead, Serializable or Snapshot begun earlier in the same body, a <c>TransactionScope</c> (whose
/// default is Serializable) that does not suppress the transaction, or a batch that raised its own isolation
/// level. A level we cannot read counts as isolating: the author chose it, and guessing would be a false positive.
/// </summary>
internal static class Isolation
{
    // System.Data.IsolationLevel values.
    private const int DataRepeatableRead = 65536;
    private const int DataSerializable = 1048576;
    private const int DataSnapshot = 16777216;

    // System.Transactions.IsolationLevel values: Serializable is 0, the default of TransactionOptions.
    private const int ScopeReadCommitted = 2;
    private const int ScopeReadUncommitted = 3;
    private const int ScopeChaos = 5;
    private const int ScopeUnspecified = 6;

    // System.Transactions.TransactionScopeOption.Suppress.
    private const int ScopeSuppress = 2;

    public static bool IsIsolated(FunctionBody body, int position)
    {
        foreach (var operation in body.Operations)
        {
            if (operation.Syntax.SpanStart >= position)
            {
                break;
            }

            switch (operation)
            {
                case IInvocationOperation { TargetMethod.Name: "BeginTransaction" or "BeginTransactionAsync" } begin when BeginsIsolated(begin):
                    return true;

                case IObjectCreationOperation creation when creation.Type is { Name: "TransactionScope", ContainingNamespace.Name: "Transactions" } && ScopeIsolates(creation):
                    return true;

                case IInvocationOperation run when SqlCalls.IsWriteName(run.TargetMethod.Name) || run.TargetMethod.Name.StartsWith("ExecuteSql", System.StringComparison.Ordinal):
                    foreach (var argument in run.Arguments)
                    {
                        if (argument.Value.Type?.SpecialType == SpecialType.System_String && SqlCalls.TextOf(argument.Value, body) is { } sql && SqlText.RaisesIsolation(sql))
                        {
                            return true;
                        }
                    }

                    break;
            }
        }

        return false;
    }

    private static bool BeginsIsolated(IInvocationOperation begin)
    {
        foreach (var argument in begin.Arguments)
        {
            if (argument.Parameter?.Type is { Name: "IsolationLevel" } && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                return argument.Value.ConstantValue is not { HasValue: true, Value: int level } || level is DataRepeatableRead or DataSerializable or DataSnapshot;
            }
        }

        // SQLite has one isolation level, serializable, and Microsoft.Data.Sqlite begins IMMEDIATE by default.
        return begin.Instance?.Type is { Name: "SqliteConnection" or "SQLiteConnection" };
    }

    private static bool ScopeIsolates(IObjectCreationOperation creation)
    {
        foreach (var argument in creation.Arguments)
        {
            // TransactionScopeOption.Suppress: the code inside runs in no transaction at all.
            if (argument.Parameter?.Type is { Name: "TransactionScopeOption" } && argument.Value.ConstantValue is { HasValue: true, Value: ScopeSuppress })
            {
                return false;
            }
        }

        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter?.Type is not { Name: "TransactionOptions" } || argument.ArgumentKind != ArgumentKind.Explicit)
            {
                continue;
            }

            if (FunctionBody.Unwrap(argument.Value) is IObjectCreationOperation { Initializer: { } initializer })
            {
                foreach (var member in initializer.Initializers)
                {
                    if (member is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "IsolationLevel" }, Value.ConstantValue: { HasValue: true, Value: int level } })
                    {
                        return level is not (ScopeReadCommitted or ScopeReadUncommitted or ScopeChaos or ScopeUnspecified);
                    }
                }
            }

            return true;
        }

        return true;
    }
}
