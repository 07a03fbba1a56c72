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
    /// <summary>The identifier tokens of <paramref name="tree"/> whose text contains one of <paramref name="words"/>, each once.</summary>
    public static List<SyntaxToken> Find(SyntaxTree tree, ImmutableArray<string> words, CancellationToken cancellationToken)
    {
        var found = new List<SyntaxToken>();

        var text = SourceString.Of(tree, cancellationToken);
        SyntaxNode? root = null;
        HashSet<int>? seen = null;
        foreach (var word in words)
        {
            if (word.Length == 0)
            {
                // An empty word (a name not typed yet) is found at every position, and the search never moves on.
                continue;
            }

            for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + word.Length, StringComparison.Ordinal))
            {
                root ??= tree.GetRoot(cancellationToken);
                var token = root.FindToken(at);
                if (token.IsKind(SyntaxKind.IdentifierToken) && token.Span.Contains(at) && (seen ??= new HashSet<int>()).Add(token.SpanStart))
                {
                    found.Add(token);
                }
            }
        }

        return found;
    }
}
