using System.Collections.Immutable;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC001: a connection, command, reader, transaction or context kept in a static field or static
/// auto-property (directly or in a collection, array, <c>Lazy&lt;T&gt;</c>, task or tuple) is shared by
/// every thread in the process.
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
        var findings = ImmutableArray.CreateBuilder<Finding>();
        var privateMembers = ImmutableArray.CreateBuilder<ISymbol>();
        foreach (var member in ((INamedTypeSymbol)context.Symbol).GetMembers())
        {
            if (TryCreateFinding(member, catalog, out var finding))
            {
                findings.Add(finding);
                if (member.DeclaredAccessibility == Accessibility.Private)
                {
                    privateMembers.Add(member);
                }
            }
        }

        if (findings.Count == 0)
        {
            return;
        }

        var uses = privateMembers.Count == 0 ? null : GuardedUses.Start(context, privateMembers.ToImmutable(), guards);
        var toReport = findings.ToImmutable();
        context.RegisterSymbolEndAction(end =>
        {
            foreach (var finding in toReport)
            {
                if (uses is not null && uses.AllUsesHoldOneGuard(finding.Member))
                {
                    continue;
                }

                end.ReportDiagnostic(finding.ToDiagnostic());
            }
        });
    }

    private static bool TryCreateFinding(ISymbol member, DatabaseTypeCatalog catalog, out Finding finding)
    {
        finding = default;
        if (!member.IsStatic || member.Locations.Length == 0)
        {
            return false;
        }

        var location = member.Locations[0];
        var types = catalog.For(location.SourceTree);
        switch (member)
        {
            case IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false } field
                when types.TryClassify(field.Type, out var match) && !types.IsThreadStatic(field):
                finding = new Finding(field, location, field.Type, "field", match);
                return true;

            // Only a property with its own hidden storage shares an instance; a computed property that
            // returns a new object per call is a factory. Explicit backing fields are reported as fields.
            case IPropertySymbol { IsAbstract: false, IsIndexer: false } property
                when types.TryClassify(property.Type, out var match)
                     && FindBackingField(property) is { } backingField
                     && !types.IsThreadStatic(backingField):
                finding = new Finding(property, location, property.Type, "property", match);
                return true;

            default:
                return false;
        }
    }

    private static IFieldSymbol? FindBackingField(IPropertySymbol property)
    {
        foreach (var member in property.ContainingType.GetMembers())
        {
            if (member is IFieldSymbol { IsImplicitlyDeclared: true } field
                && SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property))
            {
                return field;
            }
        }

        return null;
    }

    private readonly struct Finding
    {
        private readonly Location _location;
        private readonly ITypeSymbol _type;
        private readonly string _memberKind;
        private readonly DatabaseObjectMatch _match;

        public Finding(ISymbol member, Location location, ITypeSymbol type, string memberKind, DatabaseObjectMatch match)
        {
            Member = member;
            _location = location;
            _type = type;
            _memberKind = memberKind;
            _match = match;
        }

        public ISymbol Member { get; }

        public Diagnostic ToDiagnostic()
            => Diagnostic.Create(
                Descriptors.StaticDatabaseObject,
                _location,
                Member.Name,
                DisplayName(_type),
                _memberKind,
                DisplayName(_match.ObjectType));
    }

    // "DbConnection", not "DbConnection?": nullability says nothing about sharing.
    private static string DisplayName(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
