using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DbConcurrency.CodeFixes;

/// <summary>Pointing the uses of a field or variable at a local the fix declares.</summary>
internal static class SymbolUses
{
    /// <summary>
    /// <paramref name="scope"/> with every reference to <paramref name="symbol"/> (<c>_db</c>, <c>this._db</c>)
    /// replaced by <paramref name="local"/>. <paramref name="scope"/> must be in <paramref name="model"/>'s tree.
    /// </summary>
    public static TNode ReplaceWithLocal<TNode>(TNode scope, ISymbol symbol, string local, SemanticModel model, CancellationToken cancellationToken)
        where TNode : SyntaxNode
    {
        var uses = scope.DescendantNodes().OfType<IdentifierNameSyntax>()
            .Where(identifier => identifier.Identifier.ValueText == symbol.Name
                                 && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, symbol))
            .Select(identifier => identifier.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access && access.Name == identifier
                ? (ExpressionSyntax)access
                : identifier)
            .ToList();
        return scope.ReplaceNodes(uses, (original, _) => IdentifierName(local).WithTriviaFrom(original));
    }
}
