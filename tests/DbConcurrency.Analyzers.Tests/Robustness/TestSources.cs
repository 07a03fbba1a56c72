using System.Text.RegularExpressions;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>
/// Every C# source the tests compile, read out of the test files themselves, so that the robustness
/// suite cuts up a new test's source without anyone listing it. A source is a raw string literal that
/// parses as C#, joined to the constant preludes it is concatenated with, its test markup removed, and
/// compiled against the reference set its test names.
/// </summary>
internal static partial class TestSources
{
    /// <param name="Id">The file and line the source starts on: stable across runs, readable in a test name.</param>
    public sealed record Source(string Id, string Text, string ReferenceSet);

    private static readonly Lazy<IReadOnlyDictionary<string, Source>> Harvested = new(Harvest);

    public static IEnumerable<string> Ids => Harvested.Value.Keys;

    public static Source Get(string id) => Harvested.Value[id];

    private static Dictionary<string, Source> Harvest()
    {
        var sources = new Dictionary<string, Source>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var root = RepositoryRoot.Combine("tests", "DbConcurrency.Analyzers.Tests");
        var files = new[] { "Rules", "Knowledge", "Robustness" }
            .SelectMany(folder => Directory.GetFiles(Path.Combine(root, folder), "*.cs"))
            .Where(path => Path.GetFileName(path) is not (nameof(KitchenSink) + ".cs" or nameof(TestSources) + ".cs"))
            .Order(StringComparer.Ordinal);
        foreach (var path in files)
        {
            var tree = CSharpSyntaxTree.ParseText(File.ReadAllText(path));
            var file = new TestFile(tree.GetRoot());
            foreach (var literal in tree.GetRoot().DescendantNodes().OfType<ExpressionSyntax>().Where(IsRawString))
            {
                // A constant is a prelude: it is read where a test joins it to its own source.
                if (literal.FirstAncestorOrSelf<VariableDeclaratorSyntax>()?.Parent?.Parent is FieldDeclarationSyntax)
                {
                    continue;
                }

                var whole = Outermost(literal);
                if (file.Evaluate(whole) is not { } value || !seen.Add(value))
                {
                    continue;
                }

                var text = RemoveMarkup(file.PreludeOf(whole) + value);
                if (!IsCode(text))
                {
                    continue;
                }

                var id = Path.GetRelativePath(root, path).Replace('\\', '/') + ":" + (literal.GetLocation().GetLineSpan().StartLinePosition.Line + 1);
                sources.Add(id, new Source(id, text, file.ReferenceSetOf(whole)));
            }
        }

        return sources;
    }

