using System;
using System.Collections.Concurrent;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Generated code, which the rules do not report in, told as the compiler's driver tells it: a file the
/// <c>.editorconfig</c> marks with <c>generated_code = true</c> (or, with <c>false</c>, unmarks), else a file named
/// <c>*.g.cs</c>, <c>*.g.i.cs</c>, <c>*.designer.cs</c>, <c>*.generated.cs</c> or <c>TemporaryGeneratedFile_*</c>, or
/// one that opens with an <c>&lt;auto-generated&gt;</c> comment; a line under <c>#line hidden</c>; and a declaration
/// marked <c>[GeneratedCode]</c> in the file itself.
/// </summary>
/// <remarks>
/// The rules tell it themselves (each asks the driver for <see cref="GeneratedCodeAnalysisFlags.ReportDiagnostics"/>)
/// rather than leave it to the driver (<see cref="GeneratedCodeAnalysisFlags.None"/>):
/// on the first diagnostic a rule reports in a file, the driver walks every token of that file looking for the
/// attribute, and charges the walk to the rule; on the benchmark's database corpus that walk was a sixth of all
/// the rules' time. Here a tree is read once (its name, its opening comment, one search of its text), and the
/// declarations around a finding are looked at only in a file that names the attribute.
/// </remarks>
internal sealed class GeneratedCode
{
    private const string TemporaryPrefix = "TemporaryGeneratedFile_";

    private static readonly string[] GeneratedFileSuffixes = { ".designer.cs", ".generated.cs", ".g.cs", ".g.i.cs" };

    private static readonly char[] PathSeparators = { '/', '\\' };

    private readonly AnalyzerConfigOptionsProvider _options;
    private readonly ConcurrentDictionary<SyntaxTree, Facts> _trees = new();
    private readonly Func<SyntaxTree, Facts> _read;

    public GeneratedCode(AnalyzerConfigOptionsProvider options)
    {
        _options = options;

        // Made once: a lambda at the call site would allocate a closure for every tree asked about.
        _read = Read;
    }

    /// <summary>What a tree says about generated code, read once: most trees say nothing, and are done with then.</summary>
    [Flags]
    private enum Facts
    {
        None = 0,
        Generated = 1,
        HasDirectives = 2,
        NamesGeneratedCode = 4,
    }

    /// <summary>True when the whole of <paramref name="tree"/> is generated.</summary>
    public bool IsGenerated(SyntaxTree tree) => (_trees.GetOrAdd(tree, _read) & Facts.Generated) != 0;

    /// <summary>True when a finding at <paramref name="location"/> is in generated code, and so is not reported.</summary>
    public bool Contains(Location location, CancellationToken cancellationToken)
    {
        if (location.SourceTree is not { } tree)
        {
            return false;
        }

        var facts = _trees.GetOrAdd(tree, _read);
        if ((facts & Facts.Generated) != 0)
        {
            return true;
        }

        var position = location.SourceSpan.Start;
        if ((facts & Facts.HasDirectives) != 0 && tree.GetLineVisibility(position, cancellationToken) == LineVisibility.Hidden)
        {
            return true;
        }

        if ((facts & Facts.NamesGeneratedCode) == 0)
        {
            return false;
        }

        var root = tree.GetRoot(cancellationToken);
        if (position >= root.FullSpan.End)
        {
            return false;
        }

        for (var node = root.FindToken(position).Parent; node is not null; node = node.Parent)
        {
            if (node is MemberDeclarationSyntax { AttributeLists.Count: > 0 } member && NamesGeneratedCode(member.AttributeLists))
            {
                return true;
            }
        }

        return false;
    }

    private Facts Read(SyntaxTree tree)
    {
        if (IsGeneratedFile(tree, _options))
        {
            return Facts.Generated;
        }

        // A line's visibility needs the file's line table, built on first use: asked only where a #line may hide one.
        var facts = tree.GetRoot().ContainsDirectives ? Facts.HasDirectives : Facts.None;

        // A parsed file's text is one string already: this searches it, it does not copy it.
        if (tree.GetText().ToString().IndexOf("GeneratedCode", StringComparison.Ordinal) >= 0)
        {
            facts |= Facts.NamesGeneratedCode;
        }

        return facts;
    }

    private static bool IsGeneratedFile(SyntaxTree tree, AnalyzerConfigOptionsProvider options)
    {
        // The user's word first, either way: generated_code = false keeps a file the heuristics would drop.
        if (options.GetOptions(tree).TryGetValue("generated_code", out var configured) && bool.TryParse(configured, out var marked))
        {
            return marked;
        }

        return IsGeneratedFileName(tree.FilePath) || OpensWithAutoGeneratedComment(tree);
    }

    private static bool IsGeneratedFileName(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        foreach (var suffix in GeneratedFileSuffixes)
        {
            if (path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        // Compared in place: the path is not split, and nothing is allocated for the one file in many that is asked.
        var name = path.LastIndexOfAny(PathSeparators) + 1;
        return path.Length - name >= TemporaryPrefix.Length
            && string.Compare(path, name, TemporaryPrefix, 0, TemporaryPrefix.Length, StringComparison.OrdinalIgnoreCase) == 0;
    }

    private static bool OpensWithAutoGeneratedComment(SyntaxTree tree)
    {
        foreach (var trivia in tree.GetRoot().GetLeadingTrivia())
        {
            if (trivia.IsKind(SyntaxKind.SingleLineCommentTrivia)
                || trivia.IsKind(SyntaxKind.MultiLineCommentTrivia)
                || trivia.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia)
                || trivia.IsKind(SyntaxKind.MultiLineDocumentationCommentTrivia))
            {
                var text = trivia.ToString();
                if (text.IndexOf("<autogenerated", StringComparison.Ordinal) >= 0 || text.IndexOf("<auto-generated", StringComparison.Ordinal) >= 0)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// <c>[GeneratedCode]</c>, <c>[GeneratedCodeAttribute]</c> or qualified, by name: the attribute is
    /// <c>System.CodeDom.Compiler</c>'s in every code base we know of, and a finding's own file has no semantic model
    /// to hand in every callback that reports.
    /// </summary>
    private static bool NamesGeneratedCode(SyntaxList<AttributeListSyntax> lists)
    {
        foreach (var list in lists)
        {
            foreach (var attribute in list.Attributes)
            {
                var name = attribute.Name switch
                {
                    QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
                    AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
                    SimpleNameSyntax simple => simple.Identifier.ValueText,
                    _ => string.Empty,
                };

                if (name is "GeneratedCode" or "GeneratedCodeAttribute")
                {
                    return true;
                }
            }
        }

        return false;
    }
}
