using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The operations of one method, lambda or local function body in source order, walked once. DBC007 looks
/// up the same body many ways (which command got which text, which locals hold read values); one list keeps
/// that to a single walk, made only for the rare bodies that write back to the database.
/// </summary>
internal sealed class FunctionBody
{
    private FunctionBody(IOperation root, List<IOperation> operations)
    {
        Root = root;
        Operations = operations;
    }

    public IOperation Root { get; }

    /// <summary>Every operation under the root, parents before children.</summary>
    public List<IOperation> Operations { get; }

    /// <summary>The body that contains <paramref name="operation"/>: the innermost lambda or local function, else the member's.</summary>
    public static FunctionBody Of(IOperation operation) => OfRoot(RootOf(operation));

    /// <summary>The body whose root <see cref="RootOf"/> gave.</summary>
    public static FunctionBody OfRoot(IOperation root)
    {
        var operations = new List<IOperation>();
        foreach (var descendant in root.Descendants())
        {
            operations.Add(descendant);
        }

        return new FunctionBody(root, operations);
    }

    /// <summary>The operation of the body that contains <paramref name="operation"/>, found without walking the body.</summary>
    public static IOperation RootOf(IOperation operation)
    {
        var root = operation;
        for (var parent = operation.Parent; parent is not null; parent = parent.Parent)
        {
            root = parent;
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                break;
            }
        }

        return root;
    }

    /// <summary>
    /// True when the body's text names one of <paramref name="names"/> as a whole word: a search of the text, no
    /// tokens made and no binding, so a rule can rule a body out before it builds anything for it. A name in a
    /// comment or a string passes too; what follows is exact.
    /// </summary>
    public static bool NamesAny(IOperation root, ImmutableArray<string> names) => NamesAny(root.Syntax, names);

    /// <summary>True when the text of <paramref name="node"/> names one of <paramref name="names"/> as a whole word (see the overload above).</summary>
    public static bool NamesAny(SyntaxNode node, ImmutableArray<string> names)
    {
        var span = node.Span;

        // The whole file's string, searched within the node's bounds.
        var text = SourceString.Of(node.SyntaxTree);
        foreach (var name in names)
        {
            if (name.Length == 0)
            {
                // A parameter still being typed has no name; an empty one would be found at every position, forever.
                continue;
            }

            // A match lies wholly within the range searched: the next search starts past it, inside the body.
            for (var at = text.IndexOf(name, span.Start, span.Length, StringComparison.Ordinal);
                 at >= 0;
                 at = text.IndexOf(name, at + name.Length, span.End - at - name.Length, StringComparison.Ordinal))
            {
                var end = at + name.Length;
                if ((at == span.Start || !SyntaxFacts.IsIdentifierPartCharacter(text[at - 1]))
                    && (end == span.End || !SyntaxFacts.IsIdentifierPartCharacter(text[end])))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The expression <paramref name="local"/> is declared with (<c>var x = …;</c>), when it is declared once, in the tree
    /// <paramref name="model"/> is for: read from the declaration, wherever the local is used.
    /// </summary>
    public static ExpressionSyntax? DeclaredValueOf(ILocalSymbol local, SemanticModel? model)
        => model is not null
           && local.DeclaringSyntaxReferences.Length == 1
           && local.DeclaringSyntaxReferences[0].SyntaxTree == model.SyntaxTree
           && local.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } value }
            ? value
            : null;

    /// <summary>The operation of the value <paramref name="local"/> is declared with (<see cref="DeclaredValueOf"/>), from <paramref name="model"/>.</summary>
    public static IOperation? DeclaredOperationOf(ILocalSymbol local, SemanticModel? model)
        => DeclaredValueOf(local, model) is { } value ? model!.GetOperation(value) : null;

    /// <summary>The value <paramref name="local"/> is declared with, when it is declared in this body with one.</summary>
    public IOperation? InitializerOf(ILocalSymbol local)
    {
        foreach (var operation in Operations)
        {
            if (operation is IVariableDeclaratorOperation declarator && SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                return ValueOf(declarator);
            }
        }

        return null;
    }

    /// <summary>The value a declarator gives its local: its own initializer, or the declaration's (<c>int a, b = 1</c>).</summary>
    public static IOperation? ValueOf(IVariableDeclaratorOperation declarator)
        => declarator.Initializer?.Value ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer?.Value;

    /// <summary>Conversions, parentheses, awaits and <c>ConfigureAwait</c> carry the value they wrap.</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    continue;
                case IAwaitOperation awaited:
                    operation = awaited.Operation;
                    continue;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    continue;
                case IInvocationOperation { TargetMethod.Name: "ConfigureAwait", Instance: { } awaitable }:
                    operation = awaitable;
                    continue;
                default:
                    return operation;
            }
        }
    }

    public static ISymbol? SymbolOf(IOperation? operation) => operation is null ? null : Unwrap(operation) switch
    {
        ILocalReferenceOperation local => local.Local,
        IParameterReferenceOperation parameter => parameter.Parameter,
        IFieldReferenceOperation field => field.Field.OriginalDefinition,
        IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property => property.Property.OriginalDefinition,
        _ => null,
    };

    /// <summary>True when <paramref name="operation"/> refers to <paramref name="symbol"/> directly.</summary>
    public static bool Refers(IOperation? operation, ISymbol symbol)
        => SymbolOf(operation) is { } own && SymbolEqualityComparer.Default.Equals(own, symbol);
}
