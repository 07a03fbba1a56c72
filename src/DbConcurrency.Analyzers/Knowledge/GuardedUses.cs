using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>One read or write of a watched member, with the guard it effectively runs under.</summary>
internal readonly struct GuardedUse
{
    public GuardedUse(ISymbol member, Location location, GuardState state, Guard guard)
    {
        Member = member;
        Location = location;
        State = state;
        Guard = guard;
    }

    public ISymbol Member { get; }

    public Location Location { get; }

    public GuardState State { get; }

    public Guard Guard { get; }

    /// <summary>True when this use runs under a guard that really excludes the member's other users.</summary>
    public bool IsProtected => State == GuardState.Guarded && Guard.CanProtect(Member);
}

/// <summary>
/// Collects, within one type (all its partial declarations), every use of the members a rule watches and
/// the guard each runs under. A use in a private helper counts as guarded when every call of the helper
/// is (<c>lock (_gate) return ReadCore();</c>). A rule starts one at symbol start for the members it
/// cares about and reads it at symbol end.
/// </summary>
internal sealed class GuardedUses
{
    // Helpers calling helpers calling helpers: deep enough for real code, bounded for recursion.
    private const int MaxCallDepth = 4;

    private static readonly ImmutableArray<OperationKind> ObservedKinds = ImmutableArray.Create(
        OperationKind.FieldReference,
        OperationKind.PropertyReference,
        OperationKind.Invocation,
        OperationKind.MethodReference);

    // Parameter references are many: watched only in a type with a primary constructor parameter to watch.
    private static readonly ImmutableArray<OperationKind> ObservedKindsWithParameters = ObservedKinds.Add(OperationKind.ParameterReference);

    private readonly INamedTypeSymbol _type;
    private readonly ImmutableArray<ISymbol> _members;
    private readonly ImmutableArray<ISymbol> _usedByNestedTypes;
    private readonly GuardApis _apis;
    private readonly ConcurrentQueue<Site> _uses = new();
    private readonly ConcurrentQueue<Site> _calls = new();

    private GuardedUses(INamedTypeSymbol type, ImmutableArray<ISymbol> members, ImmutableArray<ISymbol> usedByNestedTypes, GuardApis apis)
    {
        _type = type;
        _members = members;
        _usedByNestedTypes = usedByNestedTypes;
        _apis = apis;
    }

    /// <summary>Starts collecting uses of <paramref name="members"/> in the type <paramref name="context"/> analyzes.</summary>
    public static GuardedUses Start(SymbolStartAnalysisContext context, ImmutableArray<ISymbol> members, GuardApis apis)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var uses = new GuardedUses(type, members, MentionedInNestedTypes(type, members, context.CancellationToken), apis);
        var watchesParameters = false;
        foreach (var member in members)
        {
            watchesParameters |= member is IParameterSymbol;
        }

