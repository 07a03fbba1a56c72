using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC002 on a service a long-lived type resolves from its own provider: the local the resolution initializes gets a
/// scope of its own, which lives as long as the local's block and disposes what it built with it.
/// <code>
/// var db = _services.GetRequiredService&lt;AppDb&gt;();
/// // becomes
/// await using var scope = _services.CreateAsyncScope();
/// var db = scope.ServiceProvider.GetRequiredService&lt;AppDb&gt;();
/// </code>
/// Offered only where that is the whole change: a local declared in a block and not handed out of it, which would
/// outlive its scope.
/// </summary>
internal static class ResolutionScopeRewriter
{
    public static bool TryPlan(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken, out Plan plan)
    {
        plan = default;
        if (node.FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { Expression: MemberAccessExpressionSyntax { Expression: var receiver } } invocation)
        {
            return false;
        }

        // `var db = …;`, `var db = (AppDb)….GetService(typeof(AppDb))!;`: the resolution is the local's whole value.
        SyntaxNode value = invocation;
        while (value.Parent is CastExpressionSyntax or ParenthesizedExpressionSyntax or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression })
        {
            value = value.Parent;
        }

        if (value.Parent is not EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax { Parent: BlockSyntax block } statement } } declarator }
            || statement.UsingKeyword.IsKind(SyntaxKind.UsingKeyword)
            || HandsOut(block, declarator.Identifier.ValueText)
            || model.GetTypeInfo(receiver, cancellationToken).Type is not { } providerType)
        {
            return false;
        }

        var isAsync = IsInAsyncFunction(statement);
        var method = isAsync && HasExtension(model, statement, providerType, "CreateAsyncScope") ? "CreateAsyncScope"
            : HasExtension(model, statement, providerType, "CreateScope") ? "CreateScope"
            : null;
        if (method is null)
        {
            return false;
        }

        plan = new Plan(statement, receiver, FreeName(model, statement, block), method);
        return true;
    }

    public static SyntaxNode Apply(SyntaxNode root, Plan plan)
    {
        var tracked = root.TrackNodes(plan.Statement, plan.Receiver);
        var receiver = tracked.GetCurrentNode(plan.Receiver)!;
        tracked = tracked.ReplaceNode(receiver, SyntaxFactory.ParseExpression(plan.Name + ".ServiceProvider").WithTriviaFrom(receiver));

        var statement = tracked.GetCurrentNode(plan.Statement)!;
        var awaitKeyword = plan.Method == "CreateAsyncScope" ? "await " : string.Empty;
        var scope = SyntaxFactory.ParseStatement($"{awaitKeyword}using var {plan.Name} = {plan.Receiver.WithoutTrivia()}.{plan.Method}();")
            .WithLeadingTrivia(statement.GetLeadingTrivia())
            .WithTrailingTrivia(statement.GetTrailingTrivia());
        return tracked.InsertNodesBefore(statement, new[] { scope });
    }

    /// <summary>A local returned, stored or assigned on would outlive the scope that disposes it at the end of the block.</summary>
    private static bool HandsOut(BlockSyntax block, string local)
    {
        foreach (var name in block.DescendantNodes())
        {
            if (name is IdentifierNameSyntax { Identifier.ValueText: var text } identifier && text == local
                && identifier.Parent is ReturnStatementSyntax or ArrowExpressionClauseSyntax or YieldStatementSyntax
                    or AssignmentExpressionSyntax { Right: IdentifierNameSyntax } or EqualsValueClauseSyntax)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInAsyncFunction(SyntaxNode node)
    {
        foreach (var ancestor in node.Ancestors())
        {
            switch (ancestor)
            {
                case AnonymousFunctionExpressionSyntax function:
                    return function.AsyncKeyword.IsKind(SyntaxKind.AsyncKeyword);
                case LocalFunctionStatementSyntax local:
                    return local.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case BaseMethodDeclarationSyntax method:
                    return method.Modifiers.Any(SyntaxKind.AsyncKeyword);
                case AccessorDeclarationSyntax or MemberDeclarationSyntax:
                    return false;
            }
        }

        return false;
    }

    private static bool HasExtension(SemanticModel model, SyntaxNode at, ITypeSymbol provider, string name)
        => !model.LookupSymbols(at.SpanStart, provider, name, includeReducedExtensionMethods: true).IsEmpty;

    /// <summary>"scope", or "scope2", "scope3"…: a name nothing in sight or later in the block uses.</summary>
    private static string FreeName(SemanticModel model, SyntaxNode at, BlockSyntax block)
    {
        var function = (SyntaxNode?)at.FirstAncestorOrSelf<MemberDeclarationSyntax>() ?? block;
        for (var i = 1; ; i++)
        {
            var name = i == 1 ? "scope" : "scope" + i;
            if (!model.LookupSymbols(at.SpanStart, name: name).IsEmpty)
            {
                continue;
            }

            var used = false;
            foreach (var token in function.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.ValueText == name)
                {
                    used = true;
                    break;
                }
            }

            if (!used)
            {
                return name;
            }
        }
    }

    internal readonly struct Plan
    {
        public Plan(LocalDeclarationStatementSyntax statement, ExpressionSyntax receiver, string name, string method)
        {
            Statement = statement;
            Receiver = receiver;
            Name = name;
            Method = method;
        }

        /// <summary>The declaration of the local the resolution initializes.</summary>
        public LocalDeclarationStatementSyntax Statement { get; }

        /// <summary>The provider the type keeps: <c>_services</c>, <c>this.Services</c>.</summary>
        public ExpressionSyntax Receiver { get; }

        public string Name { get; }

        /// <summary><c>CreateAsyncScope</c> in an async function (the scope is disposed with <c>await using</c>), else <c>CreateScope</c>.</summary>
        public string Method { get; }
    }
}
