using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>The code a delegate runs: a lambda's or anonymous method's body, or the method or local function a method group names.</summary>
internal static class DelegateBody
{
    /// <summary>
    /// The body behind <paramref name="value"/> and the span that counts as "inside" it: what is declared
    /// there belongs to one run. For a method group, <c>Group</c> is the reference that names the method (its body,
    /// found in the same file only, stands elsewhere); for a lambda it is null.
    /// </summary>
    public static bool TryFind(IOperation value, out (IOperation Operation, TextSpan Span, IMethodReferenceOperation? Group) body)
    {
        body = default;
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        switch (value)
        {
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation function }:
                body = (function.Body, function.Syntax.Span, null);
                return true;

            case IAnonymousFunctionOperation function:
                body = (function.Body, function.Syntax.Span, null);
                return true;

            case IDelegateCreationOperation { Target: IMethodReferenceOperation reference }
                when TryFindDeclaration(reference.Method, value.SemanticModel, out var declaration, out var operation):
                body = (operation, declaration.Span, reference);
                return true;

            default:
                return false;
        }
    }

    /// <summary>The operation of a source method or local function declared in the same file as <paramref name="model"/>'s.</summary>
    public static bool TryFindMethodBody(IMethodSymbol method, SemanticModel? model, out IOperation body)
        => TryFindDeclaration(method, model, out _, out body);

    private static bool TryFindDeclaration(IMethodSymbol method, SemanticModel? model, out SyntaxNode declaration, out IOperation body)
    {
        declaration = null!;
        body = null!;
        if (model is null || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var reference = method.DeclaringSyntaxReferences[0];
        if (reference.SyntaxTree != model.SyntaxTree)
        {
            return false;
        }

        declaration = reference.GetSyntax();
        var operation = model.GetOperation(declaration);
        switch (operation)
        {
            case ILocalFunctionOperation { Body: { } localBody }:
                body = localBody;
                return true;
            case IMethodBodyOperation methodBody when (methodBody.BlockBody ?? methodBody.ExpressionBody) is { } block:
                body = block;
                return true;
            default:
                return false;
        }
    }
}
