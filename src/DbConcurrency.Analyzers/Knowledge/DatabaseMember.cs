using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// A field or auto-property that stores a database object: the members through which one object is
/// shared. Every rule about shared members starts from this, so they agree on what a member holds.
/// </summary>
internal readonly struct DatabaseMember
{
    private DatabaseMember(ISymbol symbol, ITypeSymbol type, string kind, DatabaseObjectMatch match)
    {
        Symbol = symbol;
        Type = type;
        Kind = kind;
        Match = match;
    }

    public ISymbol Symbol { get; }

    /// <summary>The member's declared type: the object, or the collection, task or lazy that holds it.</summary>
    public ITypeSymbol Type { get; }

    /// <summary>"field", "property" or "parameter" (a primary constructor's), as messages say it.</summary>
    public string Kind { get; }

    public DatabaseObjectMatch Match { get; }

    public Location Location => Symbol.Locations[0];

    /// <summary>
    /// True when <paramref name="symbol"/> is a source field or auto-property whose value is, or holds, a
    /// database object. <c>[ThreadStatic]</c> storage is per thread and does not count.
    /// </summary>
    public static bool TryCreate(ISymbol symbol, DatabaseTypeCatalog catalog, out DatabaseMember member)
    {
        member = default;
        if (symbol.Locations.Length == 0 || !symbol.Locations[0].IsInSource)
        {
            return false;
        }

        // Most members are neither: no type model asked for them.
        if (symbol is not (IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false } or IPropertySymbol { IsAbstract: false, IsIndexer: false }))
        {
            return false;
        }

        var types = catalog.For(symbol.Locations[0].SourceTree);
        switch (symbol)
        {
            case IFieldSymbol { IsConst: false, IsImplicitlyDeclared: false } field
                when types.TryClassify(field.Type, out var match) && !DatabaseTypes.IsThreadStatic(field):
                member = new DatabaseMember(field, field.Type, "field", match);
                return true;

            // Only a property with its own hidden storage shares an instance; a computed property that
            // returns a new object per call is a factory. Explicit backing fields count as fields.
            case IPropertySymbol { IsAbstract: false, IsIndexer: false } property
                when types.TryClassify(property.Type, out var match)
                     && FindBackingField(property) is { } backingField
                     && !DatabaseTypes.IsThreadStatic(backingField):
                member = new DatabaseMember(property, property.Type, "property", match);
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// False when no declaration of <paramref name="type"/> has a field or property marked <c>static</c> (a static class's
    /// members are marked too): read from the declarations' syntax, so most types are done with before the compiler
    /// completes and sorts their members. True for declarations it cannot read (top-level statements).
    /// </summary>
    public static bool MayDeclareStaticStorage(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                return true;
            }

            foreach (var member in declaration.Members)
            {
                if (member is BaseFieldDeclarationSyntax or BasePropertyDeclarationSyntax && member.Modifiers.Any(SyntaxKind.StaticKeyword))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The fields and auto-properties of <paramref name="type"/> that store a database object.</summary>
    public static ImmutableArray<DatabaseMember> DeclaredIn(INamedTypeSymbol type, DatabaseTypeCatalog catalog, bool staticOnly)
    {
        // Most types hold no database object: no builder for them.
        ImmutableArray<DatabaseMember>.Builder? members = null;
        foreach (var symbol in type.GetMembers())
        {
            if ((!staticOnly || symbol.IsStatic) && TryCreate(symbol, catalog, out var member))
            {
                (members ??= ImmutableArray.CreateBuilder<DatabaseMember>()).Add(member);
            }
        }

        return members?.ToImmutable() ?? ImmutableArray<DatabaseMember>.Empty;
    }

    /// <summary>
    /// The parameters of <paramref name="type"/>'s primary constructor that are, or hold, a database object: in
    /// <c>class Counter(SqliteConnection connection)</c> every member's <c>connection</c> is the one instance's, as a
    /// field would be. A record's are its properties', which <see cref="DeclaredIn"/> reads.
    /// </summary>
    public static ImmutableArray<DatabaseMember> PrimaryConstructorParameters(INamedTypeSymbol type, DatabaseTypeCatalog catalog, CancellationToken cancellationToken)
    {
        if (type.IsRecord || type.TypeKind != TypeKind.Class)
        {
            return ImmutableArray<DatabaseMember>.Empty;
        }

        ImmutableArray<DatabaseMember>.Builder? parameters = null;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.Parameters.IsEmpty || !DependencyInjectionApis.IsPrimaryConstructor(constructor, cancellationToken))
            {
                continue;
            }

            var types = catalog.For(constructor.Locations.Length > 0 ? constructor.Locations[0].SourceTree : null);
            foreach (var parameter in constructor.Parameters)
            {
                if (parameter.Locations.Length > 0 && types.TryClassify(parameter.Type, out var match) && IsNamedInAMember(type, parameter, cancellationToken))
                {
                    (parameters ??= ImmutableArray.CreateBuilder<DatabaseMember>()).Add(new DatabaseMember(parameter, parameter.Type, "parameter", match));
                }
            }
        }

        return parameters?.ToImmutable() ?? ImmutableArray<DatabaseMember>.Empty;
    }

    /// <summary>
    /// False when no method, accessor or expression-bodied property of <paramref name="type"/> names the parameter: one
    /// used only to initialize fields (<c>_connection = connection</c>) or passed to the base is not kept, the field is.
    /// </summary>
    private static bool IsNamedInAMember(INamedTypeSymbol type, IParameterSymbol parameter, CancellationToken cancellationToken)
    {
        var name = ImmutableArray.Create(parameter.Name);
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                return true;
            }

            foreach (var member in declaration.Members)
            {
                var named = member switch
                {
                    BaseMethodDeclarationSyntax method => FunctionBody.NamesAny(method, name),
                    PropertyDeclarationSyntax property => (property.AccessorList is { } accessors && FunctionBody.NamesAny(accessors, name))
                                                          || (property.ExpressionBody is { } arrow && FunctionBody.NamesAny(arrow, name)),
                    IndexerDeclarationSyntax or EventDeclarationSyntax => FunctionBody.NamesAny(member, name),
                    _ => false,
                };

                if (named)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Runs <paramref name="analyzeType"/> at the start of every type in compilations that reference a
    /// database type, with the compilation's type and guard models: how the rules about shared members
    /// (DBC001, DBC005) plug into the driver.
    /// </summary>
    public static void RegisterTypeAnalysis(AnalysisContext context, Action<SymbolStartAnalysisContext, DatabaseTypeCatalog, GuardApis> analyzeType)
        => DatabaseTypeCatalog.RegisterCompilationStart(context, (start, catalog) =>
        {
            var guards = GuardApis.Create(start.Compilation);
            start.RegisterSymbolStartAction(typeStart => analyzeType(typeStart, catalog, guards), SymbolKind.NamedType);
        });

    /// <summary>"DbConnection", not "DbConnection?": nullability says nothing about sharing.</summary>
    public static string DisplayName(ITypeSymbol type)
        => type.WithNullableAnnotation(NullableAnnotation.None).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);

    /// <summary>A property with storage of its own: <c>{ get; }</c>, <c>{ get; set; }</c>, <c>{ get; init; }</c>.</summary>
    public static bool IsAutoProperty(IPropertySymbol property) => FindBackingField(property) is not null;

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
}
