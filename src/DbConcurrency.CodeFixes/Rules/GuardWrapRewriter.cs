using System.Collections.Generic;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>Writes a <see cref="GuardWrapPlan"/>: the planned code inside the guard, taken and released the usual way.</summary>
internal static class GuardWrapRewriter
{
    public static void Apply(DocumentEditor editor, GuardWrapPlan plan)
    {
        if (plan.Block is { } block)
        {
            var statements = block.Statements;
            var body = new List<StatementSyntax>();
            for (var i = plan.First; i <= plan.Last; i++)
            {
                body.Add(statements[i]);
            }

            // The guard takes the first statement's place, comments and all.
            var leading = statements[plan.First].GetLeadingTrivia();
            body[0] = body[0].WithoutLeadingTrivia();
            var guarded = Guarded(plan, body, leading);

            editor.InsertBefore(statements[plan.First], guarded);
            for (var i = plan.First; i <= plan.Last; i++)
            {
                editor.RemoveNode(statements[i], SyntaxRemoveOptions.KeepNoTrivia);
            }

            return;
        }

        if (plan.Embedded is { } embedded)
        {
            var guarded = Guarded(plan, new List<StatementSyntax> { embedded.WithoutTrivia() });
            // Braces, so the guard reads as part of the branch rather than as the branch itself.
            var replacement = SyntaxFactory.Block(guarded);
            editor.ReplaceNode(embedded, replacement.WithTriviaFrom(embedded).WithAdditionalAnnotations(Formatter.Annotation));
            return;
        }

        ApplyToArrow(editor, plan, plan.Arrow!);
    }

    private static void ApplyToArrow(DocumentEditor editor, GuardWrapPlan plan, ArrowExpressionClauseSyntax arrow)
    {
        var expression = arrow.Expression.WithoutTrivia();
        if (plan.MakesAsync)
        {
            expression = SyntaxFactory.AwaitExpression(expression);
        }

        StatementSyntax statement = plan.ArrowReturnsValue
            ? SyntaxFactory.ReturnStatement(expression)
            : SyntaxFactory.ExpressionStatement(expression);
        var body = SyntaxFactory.Block(Guarded(plan, new List<StatementSyntax> { statement })).WithAdditionalAnnotations(Formatter.Annotation);

        var member = arrow.Parent!;
        SyntaxNode replacement = member switch
        {
            MethodDeclarationSyntax method => MakeAsync(plan, method.Modifiers, method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body), (node, modifiers) => ((MethodDeclarationSyntax)node).WithModifiers(modifiers)),
            LocalFunctionStatementSyntax local => MakeAsync(plan, local.Modifiers, local.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body), (node, modifiers) => ((LocalFunctionStatementSyntax)node).WithModifiers(modifiers)),
            AccessorDeclarationSyntax accessor => accessor.WithExpressionBody(null).WithSemicolonToken(default).WithBody(body),
            PropertyDeclarationSyntax property => property
                .WithExpressionBody(null)
                .WithSemicolonToken(default)
                .WithAccessorList(SyntaxFactory.AccessorList(SyntaxFactory.SingletonList(
                    SyntaxFactory.AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, body)))),
            _ => member,
        };

        editor.ReplaceNode(member, replacement.WithTriviaFrom(member).WithAdditionalAnnotations(Formatter.Annotation));
    }

    private static SyntaxNode MakeAsync(GuardWrapPlan plan, SyntaxTokenList modifiers, SyntaxNode member, System.Func<SyntaxNode, SyntaxTokenList, SyntaxNode> withModifiers)
        => plan.MakesAsync ? withModifiers(member, modifiers.Add(SyntaxFactory.Token(SyntaxKind.AsyncKeyword))) : member;

    /// <summary>
    /// <c>lock (g) { … }</c>; <c>await g.WaitAsync(); try { … } finally { g.Release(); }</c>;
    /// <c>g.WaitOne(); try { … } finally { g.ReleaseMutex(); }</c>.
    /// </summary>
    private static List<StatementSyntax> Guarded(GuardWrapPlan plan, List<StatementSyntax> body, SyntaxTriviaList leading = default)
    {
        var guard = plan.Guard.WithoutTrivia();
        var block = SyntaxFactory.Block(body);
        var result = new List<StatementSyntax>();
        switch (plan.Kind)
        {
            case GuardKind.Semaphore:
                var wait = plan.AwaitsGuard
                    ? (ExpressionSyntax)SyntaxFactory.AwaitExpression(Call(guard, "WaitAsync"))
                    : Call(guard, "Wait");
                result.Add(SyntaxFactory.ExpressionStatement(wait));
                result.Add(TryFinally(block, Call(guard, "Release")));
                break;
            case GuardKind.Mutex:
                result.Add(SyntaxFactory.ExpressionStatement(Call(guard, "WaitOne")));
                result.Add(TryFinally(block, Call(guard, "ReleaseMutex")));
                break;
            default:
                result.Add(SyntaxFactory.LockStatement(guard, block));
                break;
        }

        for (var i = 0; i < result.Count; i++)
        {
            result[i] = result[i].WithAdditionalAnnotations(Formatter.Annotation);
        }

        if (leading.Count > 0)
        {
            result[0] = result[0].WithLeadingTrivia(leading);
        }

        return result;
    }

    private static TryStatementSyntax TryFinally(BlockSyntax body, ExpressionSyntax release)
        => SyntaxFactory.TryStatement(
            body,
            default,
            SyntaxFactory.FinallyClause(SyntaxFactory.Block(SyntaxFactory.ExpressionStatement(release))));

    private static InvocationExpressionSyntax Call(ExpressionSyntax target, string method)
        => SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(
            SyntaxKind.SimpleMemberAccessExpression,
            target is IdentifierNameSyntax or MemberAccessExpressionSyntax or ThisExpressionSyntax ? target : SyntaxFactory.ParenthesizedExpression(target),
            SyntaxFactory.IdentifierName(method)));
}
