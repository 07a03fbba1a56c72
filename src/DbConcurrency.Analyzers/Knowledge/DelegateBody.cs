using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The code a delegate runs: a lambda's or anonymous method's body, or the method or local function a method group
/// names, also when a local holds the delegate (<c>Action&lt;int&gt; work = i =&gt; …; Parallel.ForEach(items, work)</c>).
/// </summary>
internal readonly struct DelegateBody
{
    private DelegateBody(IOperation operation, TextSpan span, IOperation? through, string? throughName)
    {
        Operation = operation;
        Span = span;
        Through = through;
        ThroughName = throughName;
    }

    /// <summary>The body's operation.</summary>
    public IOperation Operation { get; }

    /// <summary>The span that counts as "inside": what is declared there belongs to one run.</summary>
    public TextSpan Span { get; }

    /// <summary>
    /// When the body stands away from the delegate's value (a method group's method, a local's lambda), the value that
    /// names it: where a finding about the body is reported, in the operation that hands the delegate over. Null for a
    /// lambda written in place.
    /// </summary>
    public IOperation? Through { get; }

    /// <summary>The method's or local's name, as the message says it.</summary>
    public string? ThroughName { get; }

    /// <summary>
    /// The body behind <paramref name="value"/>: a lambda or local in this file, a method in any file of the
    /// compilation (another part of a partial class), its model from <paramref name="models"/>.
    /// </summary>
    public static bool TryFind(IOperation value, SemanticModels models, out DelegateBody body)
    {
        body = default;
        value = Unconverted(value);
        IOperation? through = null;
        string? throughName = null;

        // A stored delegate: the one the local was declared with.
        if (value is ILocalReferenceOperation { Local: { IsRef: false } local } reference && InitializerOf(local, value.SemanticModel) is { } initializer)
        {
            (through, throughName) = (reference, local.Name);
            value = Unconverted(initializer);
        }

        switch (value)
        {
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation function }:
                body = new DelegateBody(function.Body, function.Syntax.Span, through, throughName);
                return true;

            case IAnonymousFunctionOperation function:
                body = new DelegateBody(function.Body, function.Syntax.Span, through, throughName);
                return true;

            case IDelegateCreationOperation { Target: IMethodReferenceOperation group }
                when TryFindDeclaration(group.Method, value.SemanticModel, models, out var declaration, out var operation):
                body = new DelegateBody(operation, declaration.Span, through ?? group, throughName ?? group.Method.Name);
                return true;

            default:
                return false;
        }
    }

    private static IOperation Unconverted(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        return value;
    }

    /// <summary>
    /// The lambda, anonymous method or method group a delegate local is declared with, in this file. A local assigned
    /// again later is still read by its declaration: stored delegates are written once in the code we know of.
    /// </summary>
    private static IOperation? InitializerOf(ILocalSymbol local, SemanticModel? model)
        => local.Type.TypeKind == TypeKind.Delegate
           && FunctionBody.DeclaredValueOf(local, model) is (AnonymousFunctionExpressionSyntax or IdentifierNameSyntax or MemberAccessExpressionSyntax or ObjectCreationExpressionSyntax) and { } value
            ? model!.GetOperation(value) switch
            {
                // A method group's operation is the reference; the delegate made from it is its parent.
                IMethodReferenceOperation { Parent: IDelegateCreationOperation creation } => creation,
                var operation => operation,
            }
            : null;

    /// <summary>
    /// The body a call inside a delegate runs with the delegate's captures: a local function's (<c>Insert(row)</c>), or a
    /// stored delegate's (<c>insert(row)</c>, the local declared with a lambda or a group). The call is where a finding
    /// about the body is reported.
    /// </summary>
    public static bool TryFindCalled(IInvocationOperation call, SemanticModels models, out DelegateBody body)
    {
        body = default;
        switch (call.TargetMethod.MethodKind)
        {
            case MethodKind.LocalFunction when TryFindDeclaration(call.TargetMethod, call.SemanticModel, models, out var declaration, out var operation):
                body = new DelegateBody(operation, declaration.Span, call, call.TargetMethod.Name);
                return true;

            case MethodKind.DelegateInvoke when call.Instance is ILocalReferenceOperation { Local.Name: var name } stored && TryFind(stored, models, out var found):
                body = new DelegateBody(found.Operation, found.Span, call, name);
                return true;

            default:
                return false;
        }
    }

    /// <summary>The operation of a source method or local function's body, in whichever file of the compilation declares it.</summary>
    public static bool TryFindMethodBody(IMethodSymbol method, SemanticModel? model, SemanticModels models, out IOperation body)
        => TryFindDeclaration(method, model, models, out _, out body);

    private static bool TryFindDeclaration(IMethodSymbol method, SemanticModel? model, SemanticModels models, out SyntaxNode declaration, out IOperation body)
    {
        declaration = null!;
        body = null!;

        // A partial method's body is in its implementing part.
        method = method.PartialImplementationPart ?? method;
        if (model is null || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        var reference = method.DeclaringSyntaxReferences[0];
        var own = reference.SyntaxTree == model.SyntaxTree ? model : models.For(reference.SyntaxTree);
        declaration = reference.GetSyntax();
        var operation = own.GetOperation(declaration);
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
