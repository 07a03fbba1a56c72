using System.Text;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>
/// The rules search a file's text before they look at its syntax. A build's text was read into one string, and asking
/// it for that string costs nothing; the editor's text is a snapshot of its buffer, and every request for the whole
/// string copies the file. The rules ask once per text, not once per member or body they search.
/// </summary>
public class EditorTextTests
{
    [Fact]
    public async Task The_rules_copy_an_editors_text_into_a_string_at_most_once()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var texts = new[] { (KitchenSink.EveryRule, "/EveryRule.cs"), (KitchenSink.GlobalUsings, "/GlobalUsings.cs") }
            .Select(file => (Text: new EditorText(file.Item1), Path: file.Item2))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "Editor",
            texts.Select(file => CSharpSyntaxTree.ParseText(file.Text, parse, file.Path)),
            ReferenceSets.ByName("Everything").References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        // What the compiler itself asks of the texts is not the rules' doing.
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        foreach (var (text, _) in texts)
        {
            text.WholeCopies = 0;
        }

        var diagnostics = await KitchenSink.AnalyzeAsync(compilation);

        // The searches ran: every rule reports in this file, and each finding was looked for in its text first.
        Assert.Equal(7, diagnostics.Select(d => d.Id).Distinct().Count());
        Assert.All(texts, file => Assert.True(file.Text.WholeCopies <= 1, $"{file.Path} was copied whole {file.Text.WholeCopies} times"));
    }

    /// <summary>A text that is not a string underneath, like the editor's: it counts how often it is made one.</summary>
    private sealed class EditorText(string content) : SourceText
    {
        private int _wholeCopies;

        public int WholeCopies
        {
            get => Volatile.Read(ref _wholeCopies);
            set => Volatile.Write(ref _wholeCopies, value);
        }

        public override Encoding Encoding => Encoding.UTF8;

        public override int Length => content.Length;

        public override char this[int position] => content[position];

        public override void CopyTo(int sourceIndex, char[] destination, int destinationIndex, int count)
            => content.CopyTo(sourceIndex, destination, destinationIndex, count);

        public override string ToString(TextSpan span)
        {
            if (span.Start == 0 && span.Length == Length)
            {
                Interlocked.Increment(ref _wholeCopies);
            }

            return content.Substring(span.Start, span.Length);
        }
    }
}
