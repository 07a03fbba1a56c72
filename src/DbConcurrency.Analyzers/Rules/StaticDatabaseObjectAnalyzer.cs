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

            start.RegisterSymbolAction(symbolContext => AnalyzeField(symbolContext, catalog), SymbolKind.Field);
            start.RegisterSymbolAction(symbolContext => AnalyzeProperty(symbolContext, catalog), SymbolKind.Property);
        });
    }

    private static void AnalyzeField(SymbolAnalysisContext context, DatabaseTypeCatalog catalog)
    {
        var field = (IFieldSymbol)context.Symbol;
        if (!field.IsStatic || field.IsConst || field.IsImplicitlyDeclared || field.Locations.Length == 0)
        {
            return;
        }

        var location = field.Locations[0];
        var types = catalog.For(location.SourceTree);
        if (!types.TryClassify(field.Type, out var match) || types.IsThreadStatic(field))
        {
            return;
        }

        Report(context, location, field.Name, field.Type, "field", match);
    }

    private static void AnalyzeProperty(SymbolAnalysisContext context, DatabaseTypeCatalog catalog)
    {
        var property = (IPropertySymbol)context.Symbol;
        if (!property.IsStatic || property.IsAbstract || property.IsIndexer || property.Locations.Length == 0)
        {
            return;
        }

        var location = property.Locations[0];
        var types = catalog.For(location.SourceTree);
        if (!types.TryClassify(property.Type, out var match))
        {
            return;
        }

        // Only a property with its own hidden storage shares an instance; a computed property that
        // returns a new object per call is a factory. Explicit backing fields are reported as fields.
        var backingField = FindBackingField(property);
        if (backingField is null || types.IsThreadStatic(backingField))
        {
            return;
        }

        Report(context, location, property.Name, property.Type, "property", match);
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

    private static void Report(SymbolAnalysisContext context, Location location, string name, ITypeSymbol memberType, string memberKind, DatabaseObjectMatch match)
    {
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.StaticDatabaseObject,
            location,
            name,
            DisplayName(memberType),
            memberKind,
            DisplayName(match.ObjectType)));
    }

    // "DbConnection", not "DbConnection?": nullability says nothing about sharing.
    private static string DisplayName(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
