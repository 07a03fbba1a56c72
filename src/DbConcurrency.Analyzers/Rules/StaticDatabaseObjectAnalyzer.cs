using System.Collections.Immutable;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC001: a connection, command, reader, transaction or context kept in a static field or static
/// auto-property (directly or in a collection, array, <c>Lazy&lt;T&gt;</c>, task or tuple) is shared by
/// every thread in the process, unless every use holds one guard.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StaticDatabaseObjectAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.StaticDatabaseObject);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        DatabaseMember.RegisterTypeAnalysis(context, AnalyzeType);
    }

    /// <summary>
    /// Finds the type's static database members. A private one is only used inside the type, so every use
    /// can be seen: when all of them hold one guard, the sharing is synchronized and not reported.
    /// </summary>
    private static void AnalyzeType(SymbolStartAnalysisContext context, DatabaseTypeCatalog catalog, GuardApis guards)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!DatabaseMember.MayDeclareStaticStorage(type, context.CancellationToken))
        {
            return;
        }

        var members = DatabaseMember.DeclaredIn(type, catalog, staticOnly: true);
        if (members.IsEmpty)
        {
            return;
        }

        var privateMembers = ImmutableArray.CreateBuilder<ISymbol>();
        foreach (var member in members)
        {
            if (member.Symbol.DeclaredAccessibility == Accessibility.Private)
            {
                privateMembers.Add(member.Symbol);
            }
        }

        var uses = privateMembers.Count == 0 ? null : GuardedUses.Start(context, privateMembers.ToImmutable(), guards);
        context.RegisterSymbolEndAction(end =>
        {
            foreach (var member in members)
            {
                if ((uses is null || !uses.AllUsesHoldOneGuard(member.Symbol))
                    && !catalog.GeneratedCode.Contains(member.Location, end.CancellationToken))
                {
                    end.ReportDiagnostic(Diagnostic.Create(
                        Descriptors.StaticDatabaseObject,
                        member.Location,
                        member.Symbol.Name,
                        DatabaseMember.DisplayName(member.Type),
                        member.Kind,
                        DatabaseMember.DisplayName(member.Match.ObjectType)));
                }
            }
        });
    }
}
