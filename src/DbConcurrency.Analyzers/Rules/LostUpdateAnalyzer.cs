using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC007: a value read from the database, changed in the application and written back (SQL through ADO.NET or
/// Dapper, or an EF Core entity property saved with SaveChanges) with nothing that stops a concurrent caller from
/// doing the same in between. Reported on the read, from the read's own callback so the diagnostic stays local
/// (squiggles and light bulbs without full-solution analysis); the write is the additional location.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LostUpdateAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: <c>Sql</c> or <c>Entity</c>, the form the fixes rewrite.</summary>
    public const string FormProperty = "Form";

    private static readonly ImmutableDictionary<string, string?> SqlForm = ImmutableDictionary<string, string?>.Empty.Add(FormProperty, "Sql");
    private static readonly ImmutableDictionary<string, string?> EntityForm = ImmutableDictionary<string, string?>.Empty.Add(FormProperty, "Entity");

    private static readonly ImmutableArray<string> SaveNames = ImmutableArray.Create("SaveChanges", "SaveChangesAsync");

    private static readonly HashSet<string> LoadNames = new(StringComparer.Ordinal)
    {
        "Find", "First", "FirstOrDefault", "Single", "SingleOrDefault", "Last", "LastOrDefault", "ToList", "ToArray", "ToDictionary", "ToHashSet",
        "FindAsync", "FirstAsync", "FirstOrDefaultAsync", "SingleAsync", "SingleOrDefaultAsync", "LastAsync", "LastOrDefaultAsync", "ToListAsync",
        "ToArrayAsync", "ToDictionaryAsync", "ToHashSetAsync",
    };

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.LostUpdate);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        DatabaseTypeCatalog.RegisterCompilationStart(context, static (start, catalog) =>
        {
            var compilation = start.Compilation;
            var tokens = new Lazy<ConcurrencyTokens>(() => new ConcurrencyTokens(new SemanticModels(compilation)), LazyThreadSafetyMode.ExecutionAndPublication);
            var bodies = new BodyFindings();
            start.RegisterOperationAction(operation => AnalyzeInvocation(operation, catalog, tokens, bodies), OperationKind.Invocation);
        });
    }

    private static void AnalyzeInvocation(OperationAnalysisContext context, DatabaseTypeCatalog catalog, Lazy<ConcurrencyTokens> tokens, BodyFindings bodies)
    {
        var invocation = (IInvocationOperation)context.Operation;
        // A call's type is its method's return type, kept on the operation.
        if (invocation.Type is null or { SpecialType: SpecialType.System_Void })
        {
            return;
        }

        if (SqlCalls.IsReadName(invocation.TargetMethod.Name) && !LeavesTheBody(invocation))
        {
            AnalyzeSqlRead(context, invocation, catalog.For(invocation.Syntax.SyntaxTree), bodies, catalog.GeneratedCode);
        }
        else if (IsEntityLoad(invocation))
        {
            AnalyzeEntityLoad(context, invocation, catalog.For(invocation.Syntax.SyntaxTree), tokens, bodies, catalog.GeneratedCode);
        }
    }

    private static void AnalyzeSqlRead(OperationAnalysisContext context, IInvocationOperation read, DatabaseTypes types, BodyFindings bodies, GeneratedCode generated)
    {
        // Cheap first: a call that runs SQL (Dapper, or a command's Execute*) in a body that also runs a write.
        var method = read.TargetMethod;
        var runsSql = method.IsExtensionMethod
            ? method.ContainingType.Name == "SqlMapper"
            : read.Instance is { } instance && types.TryClassify(instance.Type, out var match) && match.Kind == DatabaseObjectKind.Command;
        var root = FunctionBody.RootOf(read);
        if (!runsSql || !FunctionBody.NamesAny(root, SqlCalls.WriteNames))
        {
            return;
        }

        foreach (var lost in bodies.SqlIn(root, types))
        {
            if (lost.Read.Invocation.Syntax == read.Syntax)
            {
                Report(context, generated, read.Syntax, lost.Write.Invocation.Syntax, SqlForm, lost.Assignment.Column, lost.ReadShape.Table, "the UPDATE on line " + LineOf(lost.Write.Invocation));
                return;
            }
        }
    }

    private static void AnalyzeEntityLoad(OperationAnalysisContext context, IInvocationOperation load, DatabaseTypes types, Lazy<ConcurrencyTokens> tokens, BodyFindings bodies, GeneratedCode generated)
    {
        // Cheap first: a body that saves (a search of its text), then a query on a context (a first look at a type
        // walks its bases and interfaces; most loops and ToLists are over plain collections in bodies that save nothing).
        var root = FunctionBody.RootOf(load);
        if (!FunctionBody.NamesAny(root, SaveNames)
            || !DatabaseOperations.TryGetTarget(load, types, aliases: null, out _, out var targetType)
            || !types.TryClassify(targetType, out var target) || target.Kind != DatabaseObjectKind.Context)
        {
            return;
        }

        // In the order of the saves: a load is reported with the first save that writes its change.
        foreach (var (save, lost) in bodies.EntitiesIn(root, types, tokens.Value, context.CancellationToken))
        {
            if (lost.Load.Syntax == load.Syntax)
            {
                Report(context, generated, load.Syntax, lost.Change.Syntax, EntityForm, lost.Property.Name, lost.Property.ContainingType.Name, save.TargetMethod.Name + " on line " + LineOf(save));
                return;
            }
        }
    }

    /// <summary>Reports on the read (outside generated code), with the write as the additional location.</summary>
    private static void Report(OperationAnalysisContext context, GeneratedCode generated, SyntaxNode read, SyntaxNode write, ImmutableDictionary<string, string?> form, string column, string table, string writtenBy)
    {
        var location = read.GetLocation();
        if (generated.Contains(location, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.LostUpdate, location, additionalLocations: new[] { write.GetLocation() }, form, column, table, writtenBy));
    }

    /// <summary>Every entity changed from its own value before a save in <paramref name="body"/>, with that save, in the order of the saves.</summary>
    private static List<(IInvocationOperation Save, EntityLostUpdate Lost)> FindEntities(FunctionBody body, DatabaseTypes types, ConcurrencyTokens tokens, CancellationToken cancellationToken)
    {
        var found = new List<(IInvocationOperation, EntityLostUpdate)>();
        foreach (var operation in body.Operations)
        {
            if (operation is not IInvocationOperation save || !IsSaveName(save.TargetMethod.Name)
                || save.Instance is not { } instance || !types.TryClassify(instance.Type, out var match) || match.Kind != DatabaseObjectKind.Context)
            {
                continue;
            }

            foreach (var lost in LostUpdates.FindEntities(save, body, types, tokens, cancellationToken))
            {
                found.Add((save, lost));
            }
        }

        return found;
    }

    /// <summary>
    /// A read returned as it is (<c>return await conn.QueryAsync(…)</c>, an expression body) or discarded: this
    /// body writes nothing from it. The common repository method, ruled out before its body is looked at.
    /// </summary>
    private static bool LeavesTheBody(IInvocationOperation read)
    {
        var parent = read.Parent;
        while (parent is IAwaitOperation or IConversionOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" })
        {
            parent = parent.Parent;
        }

        return parent is IReturnOperation or IExpressionStatementOperation;
    }

    // What holds an entity: a query run, a Find, kept in a local or looped over. The receiver is checked later, once the body names a save.
    private static bool IsEntityLoad(IInvocationOperation invocation)
    {
        var parent = invocation.Parent;
        while (parent is IAwaitOperation or IConversionOperation or ICoalesceOperation)
        {
            parent = parent.Parent;
        }

        // A local holds what a query returned only when the call runs it: Find, First…, Single…, Last…, ToList…, ToArray….
        return parent is IForEachLoopOperation
            || (parent is IVariableInitializerOperation && IsLoadName(invocation.TargetMethod.Name));
    }

    /// <summary>
    /// What each body that reads and writes holds, worked out once for the compilation: a body with several reads or loads
    /// is asked once per read, and each asks the same question of the whole body.
    /// </summary>
    private sealed class BodyFindings
    {
        private readonly ConcurrentDictionary<SyntaxNode, List<SqlLostUpdate>> _sql = new();
        private readonly ConcurrentDictionary<SyntaxNode, List<(IInvocationOperation Save, EntityLostUpdate Lost)>> _entities = new();

        public List<SqlLostUpdate> SqlIn(IOperation root, DatabaseTypes types)
        {
            if (!_sql.TryGetValue(root.Syntax, out var found))
            {
                // Two threads may both work it out: the answers are the same, and one is kept.
                found = _sql.GetOrAdd(root.Syntax, LostUpdates.FindSql(FunctionBody.OfRoot(root), types));
            }

            return found;
        }

        public List<(IInvocationOperation Save, EntityLostUpdate Lost)> EntitiesIn(IOperation root, DatabaseTypes types, ConcurrencyTokens tokens, CancellationToken cancellationToken)
        {
            if (!_entities.TryGetValue(root.Syntax, out var found))
            {
                found = _entities.GetOrAdd(root.Syntax, FindEntities(FunctionBody.OfRoot(root), types, tokens, cancellationToken));
            }

            return found;
        }
    }

    private static bool IsLoadName(string name) => LoadNames.Contains(name);

    private static bool IsSaveName(string name) => SaveNames.Contains(name);

    private static string LineOf(IOperation operation)
        => (operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);
}
