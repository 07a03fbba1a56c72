using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Finds the identifiers that contain a word by searching a file's text, not by walking its syntax: the rules ask
/// this of every file of a compilation (which files name ADO.NET, where the registrations are), and a walk of every
/// node cost as much as a tenth of binding them, where the text search costs next to nothing and only its hits
/// are looked up in the tree. A hit in a comment or a literal is not an identifier token, and is dropped.
/// </summary>
internal static class IdentifierSearch
{
    /// <summary>
    /// The identifier tokens of <paramref name="tree"/> whose text contains one of <paramref name="words"/>, each once,
    /// in the order they stand in the file. Looked up as they are asked for: a caller that stops at the first pays for one.
    /// </summary>
    public static IEnumerable<SyntaxToken> Find(SyntaxTree tree, ImmutableArray<string> words, CancellationToken cancellationToken)
    {
        var positions = PositionsOf(SourceString.Of(tree, cancellationToken), words);
        if (positions is null)
        {
            yield break;
        }

        // A lookup from the root walks down every level of the file, which costs more than the whole text search. Hits
        // come in clusters (the registrations of one method), so each is looked up from the smallest node around the
        // last one that also holds it, in the order of the file.
        positions.Sort();
        var scope = tree.GetRoot(cancellationToken);
        var last = -1;
        foreach (var at in positions)
        {
            while (!scope.FullSpan.Contains(at) && scope.Parent is { } parent)
            {
                scope = parent;
            }

            var token = scope.FindToken(at);
            scope = token.Parent ?? scope;

            // Two words found in one name give the name once.
            if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span.Contains(at) && token.SpanStart != last)
            {
                last = token.SpanStart;
                yield return token;
            }
        }
    }

    private static List<int>? PositionsOf(string text, ImmutableArray<string> words)
    {
        List<int>? positions = null;
        foreach (var word in words)
        {
            if (word.Length == 0)
            {
                // An empty word (a name not typed yet) is found at every position, and the search never moves on.
                continue;
            }

            for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + word.Length, StringComparison.Ordinal))
            {
                (positions ??= new List<int>()).Add(at);
            }
        }

        return positions;
    }
}
