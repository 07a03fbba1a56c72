using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The synchronization APIs of one compilation: which calls take a guard and which release it.
/// Resolved once per compilation; <see cref="GuardAnalysis"/> asks it while walking up from a use.
/// </summary>
internal sealed class GuardApis
{
    private readonly INamedTypeSymbol? _monitor;
    private readonly INamedTypeSymbol? _semaphoreSlim;
    private readonly INamedTypeSymbol? _mutex;
    private readonly INamedTypeSymbol? _interlocked;
    private readonly INamedTypeSymbol? _lock;
    private readonly ConcurrentDictionary<ISymbol, bool> _exclusiveSemaphores = new(SymbolEqualityComparer.Default);

    private GuardApis(Compilation compilation)
    {
        _monitor = KnownTypes.ResolveOne(compilation, "System.Threading.Monitor");
        _semaphoreSlim = KnownTypes.ResolveOne(compilation, "System.Threading.SemaphoreSlim");
        _mutex = KnownTypes.ResolveOne(compilation, "System.Threading.Mutex");
        _interlocked = KnownTypes.ResolveOne(compilation, "System.Threading.Interlocked");
        _lock = KnownTypes.ResolveOne(compilation, "System.Threading.Lock");
    }

    public static GuardApis Create(Compilation compilation) => new(compilation);

    /// <summary>
    /// A statement that takes a guard and keeps it for the statements after it:
    /// <c>Monitor.Enter(x)</c>, <c>await sem.WaitAsync()</c>, <c>sem.Wait()</c>, <c>mutex.WaitOne()</c>,
    /// <c>gate.Enter()</c>, <c>using var _ = gate.EnterScope();</c>.
    /// </summary>
    public bool TryGetAcquiringStatement(IOperation statement, out Guard guard)
    {
        guard = default;
        switch (statement)
        {
            case IExpressionStatementOperation expressionStatement:
                return TryGetAcquire(expressionStatement.Operation, allowFlag: false, out guard);
            case IUsingDeclarationOperation usingDeclaration:
                return TryGetScopedLock(usingDeclaration.DeclarationGroup, out guard);
            default:
                return false;
        }
    }

