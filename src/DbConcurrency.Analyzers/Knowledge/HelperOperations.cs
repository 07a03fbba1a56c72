using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// A method of the user's own that runs an asynchronous operation on a database object its instance holds:
/// <c>Task&lt;int&gt; CountAsync() =&gt; _db.Orders.CountAsync();</c>. The task a call hands back runs on that object
/// until it completes, so to its caller the call is an operation on the object: two calls left running together
/// (<c>Task.WhenAll(CountOrdersAsync(), CountCustomersAsync())</c>) overlap on it as two queries would. Read once
/// per method per compilation, the body's own operations only (not its lambdas), following calls to its own
/// type's helpers a few levels down. An operation under a guard (a semaphore the helper waits on) is serialized
/// by it and does not count.
/// </summary>
internal sealed class HelperOperations
{
    private const int MaxDepth = 3;

    private readonly SemanticModels _models;
    private readonly GuardApis _guards;
    private readonly ConcurrentDictionary<IMethodSymbol, Member> _byMethod = new(SymbolEqualityComparer.Default);
    private readonly SourceImplementations _implementations;

    public HelperOperations(SemanticModels models, GuardApis guards, SourceImplementations implementations)
    {
        _models = models;
        _implementations = implementations;
        _guards = guards;
    }

    /// <summary>
    /// Cheap test before any body is read: a call that hands back a task from an instance method of a class written
    /// in this compilation, or of an interface declared in it (which one class of the compilation may implement).
    /// Virtual members may run another body than the one in sight.
    /// </summary>
    public static bool MayBeHelperCall(IInvocationOperation invocation)
        => invocation.TargetMethod is { IsStatic: false, MethodKind: MethodKind.Ordinary } method
           && Awaits.IsTaskLike(invocation.Type)
           && (method.ContainingType.TypeKind == TypeKind.Class
               ? SourceImplementations.IsOwnBody(method)
               : method.ContainingType is { TypeKind: TypeKind.Interface, IsGenericType: false } && method.IsAbstract && method.ContainingType.DeclaringSyntaxReferences.Length > 0);

    /// <summary>
    /// The instance member (field, auto-property, primary constructor parameter) of <paramref name="invocation"/>'s
    /// type whose database object the called method runs an unguarded asynchronous operation on.
    /// </summary>
    public bool TryGetMember(IInvocationOperation invocation, DatabaseTypes types, CancellationToken cancellationToken, out ISymbol member, out ITypeSymbol memberType)
    {
        member = null!;
        memberType = null!;
        if (!MayBeHelperCall(invocation))
        {
            return false;
        }

        var method = invocation.TargetMethod.OriginalDefinition;
        if (method.ContainingType.TypeKind == TypeKind.Interface)
        {
            // orders.CountAsync() on an IOrderService: the body that runs is its one implementation's.
            if (_implementations.MethodFor(method, cancellationToken) is not { } implementation)
            {
                return false;
            }

            method = implementation;
        }

        if (!_byMethod.TryGetValue(method, out var found))
        {
            // Only the answer for the method asked about is kept, always searched to the same depth from it: what a
            // rule is told does not depend on which call another thread asked about first.
            found = Search(method, invocation.SemanticModel, types, MaxDepth, cancellationToken);
            _byMethod.TryAdd(method, found);
        }

        if (found.Symbol is null)
        {
            return false;
        }

        member = found.Symbol;
        memberType = found.Type!;
        return true;
    }

    private Member Search(IMethodSymbol method, SemanticModel? model, DatabaseTypes types, int depth, CancellationToken cancellationToken)
        => depth > 0 && DelegateBody.TryFindMethodBody(method, model, _models, out var body)
            ? FindIn(body, method.ContainingType, types, depth, cancellationToken)
            : default;

    private Member FindIn(IOperation body, INamedTypeSymbol owner, DatabaseTypes types, int depth, CancellationToken cancellationToken)
    {
        foreach (var operation in body.Descendants())
        {
            cancellationToken.ThrowIfCancellationRequested();
            // A lambda or local function in the helper runs when, and if, something calls it: not the helper's own work.
            if (operation is not IInvocationOperation invocation || FunctionBody.RootOf(invocation) is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                continue;
            }

            if (Awaits.IsTaskLike(invocation.TargetMethod.ReturnType)
                && DatabaseOperations.TryGetTarget(invocation, types, aliases: null, out var target, out var targetType)
                && HeldByInstance.IsKeptBy(target, owner, cancellationToken)
                && GuardAnalysis.Find(invocation, _guards, out _, out _) != GuardState.Guarded)
            {
                return new Member(target, targetType);
            }

            // this.CountCoreAsync(): what that helper runs on, it runs on.
            if (invocation.Instance is null or IInstanceReferenceOperation
                && MayBeHelperCall(invocation)
                && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType.OriginalDefinition, owner)
                && Search(invocation.TargetMethod.OriginalDefinition, invocation.SemanticModel, types, depth - 1, cancellationToken) is { Symbol: not null } inner
                && GuardAnalysis.Find(invocation, _guards, out _, out _) != GuardState.Guarded)
            {
                return inner;
            }
        }

        return default;
    }

    private readonly struct Member
    {
        public Member(ISymbol symbol, ITypeSymbol type)
        {
            Symbol = symbol;
            Type = type;
        }

        public ISymbol? Symbol { get; }

        public ITypeSymbol? Type { get; }
    }
}
