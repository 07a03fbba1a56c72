using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// Carries out a <see cref="PerUseFactoryPlan"/>: the static member becomes a factory method, and each
/// member that used it starts with <c>using var x = CreateX();</c> (<c>await using</c> in async code),
/// opens its instance where the shared one was opened up front, and uses it in place of the member.
/// </summary>
internal static class PerUseFactoryRewriter
{
    public static async Task<Document> ApplyAsync(PerUseFactoryPlan plan, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(plan.Document, cancellationToken).ConfigureAwait(false);

        var declaration = plan.Declaration is VariableDeclaratorSyntax declarator
            ? (MemberDeclarationSyntax)declarator.Parent!.Parent!
            : (MemberDeclarationSyntax)plan.Declaration;
        editor.ReplaceNode(declaration, CreateFactory(plan, declaration));

        var sitesByOwner = plan.UseSites.ToDictionary(s => s.Owner);
        var owners = new HashSet<SyntaxNode>(sitesByOwner.Keys);
        foreach (var statement in plan.RemovedStatements)
        {
            owners.Add(statement.FirstAncestorOrSelf<ConstructorDeclarationSyntax>()!);
        }

        foreach (var owner in owners)
        {
            sitesByOwner.TryGetValue(owner, out var site);
            var removed = plan.RemovedStatements.Where(s => owner.Span.Contains(s.Span)).ToList();
            var rewritten = Rewrite(plan, owner, site, removed);
            if (rewritten is null)
            {
                editor.RemoveNode(owner);
            }
            else
            {
                editor.ReplaceNode(owner, rewritten);
            }
        }

        var document = editor.GetChangedDocument();
        return await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static MethodDeclarationSyntax CreateFactory(PerUseFactoryPlan plan, MemberDeclarationSyntax declaration)
    {
        var type = declaration switch
        {
            FieldDeclarationSyntax field => field.Declaration.Type,
            PropertyDeclarationSyntax property => property.Type,
            _ => ParseTypeName(plan.MemberType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)),
        };

        var modifiers = TokenList(declaration.Modifiers.Where(m => SyntaxFacts.IsAccessibilityModifier(m.Kind()) || m.IsKind(SyntaxKind.StaticKeyword) || m.IsKind(SyntaxKind.NewKeyword) || m.IsKind(SyntaxKind.UnsafeKeyword)));
        return MethodDeclaration(type.WithoutTrivia(), Identifier(plan.FactoryName))
            .WithModifiers(modifiers)
            .WithExpressionBody(ArrowExpressionClause(plan.Creation.WithoutTrivia()))
            .WithSemicolonToken(Token(SyntaxKind.SemicolonToken))
            .WithLeadingTrivia(declaration.GetLeadingTrivia())
            .WithTrailingTrivia(declaration.GetTrailingTrivia())
            .WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>The owner with its uses pointing at a local it creates; null when nothing is left of it.</summary>
    private static SyntaxNode? Rewrite(PerUseFactoryPlan plan, SyntaxNode owner, PerUseFactoryPlan.UseSite? site, List<StatementSyntax> removed)
    {
        var uses = site?.Uses ?? default;
        var marker = new SyntaxAnnotation("DBC001.use");
        var tracked = owner.TrackNodes(removed.Cast<SyntaxNode>().Concat(uses.IsDefault ? Enumerable.Empty<SyntaxNode>() : uses));

        foreach (var statement in removed)
        {
            tracked = tracked.RemoveNode(tracked.GetCurrentNode(statement)!, SyntaxRemoveOptions.KeepNoTrivia)!;
        }

        if (site is null)
        {
            return IsEmptyStaticConstructor(tracked) ? null : tracked;
        }

        tracked = tracked.ReplaceNodes(
            uses.Select(u => tracked.GetCurrentNode(u)!),
            (original, _) => IdentifierName(site.LocalName).WithTriviaFrom(original).WithAdditionalAnnotations(marker));

        tracked = WithBlockBody(tracked, site);
        var body = GetBody(tracked);
        if (body is null)
        {
            return null;
        }

        var index = 0;
        while (index < body.Statements.Count && !body.Statements[index].DescendantNodesAndSelf().Any(n => n.HasAnnotation(marker)))
        {
            index++;
        }

        var statements = body.Statements.InsertRange(index, CreateLocalStatements(plan, site));
        return tracked.ReplaceNode(body, body.WithStatements(statements));
    }

    private static IEnumerable<StatementSyntax> CreateLocalStatements(PerUseFactoryPlan plan, PerUseFactoryPlan.UseSite site)
    {
        var awaitDisposal = site.IsAsync && TypeMembers.IsAsyncDisposable(plan.MemberType);
        var declaration = LocalDeclarationStatement(
                VariableDeclaration(
                    IdentifierName("var"),
                    SingletonSeparatedList(
                        VariableDeclarator(Identifier(site.LocalName))
                            .WithInitializer(EqualsValueClause(InvocationExpression(IdentifierName(plan.FactoryName)))))))
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword));
        if (awaitDisposal)
        {
            declaration = declaration.WithAwaitKeyword(Token(SyntaxKind.AwaitKeyword));
        }

