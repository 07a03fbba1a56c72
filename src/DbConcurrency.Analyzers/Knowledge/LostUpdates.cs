using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>A read whose value a later UPDATE writes back, computed in the application rather than in the database.</summary>
internal sealed class SqlLostUpdate
{
    public SqlLostUpdate(SqlCall read, SqlRead readShape, SqlCall write, SqlAssignment assignment, IOperation value)
    {
        Read = read;
        ReadShape = readShape;
        Write = write;
        Assignment = assignment;
        Value = value;
    }

    public SqlCall Read { get; }

    public SqlRead ReadShape { get; }

    public SqlCall Write { get; }

    /// <summary>The SET item that writes the value back.</summary>
    public SqlAssignment Assignment { get; }

    /// <summary>The application-side value bound to that item's parameter.</summary>
    public IOperation Value { get; }
}

/// <summary>An entity loaded from a context, one of its properties changed from its own value, then saved.</summary>
internal sealed class EntityLostUpdate
{
    public EntityLostUpdate(IOperation load, IPropertySymbol property, IOperation change)
    {
        Load = load;
        Property = property;
        Change = change;
    }

    /// <summary>The query or find that loaded the entity: where DBC007 reports.</summary>
    public IOperation Load { get; }

    public IPropertySymbol Property { get; }

    /// <summary>The assignment that computes the new value from the old one.</summary>
    public IOperation Change { get; }
}

/// <summary>
/// Finds read-modify-write cycles in one body: the value flows from a read to a write through locals, object
/// properties and loop variables. No isolation, no row lock, no compare-and-swap WHERE, no concurrency token.
/// </summary>
internal static class LostUpdates
{
    /// <summary>Every SQL read in <paramref name="body"/> that flows into an UPDATE of the same column, each with the first such write.</summary>
    public static List<SqlLostUpdate> FindSql(FunctionBody body, DatabaseTypes types)
    {
        var found = new List<SqlLostUpdate>();
        var readCalls = new List<IInvocationOperation>();
        var writes = new List<(SqlCall Call, SqlWrite Shape)>();
        var setsFromValue = false;
        foreach (var operation in body.Operations)
        {
            if (operation is not IInvocationOperation invocation)
            {
                continue;
            }

            var name = invocation.TargetMethod.Name;
            if (SqlCalls.IsReadName(name))
            {
                readCalls.Add(invocation);
            }
            else if (SqlCalls.IsWriteName(name) && SqlCalls.TryRead(invocation, body, types, out var write))
            {
                foreach (var shape in SqlText.WritesOf(write.Text))
                {
                    writes.Add((write, shape));
                    setsFromValue |= SetsFromValue(shape);
                }
            }
        }

        // The common safe write (SET total = total + @delta, or one guarded by a compare) leaves the reads unread.
        if (readCalls.Count == 0 || !setsFromValue)
        {
            return found;
        }

        var reads = new List<(SqlCall Call, SqlRead Shape)>();
        foreach (var invocation in readCalls)
        {
            if (SqlCalls.TryRead(invocation, body, types, out var read) && SqlText.ReadOf(read.Text) is { Locks: false } readShape)
            {
                reads.Add((read, readShape));
            }
        }

        if (reads.Count == 0)
        {
            return found;
        }

        // Traced only when a write sets a column from a value (not from itself, not guarded by a compare): the common
        // safe write, SET total = total + @delta, needs no flow at all.
        ValueFlow? flow = null;
        var reported = new HashSet<IOperation>();
        foreach (var (write, shape) in writes)
        {
            var values = SqlCalls.ParameterValues(write, body);
            foreach (var assignment in shape.Assignments)
            {
                if (!SetsFromValue(shape, assignment))
                {
                    continue;
                }

                foreach (var parameter in assignment.Parameters)
                {
                    foreach (var pair in values)
                    {
                        var wholeObject = pair.Key == "*";
                        if (!wholeObject && !SqlText.SameName(pair.Key, parameter))
                        {
                            continue;
                        }

                        flow ??= Trace(body, reads);
                        var source = wholeObject ? flow.SourceOfChangedMember(pair.Value, parameter) : flow.SourceOf(pair.Value);
                        if (source is null || reported.Contains(source))
                        {
                            continue;
                        }

                        foreach (var (read, readShape) in reads)
                        {
                            if (read.Invocation == source
                                && read.Invocation.Syntax.SpanStart < write.Invocation.Syntax.SpanStart
                                && SqlText.SameName(readShape.Table, shape.Table)
                                && readShape.Mentions(assignment.Column)
                                && !(read.HasTransaction && !BeginsTransactionBefore(body, read.Invocation))
                                && !Isolation.IsIsolated(body, read.Invocation.Syntax.SpanStart))
                            {
                                reported.Add(source);
                                found.Add(new SqlLostUpdate(read, readShape, write, assignment, pair.Value));
                            }
                        }
                    }
                }
            }
        }

        return found;
    }

    /// <summary>A SET item that writes a value computed elsewhere: not from the column itself, not guarded by a compare of it.</summary>
    private static bool SetsFromValue(SqlWrite shape, SqlAssignment assignment)
        => !assignment.ReadsItself && !shape.ComparesBeforeWriting(assignment.Column);

    private static bool SetsFromValue(SqlWrite shape)
    {
        foreach (var assignment in shape.Assignments)
        {
            if (SetsFromValue(shape, assignment))
            {
                return true;
            }
        }

        return false;
    }

    private static ValueFlow Trace(FunctionBody body, List<(SqlCall Call, SqlRead Shape)> reads)
    {
        var flow = new ValueFlow(body);
        foreach (var (read, _) in reads)
        {
            flow.AddSource(read.Invocation);
        }

        flow.Propagate();
        return flow;
    }