    /// <summary><c>using (gate.EnterScope()) { … }</c> on a <c>System.Threading.Lock</c>.</summary>
    public bool TryGetScopedLock(IOperation resources, out Guard guard)
    {
        guard = default;
        if (_lock is null)
        {
            return false;
        }

        foreach (var operation in resources.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation { TargetMethod.Name: "EnterScope", Instance: { } instance } invocation
                && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, _lock))
            {
                return TryCreate(instance, GuardKind.Lock, out guard);
            }
        }

        return false;
    }

    /// <summary>
    /// A condition that takes a guard when it holds: <c>Monitor.TryEnter(x)</c>, <c>sem.Wait(0)</c>,
    /// <c>await sem.WaitAsync(timeout)</c>, <c>Interlocked.CompareExchange(ref busy, 1, 0) == 0</c>.
    /// Either polarity is accepted: <c>if (!taken) return;</c> guards what follows as
    /// <c>if (taken) { … }</c> guards its body.
    /// </summary>
    public bool TryGetAcquiringCondition(IOperation condition, out Guard guard)
    {
        foreach (var operation in condition.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation invocation && TryGetAcquire(invocation, allowFlag: true, out guard))
            {
                return true;
            }
        }

        guard = default;
        return false;
    }

    public bool IsReleaseOf(IOperation statement, Guard guard)
    {
        if (statement is not IExpressionStatementOperation { Operation: IInvocationOperation invocation })
        {
            return false;
        }

        var method = invocation.TargetMethod;
        IOperation? target = null;
        if (method.Name == "Exit" && IsType(method.ContainingType, _monitor) && invocation.Arguments.Length > 0)
        {
            target = invocation.Arguments[0].Value;
        }
        else if ((method.Name == "Release" && IsType(method.ContainingType, _semaphoreSlim))
                 || (method.Name == "ReleaseMutex" && IsType(method.ContainingType, _mutex))
                 || (method.Name == "Exit" && IsType(method.ContainingType, _lock)))
        {
            target = invocation.Instance;
        }

        return target is not null
               && TryGetTarget(target, out var symbol, out var isStatic)
               && isStatic == guard.IsStatic
               && SymbolEqualityComparer.Default.Equals(symbol, guard.Target);
    }

    /// <summary>True when <paramref name="statement"/> is a <c>try</c> whose <c>finally</c> releases <paramref name="guard"/>.</summary>
    public bool ReleasesInFinally(IOperation statement, Guard guard)
    {
        if (statement is not ITryOperation { Finally: { } @finally })
        {
            return false;
        }

        foreach (var operation in @finally.DescendantsAndSelf())
        {
            if (operation is IExpressionStatementOperation && IsReleaseOf(operation, guard))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>Monitor.Enter(_connection)</c>: the argument is the guard object, not a use of it.</summary>
    public bool IsGuardCall(IInvocationOperation invocation)
        => IsType(invocation.TargetMethod.ContainingType, _monitor);

    /// <summary>The guard taken by <c>lock (expression)</c>, when the expression names one object for everybody.</summary>
    public static bool TryGetLockStatementGuard(ILockOperation lockOperation, out Guard guard)
        => TryCreate(lockOperation.LockedValue, GuardKind.Lock, out guard);

    // A flag only guards as the test of a condition; a bare Interlocked.Exchange statement is its reset.
    private bool TryGetAcquire(IOperation operation, bool allowFlag, out Guard guard)
    {
        guard = default;
        operation = Unwrap(operation);
        if (operation is not IInvocationOperation invocation)
        {
            return false;
        }

        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (IsType(type, _monitor) && method.Name is "Enter" or "TryEnter" && invocation.Arguments.Length > 0)
        {
            return TryCreate(invocation.Arguments[0].Value, GuardKind.Lock, out guard);
        }

        if (IsType(type, _semaphoreSlim) && method.Name is "Wait" or "WaitAsync" && invocation.Instance is { } semaphore)
        {
            return TryCreate(semaphore, GuardKind.Semaphore, out guard) && IsExclusive(guard.Target);
        }

        if (method.Name == "WaitOne" && invocation.Instance is { } waitHandle && IsType(waitHandle.Type, _mutex))
        {
            return TryCreate(waitHandle, GuardKind.Mutex, out guard);
        }

        if (IsType(type, _lock) && method.Name is "Enter" or "TryEnter" && invocation.Instance is { } gate)
        {
            return TryCreate(gate, GuardKind.Lock, out guard);
        }

        if (allowFlag && IsType(type, _interlocked) && method.Name is "CompareExchange" or "Exchange" && invocation.Arguments.Length > 0)
        {
            return TryCreate(invocation.Arguments[0].Value, GuardKind.Flag, out guard);
        }

        return false;
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IAwaitOperation awaitOperation:
                    operation = awaitOperation.Operation;
                    break;
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } awaited }:
                    operation = awaited;
                    break;
                default:
                    return operation;
            }
        }
    }

    private static bool TryCreate(IOperation expression, GuardKind kind, out Guard guard)
    {
        guard = default;
        if (!TryGetTarget(expression, out var target, out var isStatic))
        {
            return false;
        }

        guard = new Guard(target, isStatic, kind, Unwrap(expression).Syntax);
        return true;
    }

    /// <summary>
    /// The object a guard is taken on, when every caller takes the same one: a static member, a member of
    /// <c>this</c>, <c>this</c> itself or <c>typeof(T)</c>. A local or a fresh object is a different guard per
    /// call, which excludes nobody.
    /// </summary>
    private static bool TryGetTarget(IOperation expression, out ISymbol target, out bool isStatic)
    {
        switch (Unwrap(expression))
        {
            case IFieldReferenceOperation { Field: var field } reference when field.IsStatic || IsThis(reference.Instance):
                target = field.OriginalDefinition;
                isStatic = field.IsStatic;
                return true;
            case IPropertyReferenceOperation { Property: { IsIndexer: false } property } reference when property.IsStatic || IsThis(reference.Instance):
                target = property.OriginalDefinition;
                isStatic = property.IsStatic;
                return true;
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance, Type: { } type }:
                target = type.OriginalDefinition;
                isStatic = false;
                return true;
            case ITypeOfOperation { TypeOperand: var type }:
                target = type.OriginalDefinition;
                isStatic = true;
                return true;
            default:
                target = null!;
                isStatic = false;
                return false;
        }
    }

    private static bool IsThis(IOperation? instance)
        => instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    private static bool IsType(ITypeSymbol? type, INamedTypeSymbol? expected)
    {
        if (expected is null)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, expected))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>new SemaphoreSlim(4)</c> lets four callers in at once: a throttle, not a guard. Only a count
    /// visible in the declaration is judged; anything else is taken as the usual <c>(1, 1)</c>.
    /// </summary>
    private bool IsExclusive(ISymbol semaphore)
        => _exclusiveSemaphores.GetOrAdd(semaphore, static symbol =>
        {
            foreach (var reference in symbol.DeclaringSyntaxReferences)
            {
                var initializer = reference.GetSyntax() switch
                {
                    VariableDeclaratorSyntax declarator => declarator.Initializer?.Value,
                    PropertyDeclarationSyntax property => property.Initializer?.Value,
                    _ => null,
                };
                var arguments = (initializer as BaseObjectCreationExpressionSyntax)?.ArgumentList?.Arguments;

                // (initialCount) or (initialCount, maxCount): the most callers that can be inside at once.
                if (arguments is { Count: 1 or 2 } list
                    && list[list.Count - 1].Expression is LiteralExpressionSyntax { Token.Value: int count })
                {
                    return count <= 1;
                }
            }

            return true;
        });
}