        yield return declaration.WithAdditionalAnnotations(Formatter.Annotation);

        if (!plan.OpenAtUse)
        {
            yield break;
        }

        var openAsync = site.IsAsync && TypeMembers.HasMethod(plan.MemberType, "OpenAsync");
        var arguments = openAsync && site.CancellationTokenName is not null
            ? ArgumentList(SingletonSeparatedList(Argument(IdentifierName(site.CancellationTokenName))))
            : ArgumentList();
        ExpressionSyntax open = InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(site.LocalName), IdentifierName(openAsync ? "OpenAsync" : "Open")),
            arguments);
        if (openAsync)
        {
            open = AwaitExpression(open);
        }

        yield return ExpressionStatement(open).WithAdditionalAnnotations(Formatter.Annotation);
    }

    /// <summary>Turns an expression body into a block so statements can precede the expression.</summary>
    internal static SyntaxNode WithBlockBody(SyntaxNode owner, PerUseFactoryPlan.UseSite site)
    {
        ArrowExpressionClauseSyntax? arrow = owner switch
        {
            BaseMethodDeclarationSyntax method => method.ExpressionBody,
            AccessorDeclarationSyntax accessor => accessor.ExpressionBody,
            PropertyDeclarationSyntax property => property.ExpressionBody,
            IndexerDeclarationSyntax indexer => indexer.ExpressionBody,
            _ => null,
        };

        if (arrow is null)
        {
            return owner;
        }

        StatementSyntax statement = site.ExpressionBodyReturnsValue
            ? ReturnStatement(arrow.Expression.WithoutLeadingTrivia())
            : ExpressionStatement(arrow.Expression.WithoutLeadingTrivia());
        var block = Block(statement).WithAdditionalAnnotations(Formatter.Annotation);
        var getter = AccessorDeclaration(SyntaxKind.GetAccessorDeclaration, block);

        return owner switch
        {
            MethodDeclarationSyntax method => method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(block),
            BaseMethodDeclarationSyntax method => method.WithExpressionBody(null).WithSemicolonToken(default).WithBody(block),
            AccessorDeclarationSyntax accessor => accessor.WithExpressionBody(null).WithSemicolonToken(default).WithBody(block),
            PropertyDeclarationSyntax property => property.WithExpressionBody(null).WithSemicolonToken(default)
                .WithAccessorList(AccessorList(SingletonList(getter))).WithAdditionalAnnotations(Formatter.Annotation),
            IndexerDeclarationSyntax indexer => indexer.WithExpressionBody(null).WithSemicolonToken(default)
                .WithAccessorList(AccessorList(SingletonList(getter))).WithAdditionalAnnotations(Formatter.Annotation),
            _ => owner,
        };
    }

    internal static BlockSyntax? GetBody(SyntaxNode owner) => owner switch
    {
        BaseMethodDeclarationSyntax method => method.Body,
        AccessorDeclarationSyntax accessor => accessor.Body,
        BasePropertyDeclarationSyntax property => property.AccessorList?.Accessors.FirstOrDefault()?.Body,
        _ => null,
    };

    private static bool IsEmptyStaticConstructor(SyntaxNode node)
        => node is ConstructorDeclarationSyntax { Body.Statements.Count: 0 } constructor
            && constructor.Modifiers.Any(SyntaxKind.StaticKeyword)
            && !constructor.Body.CloseBraceToken.LeadingTrivia.Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia));
}