        context.RegisterOperationAction(uses.Record, watchesParameters ? ObservedKindsWithParameters : ObservedKinds);
        return uses;
    }

    /// <summary>The uses of <paramref name="member"/> in source order, so reports do not depend on thread scheduling.</summary>
    public ImmutableArray<GuardedUse> Of(ISymbol member)
    {
        var builder = ImmutableArray.CreateBuilder<GuardedUse>();
        foreach (var site in _uses)
        {
            if (SymbolEqualityComparer.Default.Equals(site.Target, member))
            {
                var state = Resolve(site, MaxCallDepth, out var guard);
                builder.Add(new GuardedUse(member, site.Location, state, guard));
            }
        }

        builder.Sort(SourceOrder.Instance);
        return builder.ToImmutable();
    }

    /// <summary>
    /// True when <paramref name="member"/> is used at least once and every use holds one and the same guard
    /// that can protect it: the documented way to share one connection.
    /// </summary>
    public bool AllUsesHoldOneGuard(ISymbol member)
    {
        if (Contains(_usedByNestedTypes, member))
        {
            return false;
        }

        Guard? first = null;
        foreach (var use in Of(member))
        {
            if (!use.IsProtected || (first is { } guard && !guard.IsSameAs(use.Guard)))
            {
                return false;
            }

            first ??= use.Guard;
        }

        return first is not null;
    }

    /// <summary>
    /// The same collection outside the driver: walks the bodies of <paramref name="type"/>'s members itself. For
    /// a rule that must know, while analyzing one type, how another type guards its members.
    /// </summary>
    public static GuardedUses Collect(INamedTypeSymbol type, ImmutableArray<ISymbol> members, GuardApis apis, SemanticModels models, CancellationToken cancellationToken)
    {
        var uses = new GuardedUses(type, members, MentionedInNestedTypes(type, members, cancellationToken), apis);
        foreach (var (body, owner) in models.BodiesOf(type, cancellationToken))
        {
            foreach (var operation in body.DescendantsAndSelf())
            {
                uses.Record(operation, owner);
            }
        }

        return uses;
    }

    private void Record(OperationAnalysisContext context) => Record(context.Operation, context.ContainingSymbol);

    private void Record(IOperation operation, ISymbol containingSymbol)
    {
        switch (operation)
        {
            case IFieldReferenceOperation reference:
                RecordUse(operation, containingSymbol, reference.Field.OriginalDefinition);
                break;
            case IPropertyReferenceOperation reference:
                RecordUse(operation, containingSymbol, reference.Property.OriginalDefinition);
                break;

            // A primary constructor's parameter, kept by the instance for every member.
            case IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } reference:
                RecordUse(operation, containingSymbol, reference.Parameter);
                break;
            case IInvocationOperation invocation when IsPrivateHelper(invocation.TargetMethod):
                RecordCall(operation, containingSymbol, invocation.TargetMethod.OriginalDefinition, asDelegate: false);
                break;
            case IMethodReferenceOperation reference when IsPrivateHelper(reference.Method):
                // A method group runs whenever the delegate is invoked, under nobody's guard.
                RecordCall(operation, containingSymbol, reference.Method.OriginalDefinition, asDelegate: true);
                break;
        }
    }

    private void RecordUse(IOperation operation, ISymbol containingSymbol, ISymbol member)
    {
        if (!Contains(_members, member) || !IsSharedUse(operation, member, containingSymbol))
        {
            return;
        }

        var state = GuardAnalysis.Find(operation, _apis, out var guard, out var inDelegate);
        _uses.Enqueue(new Site(member, NameOf(operation.Syntax).GetLocation(), state, guard, CallerOf(containingSymbol, inDelegate)));
    }

    private void RecordCall(IOperation operation, ISymbol containingSymbol, IMethodSymbol callee, bool asDelegate)
    {
        var state = GuardState.Unguarded;
        Guard guard = default;
        var inDelegate = false;
        if (!asDelegate)
        {
            state = GuardAnalysis.Find(operation, _apis, out guard, out inDelegate);
        }

        _calls.Enqueue(new Site(callee, operation.Syntax.GetLocation(), state, guard, CallerOf(containingSymbol, inDelegate)));
    }

    private static IMethodSymbol? CallerOf(ISymbol containingSymbol, bool inDelegate)
        => inDelegate ? null : containingSymbol as IMethodSymbol;

    private bool IsPrivateHelper(IMethodSymbol method)
        => method.MethodKind == MethodKind.Ordinary
           && method.DeclaredAccessibility == Accessibility.Private
           && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, _type);

    /// <summary>
    /// The guard a site runs under: its own, or, when it has none and sits in a private helper, the one
    /// guard every call of that helper holds.
    /// </summary>
    private GuardState Resolve(Site site, int depth, out Guard guard)
    {
        guard = site.Guard;
        if (site.State != GuardState.Unguarded || depth == 0 || site.Caller is not { } helper || !IsPrivateHelper(helper))
        {
            return site.State;
        }

        Guard? common = null;
        foreach (var call in _calls)
        {
            if (!SymbolEqualityComparer.Default.Equals(call.Target, helper.OriginalDefinition))
            {
                continue;
            }

            if (Resolve(call, depth - 1, out var callGuard) != GuardState.Guarded
                || (common is { } known && !known.IsSameAs(callGuard)))
            {
                return GuardState.Unguarded;
            }

            common = callGuard;
        }

        if (common is not { } found)
        {
            return GuardState.Unguarded;
        }

        guard = found;
        return GuardState.Guarded;
    }

    private static bool Contains(ImmutableArray<ISymbol> members, ISymbol member)
    {
        foreach (var candidate in members)
        {
            if (SymbolEqualityComparer.Default.Equals(candidate, member))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Uses that cannot race: construction and field initializers run before the object is published,
    /// <c>Dispose</c> runs after its users are done, <c>nameof</c> reads nothing, and the lock target in
    /// <c>lock (_connection)</c> is the guard, not a use.
    /// </summary>
    private bool IsSharedUse(IOperation operation, ISymbol member, ISymbol containingSymbol)
    {
        switch (containingSymbol)
        {
            case IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor
                when constructor.IsStatic == member.IsStatic
                     && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, member.ContainingType):
            case IMethodSymbol { Name: "Dispose" or "DisposeAsync" }:
            case IFieldSymbol:
            case IPropertySymbol when operation.Syntax.FirstAncestorOrSelf<EqualsValueClauseSyntax>() is not null:
                return false;
        }

        var parent = operation.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }

        if (parent is ILockOperation
            || (parent is IArgumentOperation { Parent: IInvocationOperation invocation } && _apis.IsGuardCall(invocation)))
        {
            return false;
        }

        for (var current = parent; current is not null; current = current.Parent)
        {
            if (current is INameOfOperation)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Nested types can use the type's private members, but their code is analyzed under their own symbol,
    /// out of this collector's sight. A member whose name appears in a nested type may have uses that were
    /// never seen, so no rule may conclude that all its uses are guarded.
    /// </summary>
    private static ImmutableArray<ISymbol> MentionedInNestedTypes(INamedTypeSymbol type, ImmutableArray<ISymbol> members, CancellationToken cancellationToken)
    {
        var nested = type.GetTypeMembers();
        if (nested.IsEmpty)
        {
            return ImmutableArray<ISymbol>.Empty;
        }

        var mentioned = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var nestedType in nested)
        {
            foreach (var reference in nestedType.DeclaringSyntaxReferences)
            {
                foreach (var token in reference.GetSyntax(cancellationToken).DescendantTokens())
                {
                    if (!token.IsKind(SyntaxKind.IdentifierToken))
                    {
                        continue;
                    }

                    foreach (var member in members)
                    {
                        if (token.ValueText == member.Name)
                        {
                            mentioned.Add(member);
                        }
                    }
                }
            }
        }

        return mentioned.ToImmutableArray();
    }

    /// <summary>The smallest span that names the member: <c>_connection</c> in <c>this._connection.Open()</c>.</summary>
    private static SyntaxNode NameOf(SyntaxNode syntax)
        => syntax is MemberAccessExpressionSyntax access ? access.Name : syntax;

    /// <summary>A use of a watched member, or a call of a private helper; both carry the guard around them.</summary>
    private readonly struct Site
    {
        public Site(ISymbol target, Location location, GuardState state, Guard guard, IMethodSymbol? caller)
        {
            Target = target;
            Location = location;
            State = state;
            Guard = guard;
            Caller = caller;
        }

        public ISymbol Target { get; }

        public Location Location { get; }

        public GuardState State { get; }

        public Guard Guard { get; }

        /// <summary>The method the site runs in directly; null inside a lambda or local function.</summary>
        public IMethodSymbol? Caller { get; }
    }

    private sealed class SourceOrder : IComparer<GuardedUse>
    {
        public static readonly SourceOrder Instance = new();

        public int Compare(GuardedUse x, GuardedUse y)
        {
            var byPath = string.CompareOrdinal(x.Location.SourceTree?.FilePath, y.Location.SourceTree?.FilePath);
            return byPath != 0 ? byPath : x.Location.SourceSpan.Start.CompareTo(y.Location.SourceSpan.Start);
        }
    }
}
