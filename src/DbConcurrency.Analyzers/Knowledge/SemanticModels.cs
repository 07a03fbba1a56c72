using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Semantic models for code the driver did not hand the rule: registrations in another file decide a
/// service's lifetime, and another type's constructor decides what a dependency holds. One model per tree
/// per compilation, shared by every question asked about that tree.
/// </summary>
internal sealed class SemanticModels
{
    private readonly Compilation _compilation;
    private readonly ConcurrentDictionary<SyntaxTree, SemanticModel> _models = new();
    private readonly Func<SyntaxTree, SemanticModel> _create;

    public SemanticModels(Compilation compilation)
    {
        _compilation = compilation;

        // Made once: a lambda at the call site would allocate a closure for every question asked.
        _create = Create;
    }

    public Compilation Compilation => _compilation;

#pragma warning disable RS1030 // Cross-file lifetimes cannot be answered from the callback's own model; each tree's model is made once and cached.
    public SemanticModel For(SyntaxTree tree) => _models.GetOrAdd(tree, _create);

    private SemanticModel Create(SyntaxTree tree) => _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030

    /// <summary>
    /// The operation of every body and initializer declared in <paramref name="type"/> (all its partial
    /// declarations, not nested types), with the member it belongs to, as the driver would report them.
    /// </summary>
    public IEnumerable<(IOperation Body, ISymbol Owner)> BodiesOf(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            var model = For(declaration.SyntaxTree);
            foreach (var member in declaration.Members)
            {
                foreach (var (node, owner) in BodyNodes(model, member, cancellationToken))
                {
                    if (owner is not null && model.GetOperation(node, cancellationToken) is { } operation)
                    {
                        yield return (operation, owner);
                    }
                }
            }
        }
    }

    private static IEnumerable<(SyntaxNode Node, ISymbol? Owner)> BodyNodes(SemanticModel model, MemberDeclarationSyntax member, CancellationToken cancellationToken)
    {
        switch (member)
        {
            case BaseMethodDeclarationSyntax method when method.Body is not null || method.ExpressionBody is not null:
                yield return (method, model.GetDeclaredSymbol(method, cancellationToken));
                break;

            case BasePropertyDeclarationSyntax property:
                var symbol = model.GetDeclaredSymbol(property, cancellationToken);
                if (property.AccessorList is { } accessors)
                {
                    foreach (var accessor in accessors.Accessors)
                    {
                        if (accessor.Body is not null || accessor.ExpressionBody is not null)
                        {
                            yield return (accessor, model.GetDeclaredSymbol(accessor, cancellationToken));
                        }
                    }
                }

                switch (property)
                {
                    case PropertyDeclarationSyntax { ExpressionBody: { } arrow }:
                        yield return (arrow, (symbol as IPropertySymbol)?.GetMethod);
                        break;
                    case IndexerDeclarationSyntax { ExpressionBody: { } arrow }:
                        yield return (arrow, (symbol as IPropertySymbol)?.GetMethod);
                        break;
                }

                if (property is PropertyDeclarationSyntax { Initializer: { } propertyInitializer })
                {
                    yield return (propertyInitializer, symbol);
                }

                break;

            case BaseFieldDeclarationSyntax field:
                foreach (var variable in field.Declaration.Variables)
                {
                    if (variable.Initializer is { } initializer)
                    {
                        yield return (initializer, model.GetDeclaredSymbol(variable, cancellationToken));
                    }
                }

                break;
        }
    }
}
