using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>How a guard excludes other threads; decides whether it survives an <c>await</c> and how a fix takes it.</summary>
internal enum GuardKind
{
    /// <summary><c>lock</c>, <c>Monitor.Enter</c>/<c>TryEnter</c>, <c>System.Threading.Lock</c>: thread-affine.</summary>
    Lock,

    /// <summary><c>SemaphoreSlim.Wait</c>/<c>WaitAsync</c> … <c>Release</c>: not thread-affine, so it holds across <c>await</c>.</summary>
    Semaphore,

    /// <summary><c>Mutex.WaitOne</c> … <c>ReleaseMutex</c>: thread-affine.</summary>
    Mutex,

    /// <summary>An <c>Interlocked.CompareExchange</c>/<c>Exchange</c> re-entrancy flag tested before the work.</summary>
    Flag,
}

/// <summary>Whether a use of a shared object runs under a guard that excludes other threads.</summary>
internal enum GuardState
{
    Unguarded,
    Guarded,

    /// <summary>
    /// Inside a thread-affine guard whose region contains an <c>await</c>: after the await the method may
    /// resume on another thread, so the guard no longer excludes anyone (or the release throws).
    /// </summary>
    HeldAcrossAwait,
}

/// <summary>
/// One guard: the object it is taken on and how. Two uses are under the same guard when they take the
/// same kind of guard on the same member (or on <c>this</c>, or on the same <c>typeof</c>).
/// </summary>
internal readonly struct Guard
{
    public Guard(ISymbol target, bool isStatic, GuardKind kind, SyntaxNode expression)
    {
        Target = target;
        IsStatic = isStatic;
        Kind = kind;
        Expression = expression;
    }

    /// <summary>The field or property locked on; the type itself for <c>this</c> and <c>typeof(T)</c>.</summary>
    public ISymbol Target { get; }

    /// <summary>True when one guard object exists per process (a static member, or <c>typeof</c>).</summary>
    public bool IsStatic { get; }

    public GuardKind Kind { get; }

    /// <summary>The guard object as the code spells it (<c>_gate</c>, <c>this</c>, <c>typeof(Db)</c>).</summary>
    public SyntaxNode Expression { get; }

    public bool HoldsAcrossAwait => Kind is GuardKind.Semaphore or GuardKind.Flag;

    /// <summary>
    /// A per-instance guard cannot protect a static member: two instances take two different locks
    /// around the one shared object.
    /// </summary>
    public bool CanProtect(ISymbol member) => IsStatic || !member.IsStatic;

    public bool IsSameAs(Guard other)
        => Kind == other.Kind
           && IsStatic == other.IsStatic
           && SymbolEqualityComparer.Default.Equals(Target, other.Target);

    /// <summary>How messages name the guard: "the lock on _gate", "the semaphore _gate".</summary>
    public string Describe()
    {
        var name = Expression.ToString();
        return Kind switch
        {
            GuardKind.Semaphore => "the semaphore " + name,
            GuardKind.Mutex => "the mutex " + name,
            GuardKind.Flag => "the Interlocked flag " + name,
            _ => "the lock on " + name,
        };
    }
}
