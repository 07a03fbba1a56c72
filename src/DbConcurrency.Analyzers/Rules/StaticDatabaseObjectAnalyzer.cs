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
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var catalog = DatabaseTypeCatalog.TryCreate(start.Compilation, start.Options.AnalyzerConfigOptionsProvider);
            if (catalog is null)
            {
                return;
            }

            var guards = GuardApis.Create(start.Compilation);
            start.RegisterSymbolStartAction(typeStart => AnalyzeType(typeStart, catalog, guards), SymbolKind.NamedType);
        });
    }

    /// <summary>
    /// Finds the type's static database members. A private one is only used inside the type, so every use
    /// can be seen: when all of them hold one guard, the sharing is synchronized and not reported.
    /// </summary>
    private static void AnalyzeType(SymbolStartAnalysisContext context, DatabaseTypeCatalog catalog, GuardApis guards)
    {
        var members = ImmutableArray.CreateBuilder<DatabaseMember>();
        var privateMembers = ImmutableArray.CreateBuilder<ISymbol>();
        foreach (var symbol in ((INamedTypeSymbol)context.Symbol).GetMembers())
        {
            if (symbol.IsStatic && DatabaseMember.TryCreate(symbol, catalog, out var member))
            {
                members.Add(member);
                if (symbol.DeclaredAccessibility == Accessibility.Private)
                {
                    privateMembers.Add(symbol);
                }
            }
        }

        if (members.Count == 0)
        {
            return;
        }

        var uses = privateMembers.Count == 0 ? null : GuardedUses.Start(context, privateMembers.ToImmutable(), guards);
        var found = members.ToImmutable();
        context.RegisterSymbolEndAction(end =>
        {
            foreach (var member in found)
            {
                if (uses is null || !uses.AllUsesHoldOneGuard(member.Symbol))
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
