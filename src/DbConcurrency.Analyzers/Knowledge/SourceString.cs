using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// A file's text as one string, for the ordinal searches the rules make before they look at syntax. A build's text
/// was read into one string and hands that string out; an editor's text is a snapshot of its buffer and copies the
/// whole file each time it is asked. The string is made once per text and shared by every search of it.
/// </summary>
internal static class SourceString
{
    // Keyed by the text, not the tree: the IDE's next compilation reuses an unedited file's text with its tree.
    private static readonly ConditionalWeakTable<SourceText, string> Strings = new();
    private static readonly ConditionalWeakTable<SourceText, string>.CreateValueCallback Make = static text => text.ToString();

    public static string Of(SyntaxTree tree, CancellationToken cancellationToken = default)
        => Strings.GetValue(tree.GetText(cancellationToken), Make);
}