    /// <summary>Entities loaded in <paramref name="body"/> and changed from their own value before <paramref name="save"/>, the first save after the change.</summary>
    public static List<EntityLostUpdate> FindEntities(IInvocationOperation save, FunctionBody body, DatabaseTypes types, ConcurrencyTokens tokens, CancellationToken cancellationToken)
    {
        var found = new List<EntityLostUpdate>();
        var savePosition = save.Syntax.SpanStart;
        var loads = new Dictionary<ILocalSymbol, IOperation>(SymbolEqualityComparer.Default);
        var lastSaveBefore = -1;
        foreach (var operation in body.Operations)
        {
            var position = operation.Syntax.SpanStart;
            if (position >= savePosition)
            {
                break;
            }

            switch (operation)
            {
                case IVariableDeclaratorOperation { Initializer.Value: { } value } declarator when LoadedFromContext(value, types) is { } load:
                    loads[declarator.Symbol] = load;
                    break;

                case IForEachLoopOperation loop:
                    if ((LoadedFromContext(loop.Collection, types) ?? LoadOfLocal(loop.Collection, loads)) is { } source)
                    {
                        foreach (var local in loop.Locals)
                        {
                            loads[local] = source;
                        }
                    }

                    break;

                case IInvocationOperation { TargetMethod.Name: "SaveChanges" or "SaveChangesAsync" }:
                    lastSaveBefore = position;
                    break;
            }
        }

        if (loads.Count == 0)
        {
            return found;
        }

        var reported = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
        foreach (var operation in body.Operations)
        {
            if (operation.Syntax.SpanStart >= savePosition)
            {
                break;
            }

            // Only changes after the previous save belong to this one.
            if (operation.Syntax.SpanStart <= lastSaveBefore || SelfChange(operation, body) is not { } change)
            {
                continue;
            }

            if (FunctionBody.Unwrap(change.Instance!) is not ILocalReferenceOperation owner
                || !loads.TryGetValue(owner.Local, out var loaded)
                || reported.Contains(owner.Local)
                || tokens.Protects(change.Property, cancellationToken)
                || Isolation.IsIsolated(body, loaded.Syntax.SpanStart))
            {
                continue;
            }

            reported.Add(owner.Local);
            found.Add(new EntityLostUpdate(loaded, change.Property, operation));
        }

        return found;
    }

    /// <summary>
    /// <c>x.P += d</c>, <c>x.P++</c>, <c>x.P = x.P + d</c>, <c>x.P = Math.Max(0, x.P - d)</c>: the new value of a
    /// property computed from its current one. Returns the property written.
    /// </summary>
    public static IPropertyReferenceOperation? SelfChange(IOperation operation, FunctionBody body)
    {
        switch (operation)
        {
            case ICompoundAssignmentOperation { Target: IPropertyReferenceOperation { Instance: not null } target }:
                return target;
            case IIncrementOrDecrementOperation { Target: IPropertyReferenceOperation { Instance: not null } target }:
                return target;
            case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Instance: { } instance } target } assignment
                when FunctionBody.SymbolOf(instance) is { } owner && ReadsProperty(assignment.Value, owner, target.Property, body, depth: 0):
                return target;
            default:
                return null;
        }
    }

    private static bool ReadsProperty(IOperation value, ISymbol owner, IPropertySymbol property, FunctionBody body, int depth)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            switch (operation)
            {
                case IPropertyReferenceOperation read when SymbolEqualityComparer.Default.Equals(read.Property, property) && FunctionBody.Refers(read.Instance, owner):
                    return true;

                // var views = page.Views; page.Views = views + 1;
                case ILocalReferenceOperation local when depth < 2 && body.InitializerOf(local.Local) is { } initializer && initializer != operation:
                    if (ReadsProperty(initializer, owner, property, body, depth + 1))
                    {
                        return true;
                    }

                    break;
            }
        }

        return false;
    }

    /// <summary>The query, find or load in <paramref name="value"/> that runs on a DbContext, unless it asks for untracked entities.</summary>
    private static IOperation? LoadedFromContext(IOperation value, DatabaseTypes types)
    {
        var unwrapped = FunctionBody.Unwrap(value);
        if (unwrapped is ICoalesceOperation coalesce)
        {
            unwrapped = FunctionBody.Unwrap(coalesce.Value);
        }

        if (unwrapped is not IInvocationOperation invocation
            || !DatabaseOperations.TryGetTarget(invocation, types, aliases: null, out _, out var targetType)
            || !types.TryClassify(targetType, out var match)
            || match.Kind != DatabaseObjectKind.Context)
        {
            return null;
        }

        for (IOperation? link = invocation; link is IInvocationOperation call; link = call.Instance ?? (call.Arguments.Length > 0 ? call.Arguments[0].Value : null))
        {
            if (call.TargetMethod.Name is "AsNoTracking" or "AsNoTrackingWithIdentityResolution" || call.TargetMethod.Name.StartsWith("Execute", StringComparison.Ordinal))
            {
                return null;
            }
        }

        return invocation;
    }

    private static IOperation? LoadOfLocal(IOperation collection, Dictionary<ILocalSymbol, IOperation> loads)
        => FunctionBody.Unwrap(collection) is ILocalReferenceOperation local && loads.TryGetValue(local.Local, out var load) ? load : null;

    private static bool BeginsTransactionBefore(FunctionBody body, IOperation read)
    {
        foreach (var operation in body.Operations)
        {
            if (operation.Syntax.SpanStart >= read.Syntax.SpanStart)
            {
                return false;
            }

            if (operation is IInvocationOperation { TargetMethod.Name: "BeginTransaction" or "BeginTransactionAsync" })
            {
                return true;
            }
        }

        return false;
    }
}
