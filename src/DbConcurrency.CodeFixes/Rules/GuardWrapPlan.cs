using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// What DBC005's fix wraps in the guard the other uses take: the statements around the unguarded use
/// (widened so every local they declare stays in scope for its later uses), or an expression body.
/// Creating one checks everything that would make the wrapped code wrong; when a check fails there is
/// no plan and no fix.
/// </summary>
internal sealed class GuardWrapPlan
{
    private GuardWrapPlan(GuardKind kind, ExpressionSyntax guard, bool awaitsGuard)
    {
        Kind = kind;
        Guard = guard;
        AwaitsGuard = awaitsGuard;
    }

    public GuardKind Kind { get; }

    /// <summary>The guard object, spelled as the guarded uses spell it.</summary>
    public ExpressionSyntax Guard { get; }

    /// <summary>True for <c>await _gate.WaitAsync()</c>, false for <c>_gate.Wait()</c>.</summary>
    public bool AwaitsGuard { get; }

    /// <summary>Statements <see cref="First"/>..<see cref="Last"/> of this block are wrapped.</summary>
    public BlockSyntax? Block { get; private set; }

    public int First { get; private set; }

    public int Last { get; private set; }

    /// <summary>A statement that is the body of an <c>if</c>, loop or <c>using</c> without braces.</summary>
    public StatementSyntax? Embedded { get; private set; }

    /// <summary>An expression-bodied method, local function, property or accessor, given a block body.</summary>
    public ArrowExpressionClauseSyntax? Arrow { get; private set; }

    /// <summary>True when the arrow body's value is returned (<c>return expr;</c> rather than <c>expr;</c>).</summary>
    public bool ArrowReturnsValue { get; private set; }

    /// <summary>
    /// True when a non-async, task-returning expression-bodied method becomes async so the semaphore is
    /// released after the operation completes, not when it starts.
    /// </summary>
    public bool MakesAsync { get; private set; }

    public TextSpan Span => Block is not null
        ? TextSpan.FromBounds(Block.Statements[First].SpanStart, Block.Statements[Last].Span.End)
        : Embedded?.Span ?? Arrow!.Parent!.Span;

    public bool Overlaps(GuardWrapPlan other) => Span.OverlapsWith(other.Span);

    /// <summary>
    /// One plan covering this and an overlapping <paramref name="other"/>: the outer one when one holds
    /// the other, the union when both wrap statements of one block in the same guard; otherwise this one
    /// (the other use is left for a second pass).
    /// </summary>
    public GuardWrapPlan Merge(GuardWrapPlan other)
    {
        if (other.Span.Contains(Span))
        {
            return other;
        }

        if (Block is not null && Block == other.Block && Kind == other.Kind && Guard.IsEquivalentTo(other.Guard))
        {
            return new GuardWrapPlan(Kind, Guard, AwaitsGuard)
            {
                Block = Block,
                First = Math.Min(First, other.First),
                Last = Math.Max(Last, other.Last),
            };
        }

        return this;
    }