    private static bool IsRawString(ExpressionSyntax expression) => expression switch
    {
        LiteralExpressionSyntax literal => literal.Token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken),
        InterpolatedStringExpressionSyntax interpolated => interpolated.StringStartToken.IsKind(SyntaxKind.InterpolatedMultiLineRawStringStartToken),
        _ => false,
    };

    /// <summary>The whole expression a literal is a part of: <c>Prelude + """…"""</c>, or <c>"""…""".Replace(…)</c>.</summary>
    private static ExpressionSyntax Outermost(ExpressionSyntax expression)
    {
        while (true)
        {
            switch (expression.Parent)
            {
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression):
                case ParenthesizedExpressionSyntax:
                    expression = (ExpressionSyntax)expression.Parent;
                    continue;
                case MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax invocation } access when access.Expression == expression:
                    expression = invocation;
                    continue;
                default:
                    return expression;
            }
        }
    }

    /// <summary>The markup of Microsoft.CodeAnalysis.Testing: <c>[|…|]</c>, <c>{|#0:…|}</c>, <c>{|DBC001:…|}</c>.</summary>
    private static string RemoveMarkup(string text) => Markup().Replace(text, string.Empty);

    [GeneratedRegex(@"\{\|[^:|{}]*:|\|\}|\[\||\|\]")]
    private static partial Regex Markup();

    /// <summary>C# that declares something: an editorconfig, a SQL statement or a message is not a source.</summary>
    private static bool IsCode(string text)
    {
        var root = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest)).GetCompilationUnitRoot();
        return root.Members.Count > 0 && !root.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
    }

    /// <summary>One test file: its string constants, and which reference set each of its tests compiles against.</summary>
    private sealed class TestFile(SyntaxNode root)
    {
        private readonly Dictionary<string, ExpressionSyntax> constants = root.DescendantNodes()
            .OfType<FieldDeclarationSyntax>()
            .SelectMany(field => field.Declaration.Variables)
            .Where(variable => variable.Initializer is not null)
            .GroupBy(variable => variable.Identifier.ValueText, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First().Initializer!.Value, StringComparer.Ordinal);

        /// <summary>The string an expression builds, as far as the file shows it; a part it cannot read is left out.</summary>
        public string? Evaluate(ExpressionSyntax expression, int depth = 0) => depth > 16 ? null : expression switch
        {
            LiteralExpressionSyntax literal when literal.Token.Value is string value => value,
            BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AddExpression)
                => Evaluate(binary.Left, depth + 1) + Evaluate(binary.Right, depth + 1),
            ParenthesizedExpressionSyntax parenthesized => Evaluate(parenthesized.Expression, depth + 1),
            IdentifierNameSyntax name when constants.TryGetValue(name.Identifier.ValueText, out var value) => Evaluate(value, depth + 1),

            // A test that swaps one word of its source (".Replace("WRITE", write)") still compiles the rest.
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => Evaluate(access.Expression, depth + 1),

            // An interpolated source keeps its text; a hole becomes its value where the file shows it.
            InterpolatedStringExpressionSyntax interpolated => string.Concat(interpolated.Contents.Select(content => content switch
            {
                InterpolatedStringTextSyntax text => text.TextToken.ValueText,
                InterpolationSyntax hole => Evaluate(hole.Expression, depth + 1) ?? "default",
                _ => string.Empty,
            })),
            _ => null,
        };

        /// <summary>
        /// What a helper of the file puts before a source passed to it: <c>VerifyAsync("""…""")</c> where the helper
        /// compiles <c>Usings + source</c>. Empty when the source is not passed to such a helper.
        /// </summary>
        public string PreludeOf(ExpressionSyntax source)
        {
            if (source.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Parent: InvocationExpressionSyntax { Expression: IdentifierNameSyntax callee } } list } argument)
            {
                return string.Empty;
            }

            var position = list.Arguments.IndexOf(argument);
            foreach (var helper in root.DescendantNodes().OfType<MethodDeclarationSyntax>().Where(m => m.Identifier.ValueText == callee.Identifier.ValueText))
            {
                var parameters = helper.ParameterList.Parameters;
                var parameter = argument.NameColon?.Name.Identifier.ValueText ?? (position < parameters.Count ? parameters[position].Identifier.ValueText : null);
                var joined = helper.DescendantNodes().OfType<BinaryExpressionSyntax>()
                    .FirstOrDefault(add => add.IsKind(SyntaxKind.AddExpression) && Names(add.Right, parameter));
                if (joined is not null && Evaluate(joined.Left) is { } prelude)
                {
                    return prelude;
                }
            }

            return string.Empty;

            // "source", or "source.Replace(…)".
            static bool Names(ExpressionSyntax expression, string? parameter)
                => expression switch
                {
                    IdentifierNameSyntax name => name.Identifier.ValueText == parameter,
                    InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => Names(access.Expression, parameter),
                    _ => false,
                };
        }

        /// <summary>
        /// The set named in the test (<c>ReferenceSets.SqlClient</c>), else in the helper it calls
        /// (<c>VerifyEfAsync</c>), else the one set the file uses; every library at once when that says nothing.
        /// </summary>
        public string ReferenceSetOf(SyntaxNode node)
        {
            var member = node.FirstAncestorOrSelf<MemberDeclarationSyntax>(m => m is BaseMethodDeclarationSyntax or PropertyDeclarationSyntax or FieldDeclarationSyntax);
            if (member is not null)
            {
                if (Named(member) is { } named)
                {
                    return named;
                }

                var helpers = member.DescendantNodes().OfType<InvocationExpressionSyntax>()
                    .Select(invocation => invocation.Expression is IdentifierNameSyntax name ? name.Identifier.ValueText : null)
                    .Where(name => name is not null)
                    .ToHashSet(StringComparer.Ordinal);
                foreach (var helper in root.DescendantNodes().OfType<MethodDeclarationSyntax>().Where(m => helpers.Contains(m.Identifier.ValueText)))
                {
                    if (Named(helper) is { } viaHelper)
                    {
                        return viaHelper;
                    }
                }
            }

            var inFile = Names(root).Distinct(StringComparer.Ordinal).ToList();
            return inFile.Count == 1 ? inFile[0] : "Everything";
        }

        private static string? Named(SyntaxNode node) => Names(node).FirstOrDefault();

        private static IEnumerable<string> Names(SyntaxNode node)
            => node.DescendantNodes()
                .OfType<MemberAccessExpressionSyntax>()
                .Where(access => access.Expression is IdentifierNameSyntax { Identifier.ValueText: "ReferenceSets" } && access.Name.Identifier.ValueText != nameof(ReferenceSets.ByName))
                .Select(access => access.Name.Identifier.ValueText);
    }
}
