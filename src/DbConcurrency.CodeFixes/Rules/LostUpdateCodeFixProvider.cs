using System;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC007, three ways, each offered only where it is sound:
/// <list type="bullet">
/// <item>SQL, new value = old ± delta: the UPDATE computes it itself (<c>SET x = x + @d</c>), the delta bound instead.</item>
/// <item>SQL through Dapper on an open connection: the read and the write run in one Serializable transaction.</item>
/// <item>EF Core: the property becomes a concurrency token (<c>[ConcurrencyCheck]</c>), so a conflicting save throws instead of overwriting.</item>
/// </list>
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LostUpdateCodeFixProvider)), Shared]
public sealed class LostUpdateCodeFixProvider : CodeFixProvider
{
    public const string AtomicUpdateKey = "DBC007.AtomicUpdate";
    public const string SerializableKey = "DBC007.Serializable";
    public const string ConcurrencyTokenKey = "DBC007.ConcurrencyToken";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.LostUpdate);

    // Each fix edits one read/write pair or one property declaration; pairs do not share statements.
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var document = context.Document;
        var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not { } node
                || model.GetOperation(node, context.CancellationToken) is not { } read)
            {
                continue;
            }

            diagnostic.Properties.TryGetValue(LostUpdateAnalyzer.FormProperty, out var form);
            if (form == "Entity")
            {
                RegisterConcurrencyToken(context, diagnostic, model, read);
                continue;
            }

            var types = DatabaseTypeCatalog.TryCreate(model.Compilation, document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider)?.For(model.SyntaxTree);
            if (types is null)
            {
                continue;
            }

            var body = FunctionBody.Of(read);
            var lost = LostUpdates.FindSql(body, types).FirstOrDefault(found => found.Read.Invocation.Syntax.Span == read.Syntax.Span);
            if (lost is null)
            {
                continue;
            }

            if (AtomicEdit.TryCreate(lost, body) is { } atomic)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Let the UPDATE compute '{lost.Assignment.Column}' itself ({atomic.NewAssignment})",
                        _ => Task.FromResult(document.WithSyntaxRoot(atomic.Apply(root))),
                        AtomicUpdateKey),
                    diagnostic);
            }

            if (SerializableEdit.TryCreate(lost, model, body, context.CancellationToken) is { } serializable)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Run the read and the write in one Serializable transaction",
                        cancellationToken => serializable.ApplyAsync(document, cancellationToken),
                        SerializableKey),
                    diagnostic);
            }
        }
    }

    private static void RegisterConcurrencyToken(CodeFixContext context, Diagnostic diagnostic, SemanticModel model, IOperation read)
    {
        if (diagnostic.AdditionalLocations.Count == 0
            || read.Syntax.SyntaxTree.GetRoot(context.CancellationToken).FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is not { } changeNode
            || model.GetOperation(changeNode, context.CancellationToken) is not { } change
            || LostUpdates.SelfChange(change, FunctionBody.Of(change)) is not { } property
            || property.Property.OriginalDefinition.DeclaringSyntaxReferences.FirstOrDefault() is not { } reference
            || model.Compilation.GetTypeByMetadataName("System.ComponentModel.DataAnnotations.ConcurrencyCheckAttribute") is null
            || HasConcurrencyCheck(reference.GetSyntax(context.CancellationToken)))
        {
            return;
        }

        var solution = context.Document.Project.Solution;
        var target = solution.GetDocument(reference.SyntaxTree);
        if (target is null)
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                $"Make '{property.Property.Name}' a concurrency token ([ConcurrencyCheck]): a conflicting save throws DbUpdateConcurrencyException",
                async cancellationToken =>
                {
                    var declaration = await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false);
                    var editor = await DocumentEditor.CreateAsync(target, cancellationToken).ConfigureAwait(false);
                    var attribute = SyntaxFactory.Attribute(SyntaxFactory.ParseName("global::System.ComponentModel.DataAnnotations.ConcurrencyCheck")
                        .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation));
                    editor.AddAttribute(declaration, attribute);
                    var changed = target.WithSyntaxRoot(editor.GetChangedRoot());
                    changed = await ImportAdder.AddImportsAsync(changed, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
                    changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return changed.Project.Solution;
                },
                ConcurrencyTokenKey),
            diagnostic);
    }

    /// <summary>
    /// The attribute is written already but does not bind (its using is being typed, or lost): the analyzer cannot
    /// see it, and a second one would be a duplicate.
    /// </summary>
    private static bool HasConcurrencyCheck(SyntaxNode declaration)
        => declaration is MemberDeclarationSyntax member
            && member.AttributeLists.SelectMany(list => list.Attributes).Any(attribute => (attribute.Name switch
            {
                QualifiedNameSyntax qualified => qualified.Right,
                AliasQualifiedNameSyntax aliased => aliased.Name,
                _ => attribute.Name,
            }) is SimpleNameSyntax { Identifier.ValueText: "ConcurrencyCheck" or "ConcurrencyCheckAttribute" });

    /// <summary>
    /// <c>SET views = @views</c> bound to <c>views + 1</c> becomes <c>SET views = views + @views</c> bound to <c>1</c>.
    /// Only where the written value is the read value itself plus or minus something else, and the parameter is used once.
    /// </summary>
    private sealed class AtomicEdit
    {
        private readonly SyntaxToken _literal;
        private readonly SyntaxToken _newLiteral;
        private readonly ExpressionSyntax _value;
        private readonly ExpressionSyntax _delta;

        private AtomicEdit(SyntaxToken literal, SyntaxToken newLiteral, ExpressionSyntax value, ExpressionSyntax delta, string newAssignment)
        {
            _literal = literal;
            _newLiteral = newLiteral;
            _value = value;
            _delta = delta;
            NewAssignment = newAssignment;
        }

        public string NewAssignment { get; }

        public static AtomicEdit? TryCreate(SqlLostUpdate lost, FunctionBody body)
        {
            if (lost.Assignment.Parameters.Length != 1
                || LiteralOf(lost.Write.TextSource, body) is not { } literal
                || literal.ValueText != lost.Write.Text
                || Delta(lost, body) is not ({ } delta, var sign)
                || lost.Value.Syntax is not ExpressionSyntax value)
            {
                return null;
            }

            var sql = lost.Write.Text;
            var written = sql.Substring(lost.Assignment.Start, lost.Assignment.Length);
            var equals = written.IndexOf('=');
            var column = written.Substring(0, equals).Trim();
            var parameter = written.Substring(equals + 1).Trim();
            if (!IsParameterToken(parameter, lost.Assignment.Parameters[0]) || CountOf(sql, parameter) != 1)
            {
                return null;
            }

            // The SQL is edited where it is written, so quotes, escapes and raw-string indentation stay as they were.
            var rewritten = column + " = " + column + " " + sign + " " + parameter;
            var tokenText = literal.Text;
            if (CountOf(tokenText, written) != 1)
            {
                return null;
            }

            var newText = tokenText.Replace(written, rewritten);
            var newLiteral = SyntaxFactory.Token(literal.LeadingTrivia, literal.Kind(), newText, literal.ValueText.Replace(written, rewritten), literal.TrailingTrivia);
            return new AtomicEdit(literal, newLiteral, value, delta, rewritten);
        }

        public SyntaxNode Apply(SyntaxNode root)
        {
            var replacement = _delta.WithoutTrivia().WithTriviaFrom(_value);
            return root.ReplaceSyntax(
                nodes: new[] { _value },
                computeReplacementNode: (_, _) => replacement,
                tokens: new[] { _literal },
                computeReplacementToken: (_, _) => _newLiteral,
                trivia: Array.Empty<SyntaxTrivia>(),
                computeReplacementTrivia: (_, trivia) => trivia);
        }

        // value = read ± delta (or delta + read), with "read" the value straight from the read, not already changed.
        private static (ExpressionSyntax? Delta, char Sign) Delta(SqlLostUpdate lost, FunctionBody body)
        {
            // Only a value spelled out in the binding is replaced: a local computed above (new { next }) may have other uses.
            var value = FunctionBody.Unwrap(lost.Value);
            if (value is not IBinaryOperation { OperatorKind: BinaryOperatorKind.Add or BinaryOperatorKind.Subtract } binary)
            {
                return (null, ' ');
            }

            var sign = binary.OperatorKind == BinaryOperatorKind.Add ? '+' : '-';
            if (IsReadValue(binary.LeftOperand, lost.Read.Invocation, body) && binary.RightOperand.Syntax is ExpressionSyntax right && !Mentions(binary.RightOperand, lost.Read.Invocation, body))
            {
                return (right, sign);
            }

            if (sign == '+' && IsReadValue(binary.RightOperand, lost.Read.Invocation, body) && binary.LeftOperand.Syntax is ExpressionSyntax left && !Mentions(binary.LeftOperand, lost.Read.Invocation, body))
            {
                return (left, sign);
            }

            return (null, ' ');
        }

        private static bool IsReadValue(IOperation operand, IOperation read, FunctionBody body)
        {
            var unwrapped = FunctionBody.Unwrap(operand);
            if (unwrapped.Syntax == read.Syntax)
            {
                return true;
            }

            return unwrapped is ILocalReferenceOperation local
                && body.InitializerOf(local.Local) is { } initializer
                && FunctionBody.Unwrap(initializer).Syntax == read.Syntax
                && !IsAssignedAgain(local.Local, body);
        }

        private static bool Mentions(IOperation operand, IOperation read, FunctionBody body)
        {
            var flow = new ValueFlow(body);
            flow.AddSource(read);
            flow.Propagate();
            return flow.SourceOf(operand) is not null;
        }

        private static bool IsAssignedAgain(ILocalSymbol local, FunctionBody body)
            => body.Operations.Any(operation => operation is IAssignmentOperation { Target: ILocalReferenceOperation target } && SymbolEqualityComparer.Default.Equals(target.Local, local));

        private static SyntaxToken? LiteralOf(IOperation source, FunctionBody body)
        {
            var unwrapped = FunctionBody.Unwrap(source);
            if (unwrapped is ILocalReferenceOperation local && body.InitializerOf(local.Local) is { } initializer)
            {
                unwrapped = FunctionBody.Unwrap(initializer);
            }

            return unwrapped.Syntax is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal ? literal.Token : null;
        }

        private static bool IsParameterToken(string text, string name)
            => text.Length == name.Length + 1 && text[0] is '@' or ':' or '$' && string.Equals(text.Substring(1), name.TrimStart('$'), StringComparison.OrdinalIgnoreCase);

        private static int CountOf(string text, string part)
        {
            var count = 0;
            for (var index = text.IndexOf(part, StringComparison.OrdinalIgnoreCase); index >= 0; index = text.IndexOf(part, index + part.Length, StringComparison.OrdinalIgnoreCase))
            {
                var end = index + part.Length;
                if (end >= text.Length || !(char.IsLetterOrDigit(text[end]) || text[end] == '_'))
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>
    /// Dapper read and write on one open connection, statements of one block: a transaction at Serializable begun
    /// before the read, passed to both calls, committed after the write.
    /// </summary>
    private sealed class SerializableEdit
    {
        private readonly StatementSyntax _readStatement;
        private readonly StatementSyntax _writeStatement;
        private readonly InvocationExpressionSyntax _read;
        private readonly InvocationExpressionSyntax _write;
        private readonly string _connection;
        private readonly string _name;
        private readonly bool _async;

        private SerializableEdit(StatementSyntax readStatement, StatementSyntax writeStatement, InvocationExpressionSyntax read, InvocationExpressionSyntax write, string connection, string name, bool isAsync)
        {
            _readStatement = readStatement;
            _writeStatement = writeStatement;
            _read = read;
            _write = write;
            _connection = connection;
            _name = name;
            _async = isAsync;
        }

        public static SerializableEdit? TryCreate(SqlLostUpdate lost, SemanticModel model, FunctionBody body, CancellationToken cancellationToken)
        {
            if (!lost.Read.IsDapper || !lost.Write.IsDapper || lost.Read.Connection is not { } connection
                || !SymbolEqualityComparer.Default.Equals(connection, lost.Write.Connection)
                || lost.Read.Invocation.Syntax is not InvocationExpressionSyntax read
                || lost.Write.Invocation.Syntax is not InvocationExpressionSyntax write
                || !TakesSqlDirectly(lost.Read.Invocation) || !TakesSqlDirectly(lost.Write.Invocation)
                || read.FirstAncestorOrSelf<StatementSyntax>() is not { Parent: BlockSyntax block } readStatement
                || write.FirstAncestorOrSelf<StatementSyntax>() is not { } writeStatement
                || writeStatement.Parent != block
                || !IsOpenBefore(connection, lost.Read.Invocation, body))
            {
                return null;
            }

            var connectionType = connection switch
            {
                ILocalSymbol local => local.Type,
                IParameterSymbol parameter => parameter.Type,
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };
            var isAsync = model.GetEnclosingSymbol(read.SpanStart, cancellationToken) is IMethodSymbol { IsAsync: true }
                && connectionType is not null && TypeMembers.HasMethod(connectionType, "BeginTransactionAsync");
            var name = "transaction";
            for (var suffix = 2; model.LookupSymbols(read.SpanStart, name: name).Length > 0; suffix++)
            {
                name = "transaction" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return new SerializableEdit(readStatement, writeStatement, read, write, connection.Name, name, isAsync);
        }

        public async Task<Document> ApplyAsync(Document document, CancellationToken cancellationToken)
        {
            var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
            var level = "global::System.Data.IsolationLevel.Serializable";
            var begin = _async
                ? $"await using var {_name} = await {_connection}.BeginTransactionAsync({level});"
                : $"using var {_name} = {_connection}.BeginTransaction({level});";
            var commit = _async ? $"await {_name}.CommitAsync();" : $"{_name}.Commit();";
            var transactionArgument = SyntaxFactory.Argument(SyntaxFactory.IdentifierName(_name))
                .WithNameColon(SyntaxFactory.NameColon("transaction"));

            editor.ReplaceNode(_read, _read.AddArgumentListArguments(transactionArgument));
            editor.ReplaceNode(_write, _write.AddArgumentListArguments(transactionArgument));
            // The file's own line ending, not the platform's.
            var endOfLine = _readStatement.GetTrailingTrivia().LastOrDefault(trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia));
            if (endOfLine == default)
            {
                endOfLine = SyntaxFactory.ElasticLineFeed;
            }

            editor.InsertBefore(_readStatement, Statement(begin, endOfLine).WithAdditionalAnnotations(Simplifier.Annotation));
            editor.InsertAfter(_writeStatement, Statement(commit, endOfLine));
            var changed = document.WithSyntaxRoot(editor.GetChangedRoot());
            changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        private static StatementSyntax Statement(string text, SyntaxTrivia endOfLine)
            => SyntaxFactory.ParseStatement(text)
                .WithLeadingTrivia(SyntaxFactory.ElasticMarker)
                .WithTrailingTrivia(endOfLine)
                .WithAdditionalAnnotations(Formatter.Annotation);

        // The sql/param overloads: a CommandDefinition carries its own transaction, and positional arguments after
        // param could collide with the named one.
        private static bool TakesSqlDirectly(IInvocationOperation invocation)
            => invocation.TargetMethod.Parameters.Any(parameter => parameter.Name == "transaction")
                && invocation.Arguments.All(argument => argument.Parameter?.Name is not ("command" or "transaction") || argument.ArgumentKind == ArgumentKind.DefaultValue);

        // BeginTransaction needs an open connection; Dapper would open a closed one itself for the commands.
        private static bool IsOpenBefore(ISymbol connection, IOperation read, FunctionBody body)
        {
            foreach (var operation in body.Operations)
            {
                if (operation.Syntax.SpanStart >= read.Syntax.SpanStart)
                {
                    return false;
                }

                switch (operation)
                {
                    case IInvocationOperation { TargetMethod.Name: "Open" or "OpenAsync" } open when FunctionBody.Refers(open.Instance, connection):
                        return true;
                    case IVariableDeclaratorOperation { Initializer.Value: { } value } declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, connection)
                        && FunctionBody.Unwrap(value) is IInvocationOperation { TargetMethod.Name: "OpenConnection" or "OpenConnectionAsync" }:
                        return true;
                }
            }

            return false;
        }
    }
}
