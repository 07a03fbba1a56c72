using System.Collections.Immutable;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC005: a field or property holding a database object that some code uses under a guard and other code
/// uses without it. The guarded uses say the author expects several threads; the unguarded ones race them.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnsynchronizedUseAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: the <see cref="GuardKind"/> the other uses take, for the fix.</summary>
    public const string GuardKindProperty = "GuardKind";

    /// <summary>Diagnostic property: the guard object as the other uses spell it (<c>_gate</c>, <c>typeof(Db)</c>).</summary>
    public const string GuardProperty = "Guard";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.UnsynchronizedUse);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        DatabaseMember.RegisterTypeAnalysis(context, AnalyzeType);
    }

    private static void AnalyzeType(SymbolStartAnalysisContext context, DatabaseTypeCatalog catalog, GuardApis guards)
    {
        // Reported only beside a use that holds a guard: a type that names none is done before its members are read.
        var type = (INamedTypeSymbol)context.Symbol;
        if (!GuardMentions.MayTakeGuard(type))
        {
            return;
        }

        var members = DatabaseMember.DeclaredIn(type, catalog, staticOnly: false).AddRange(DatabaseMember.PrimaryConstructorParameters(type, catalog, context.CancellationToken));
        if (members.IsEmpty)
        {
            return;
        }

        var symbols = ImmutableArray.CreateBuilder<ISymbol>(members.Length);
        foreach (var member in members)
        {
            symbols.Add(member.Symbol);
        }

        var uses = GuardedUses.Start(context, symbols.MoveToImmutable(), guards);
        context.RegisterSymbolEndAction(end =>
        {
            foreach (var member in members)
            {
                ReportUnguardedUses(end, member, uses.Of(member.Symbol), catalog.GeneratedCode);
            }
        });
    }

    private static void ReportUnguardedUses(SymbolAnalysisContext context, DatabaseMember member, ImmutableArray<GuardedUse> uses, GeneratedCode generated)
    {
        if (!TryFindUsualGuard(uses, out var usual))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(GuardKindProperty, usual.Kind.ToString())
            .Add(GuardProperty, usual.Expression.ToString());
        var usualText = usual.Describe();
        foreach (var use in uses)
        {
            if ((use.IsProtected && use.Guard.IsSameAs(usual)) || generated.Contains(use.Location, context.CancellationToken))
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.UnsynchronizedUse,
                use.Location,
                properties,
                member.Symbol.Name,
                DatabaseMember.DisplayName(member.Type),
                HowUsed(use),
                usualText));
        }
    }

    /// <summary>
    /// The guard most uses hold (the first in source order on a tie). No protected use at all means nobody
    /// expected concurrency here: that is DBC001's or DBC002's business, not this rule's.
    /// </summary>
    private static bool TryFindUsualGuard(ImmutableArray<GuardedUse> uses, out Guard usual)
    {
        usual = default;
        var bestCount = 0;
        for (var i = 0; i < uses.Length; i++)
        {
            if (!uses[i].IsProtected)
            {
                continue;
            }

            var count = 0;
            foreach (var other in uses)
            {
                if (other.IsProtected && other.Guard.IsSameAs(uses[i].Guard))
                {
                    count++;
                }
            }

            if (count > bestCount)
            {
                bestCount = count;
                usual = uses[i].Guard;
            }
        }

        return bestCount > 0;
    }

    private static string HowUsed(GuardedUse use) => use.State switch
    {
        GuardState.HeldAcrossAwait => "under " + use.Guard.Describe() + " held across an await, which excludes nobody once the method resumes on another thread",
        GuardState.Guarded when use.Guard.CanProtect(use.Member) => "under " + use.Guard.Describe() + ", a different guard",
        GuardState.Guarded => "under " + use.Guard.Describe() + ", a per-instance guard around a static member",
        _ => "without synchronization",
    };
}