    public static async Task<GuardWrapPlan?> TryCreateAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (!diagnostic.Properties.TryGetValue(UnsynchronizedUseAnalyzer.GuardKindProperty, out var kindText)
            || !Enum.TryParse<GuardKind>(kindText, out var kind)
            || kind == GuardKind.Flag
            || !diagnostic.Properties.TryGetValue(UnsynchronizedUseAnalyzer.GuardProperty, out var guardText)
            || string.IsNullOrEmpty(guardText))
        {
            // A flag is tested, not waited for: there is no way to "take" it around one statement.
            return null;
        }

        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return null;
        }

        var use = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        var function = EnclosingFunction(use);
        if (function is null || HalfTyped.IsIn(function) || GetFunctionSymbol(function, model, cancellationToken) is not { } functionSymbol)
        {
            return null;
        }

        var guard = SyntaxFactory.ParseExpression(guardText!);
        if (!BindsHere(guard, use.SpanStart, model))
        {
            return null;
        }

        var returnsTask = Awaits.IsTaskLike(functionSymbol.ReturnType);
        var plan = new GuardWrapPlan(kind, guard, kind == GuardKind.Semaphore && (functionSymbol.IsAsync || returnsTask));
        for (var node = use; node is not null && node != function; node = node.Parent)
        {
            switch (node)
            {
                case ArrowExpressionClauseSyntax arrow:
                    return plan.ForArrow(arrow, functionSymbol, returnsTask);
                case StatementSyntax when !functionSymbol.IsAsync && returnsTask:
                    // The task outlives the guard: releasing it when the method returns guards nothing.
                    return null;
                case StatementSyntax statement when statement.Parent is BlockSyntax block:
                    return plan.ForStatements(block, block.Statements.IndexOf(statement), model, cancellationToken);
                case StatementSyntax statement when statement.Parent is not GlobalStatementSyntax:
                    return plan.ForEmbedded(statement);
                case StatementSyntax:
                    return null;
            }
        }

        return null;
    }

    private GuardWrapPlan? ForArrow(ArrowExpressionClauseSyntax arrow, IMethodSymbol function, bool returnsTask)
    {
        if (arrow.Parent is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax or PropertyDeclarationSyntax or AccessorDeclarationSyntax))
        {
            return null;
        }

        var makesAsync = !function.IsAsync && returnsTask;
        if (makesAsync && (Kind != GuardKind.Semaphore || arrow.Parent is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax)))
        {
            return null;
        }

        if (!CanHold(arrow.Expression))
        {
            return null;
        }

        Arrow = arrow;
        MakesAsync = makesAsync;
        ArrowReturnsValue = !function.ReturnsVoid
                            && !(function.IsAsync && IsNonGenericTask(function.ReturnType))
                            && !(makesAsync && IsNonGenericTask(function.ReturnType));
        return this;
    }

    private GuardWrapPlan? ForEmbedded(StatementSyntax statement)
    {
        if (!CanHold(statement))
        {
            return null;
        }

        Embedded = statement;
        return this;
    }

    private GuardWrapPlan? ForStatements(BlockSyntax block, int index, SemanticModel model, CancellationToken cancellationToken)
    {
        var statements = block.Statements;
        var last = index;

        // Locals declared in the wrapped statements go out of scope at the end of the new block: take in
        // every later statement that still uses one (and whatever those declare in turn).
        var declared = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        AddDeclaredLocals(statements[index], model, declared, cancellationToken);
        for (var i = index + 1; i < statements.Count; i++)
        {
            if (UsesAny(statements[i], declared, model, cancellationToken))
            {
                for (var j = last + 1; j <= i; j++)
                {
                    AddDeclaredLocals(statements[j], model, declared, cancellationToken);
                }

                last = i;
            }
        }

        for (var i = index; i <= last; i++)
        {
            if (!CanHold(statements[i]) || statements[i] is LocalFunctionStatementSyntax or LabeledStatementSyntax)
            {
                return null;
            }
        }

        Block = block;
        First = index;
        Last = last;
        return this;
    }

    /// <summary>
    /// A thread-affine guard cannot be held across an await (a compile error inside <c>lock</c>, a
    /// broken guard with <c>Monitor</c> or <c>Mutex</c>); and no guard should be held across a
    /// <c>yield</c>, which hands control to the caller with the guard still taken.
    /// </summary>
    private bool CanHold(SyntaxNode node)
    {
        foreach (var descendant in node.DescendantNodesAndSelf(n => n == node || n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax)))
        {
            if (descendant is YieldStatementSyntax)
            {
                return false;
            }

            if (Kind != GuardKind.Semaphore && Suspends(descendant))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Suspends(SyntaxNode node) => node switch
    {
        AwaitExpressionSyntax => true,
        CommonForEachStatementSyntax forEach => forEach.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
        UsingStatementSyntax usingStatement => usingStatement.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
        LocalDeclarationStatementSyntax declaration => declaration.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword),
        _ => false,
    };

    private static void AddDeclaredLocals(StatementSyntax statement, SemanticModel model, HashSet<ISymbol> declared, CancellationToken cancellationToken)
    {
        foreach (var node in statement.DescendantNodesAndSelf())
        {
            if (node is VariableDeclaratorSyntax or SingleVariableDesignationSyntax
                && model.GetDeclaredSymbol(node, cancellationToken) is ILocalSymbol local)
            {
                declared.Add(local);
            }
        }
    }

    private static bool UsesAny(StatementSyntax statement, HashSet<ISymbol> declared, SemanticModel model, CancellationToken cancellationToken)
    {
        if (declared.Count == 0)
        {
            return false;
        }

        foreach (var name in statement.DescendantNodes().OfType<IdentifierNameSyntax>())
        {
            if (declared.Any(local => local.Name == name.Identifier.ValueText)
                && model.GetSymbolInfo(name, cancellationToken).Symbol is { } symbol
                && declared.Contains(symbol))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The guard must mean the same object here: <c>_gate</c> is out of reach in a static method.</summary>
    private static bool BindsHere(ExpressionSyntax guard, int position, SemanticModel model)
    {
        if (guard is ThisExpressionSyntax)
        {
            return model.GetEnclosingSymbol(position) is { IsStatic: false };
        }

        if (guard is TypeOfExpressionSyntax)
        {
            return true;
        }

        var info = model.GetSpeculativeSymbolInfo(position, guard, SpeculativeBindingOption.BindAsExpression);
        return info.Symbol is IFieldSymbol or IPropertySymbol
               && (info.Symbol.IsStatic || model.GetEnclosingSymbol(position) is { IsStatic: false });
    }

    private static SyntaxNode? EnclosingFunction(SyntaxNode node)
        => node.FirstAncestorOrSelf<SyntaxNode>(n => n is BaseMethodDeclarationSyntax
            or AccessorDeclarationSyntax
            or LocalFunctionStatementSyntax
            or AnonymousFunctionExpressionSyntax
            or PropertyDeclarationSyntax { ExpressionBody: not null });

    private static IMethodSymbol? GetFunctionSymbol(SyntaxNode function, SemanticModel model, CancellationToken cancellationToken)
        => function switch
        {
            AnonymousFunctionExpressionSyntax lambda => model.GetSymbolInfo(lambda, cancellationToken).Symbol as IMethodSymbol,
            PropertyDeclarationSyntax property => (model.GetDeclaredSymbol(property, cancellationToken) as IPropertySymbol)?.GetMethod,
            _ => model.GetDeclaredSymbol(function, cancellationToken) as IMethodSymbol,
        };

    private static bool IsNonGenericTask(ITypeSymbol type)
        => Awaits.IsTaskLike(type) && type is INamedTypeSymbol { IsGenericType: false };
}
