using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Where a file's text can take a guard: every guard <see cref="GuardApis"/> knows is spelled with one of three words
/// (<c>lock</c>, also in <c>Interlocked</c>; <c>Monitor.Enter</c>, <c>TryEnter</c>, <c>EnterScope</c>; <c>Wait</c>,
/// <c>WaitAsync</c>, <c>WaitOne</c>). Each word is a pass over the text, the cost of this test. A rule that reports only beside a guarded use can rule out a
/// type whose declarations name none of them before it completes the type's members. A word in a comment or inside
/// a longer name (<c>Block</c>) passes too: what follows is exact.
/// </summary>
internal static class GuardMentions
{
    private static readonly ImmutableArray<string> Words = ImmutableArray.Create("lock", "Enter", "Wait");

    // Per tree, kept while the tree lives: the IDE reads again only the file being edited.
    private static readonly ConditionalWeakTable<SyntaxTree, int[]> Positions = new();
    private static readonly ConditionalWeakTable<SyntaxTree, int[]>.CreateValueCallback Read = ReadPositions;

    /// <summary>True when one of <paramref name="type"/>'s declarations (nested types included) names a guard word.</summary>
    public static bool MayTakeGuard(INamedTypeSymbol type)
    {
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var positions = Positions.GetValue(reference.SyntaxTree, Read);
            var span = reference.Span;
            var first = Array.BinarySearch(positions, span.Start);
            if (first < 0)
            {
                first = ~first;
            }

            if (first < positions.Length && positions[first] < span.End)
            {
                return true;
            }
        }

        return false;
    }

    private static int[] ReadPositions(SyntaxTree tree)
    {
        var text = SourceString.Of(tree);
        var positions = new List<int>();
        foreach (var word in Words)
        {
            for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + word.Length, StringComparison.Ordinal))
            {
                positions.Add(at);
            }
        }

        positions.Sort();
        return positions.ToArray();
    }
}
