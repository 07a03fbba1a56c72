using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC004: an operation on a connection, command or context that starts while an earlier asynchronous
/// operation on the same object is still running — a task kept in a variable and awaited later, handed to
/// <c>Task.WhenAll</c>, discarded (<c>_ = db.SaveChangesAsync()</c>), started in a loop and awaited after
/// it, or started once per item by a <c>Select</c> whose tasks all run together.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class OverlappingOperationsAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// Diagnostic property: "Select" when each item of a <c>Select</c> starts the operation in a lambda written in place,
    /// for the fix; "SelectThrough" when the selector is a method group or a stored delegate.
    /// </summary>
    public const string ShapeProperty = "Shape";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.OverlappingOperations);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        DatabaseTypeCatalog.RegisterCompilationStart(context, (start, catalog) =>
        {
            var models = new SemanticModels(start.Compilation);
            var helpers = new HelperOperations(models, GuardApis.Create(start.Compilation), new SourceImplementations(start.Compilation));
            var sharing = new ScopeSharing(models);

            // A query a foreach reads row by row runs all through the loop: each loop is looked at where the driver
            // meets it, with no callback per block.
            start.RegisterOperationAction(loop => AnalyzeLoop(loop, catalog), OperationKind.Loop);

            // Most bodies start no asynchronous database operation: the driver's own walk finds the ones that
            // do, and only those are read again.
            start.RegisterOperationBlockStartAction(blockStart =>
            {
                // The block's tree's types, looked up at its first call: most blocks make none.
                DatabaseTypes? types = null;
                var startsOperation = false;

                blockStart.RegisterOperationAction(
                    operation =>
                    {
                        // Only ever set: callbacks of one block may not share a thread.
                        var invocation = (IInvocationOperation)operation.Operation;
                        types ??= catalog.For(invocation.Syntax.SyntaxTree);
                        if (TryGetSelectorAway(invocation, out _) || MayStartOverlappingWork(invocation, types))
                        {
                            startsOperation = true;
                        }
                    },
                    OperationKind.Invocation);

                blockStart.RegisterOperationBlockEndAction(block =>
                {
                    if (!startsOperation || types is null || block.OperationBlocks.IsEmpty || catalog.GeneratedCode.IsGenerated(block.OperationBlocks[0].Syntax.SyntaxTree))
                    {
                        return;
                    }

                    foreach (var operation in block.OperationBlocks)
                    {
                        if (operation is IMethodBodyOperation or IConstructorBodyOperation or IBlockOperation)
                        {
                            new Function(block, catalog.GeneratedCode, types, models, helpers, sharing, operation).Analyze();
                        }
                    }
                });
            });
        });
    }

    private static void AnalyzeLoop(OperationAnalysisContext context, DatabaseTypeCatalog catalog)
    {
        // Cheap first: the loop reads rows as it runs, before the body is walked for aliases.
        switch (context.Operation)
        {
            case IForEachLoopOperation loop when DatabaseOperations.MayStream(loop):
                AnalyzeStreamingLoop(context, catalog, loop);
                break;
            case IWhileLoopOperation loop when ReaderLoops.TryGetReader(loop, out var reader):
                AnalyzeReaderLoop(context, catalog, loop, reader);
                break;
        }
    }

    /// <summary>
    /// <c>foreach (var order in db.Orders.Where(…)) { …; db.SaveChanges(); }</c>: the loop's query keeps its reader open
    /// from one row to the next, so a round trip on the same object in the loop's body is a second operation.
    /// </summary>
    private static void AnalyzeStreamingLoop(OperationAnalysisContext context, DatabaseTypeCatalog catalog, IForEachLoopOperation loop)
    {
        var types = catalog.For(loop.Syntax.SyntaxTree);
        var aliases = DatabaseOperations.FindAliases(FunctionBody.RootOf(loop), types);
        if (!DatabaseOperations.TryGetStreamed(loop, types, aliases, out var target, out var type) || !types.TryClassify(type, out var match))
        {
            return;
        }

        var running = "the query the foreach on line " + Function.LineOf(loop) + " reads row by row";
        TextSpan nested = default;
        foreach (var operation in Function.OwnOperations(loop.Body))
        {
            // Inside an inner loop that streams from the same object, that loop's own callback reports what its body starts.
            if (nested.Length > 0 && nested.Contains(operation.Syntax.Span))
            {
                continue;
            }

            if (operation is IForEachLoopOperation inner
                && DatabaseOperations.MayStream(inner)
                && DatabaseOperations.TryGetStreamed(inner, types, aliases, out var innerTarget, out var innerType)
                && SymbolEqualityComparer.Default.Equals(innerTarget, target))
            {
                // foreach (var o in db.Orders) { foreach (var l in db.Lines.Where(…)) … }: a second reader while the first is open.
                nested = inner.Body.Syntax.Span;
                Report(context, catalog, inner.Collection.Syntax.GetLocation(), target, innerType, "the query the foreach on line " + Function.LineOf(inner) + " reads", running);
                continue;
            }

            if (operation is not IInvocationOperation invocation
                || !DatabaseOperations.TryGetTarget(invocation, types, aliases, out var used, out var usedType)
                || !SymbolEqualityComparer.Default.Equals(used, target)
                || !DatabaseOperations.MakesRoundTrip(invocation, match.Kind))
            {
                continue;
            }

            Report(context, catalog, Function.NameLocation(invocation), target, usedType, "'" + invocation.TargetMethod.Name + "'", running);
        }
    }

    /// <summary>
    /// <c>while (reader.Read()) { update.ExecuteNonQuery(); }</c>: the reader's command runs on its connection until the
    /// reader is closed, so a command sent on that connection in the loop is a second one ("There is already an open
    /// DataReader", "A command is already in progress").
    /// </summary>
    private static void AnalyzeReaderLoop(OperationAnalysisContext context, DatabaseTypeCatalog catalog, IWhileLoopOperation loop, ILocalSymbol reader)
    {
        var types = catalog.For(loop.Syntax.SyntaxTree);
        if (!types.TryClassify(reader.Type, out var read) || read.Kind != DatabaseObjectKind.Reader)
        {
            return;
        }

        var root = FunctionBody.RootOf(loop);
        var aliases = DatabaseOperations.FindAliases(root, types);
        if (!ReaderLoops.TryGetConnection(reader, root, types, aliases, out var connection, out var connectionType) || !ReaderLoops.AllowsOneCommand(connectionType))
        {
            return;
        }

        Dictionary<ISymbol, bool>? commandsOnConnection = null;
        foreach (var operation in Function.OwnOperations(loop.Body))
        {
            if (operation is not IInvocationOperation invocation
                || !ReaderLoops.SendsCommand(invocation)
                || !DatabaseOperations.TryGetTarget(invocation, types, aliases, out var used, out _))
            {
                continue;
            }

            if (!SymbolEqualityComparer.Default.Equals(used, connection))
            {
                // A command: the connection it was given, looked up once per command.
                commandsOnConnection ??= new Dictionary<ISymbol, bool>(SymbolEqualityComparer.Default);
                if (!commandsOnConnection.TryGetValue(used, out var onConnection))
                {
                    commandsOnConnection[used] = onConnection = ReaderLoops.TryGetCommandConnection(used, root, types, aliases, out var given, out _)
                                                                && SymbolEqualityComparer.Default.Equals(given, connection);
                }

                if (!onConnection)
                {
                    continue;
                }
            }

            Report(context, catalog, Function.NameLocation(invocation), connection, connectionType, "'" + invocation.TargetMethod.Name + "'", "the reader the loop on line " + Function.LineOf(loop) + " reads row by row");
        }
    }

    /// <summary>A loop's finding, outside generated code: no fix rewrites these.</summary>
    private static void Report(OperationAnalysisContext context, DatabaseTypeCatalog catalog, Location location, ISymbol target, ITypeSymbol type, string operation, string running)
    {
        if (!catalog.GeneratedCode.Contains(location, context.CancellationToken))
        {
            context.ReportDiagnostic(Finding(location, target, type, operation, running, "Streaming"));
        }
    }

    /// <summary>"'db' (ShopContext) starts <paramref name="operation"/> while <paramref name="running"/> is still running on it": the shape is for the fixes.</summary>
    private static Diagnostic Finding(Location location, ISymbol target, ITypeSymbol type, string operation, string running, string shape)
        => Diagnostic.Create(
            Descriptors.OverlappingOperations,
            location,
            ImmutableDictionary<string, string?>.Empty.Add(ShapeProperty, shape),
            target.Name,
            DatabaseMember.DisplayName(type),
            operation,
            running);

    /// <summary>
    /// A task that may still run after its expression: an asynchronous operation on a database object, or a call to a
    /// method of the code base that may start one. Most calls are awaited where they are made, and are ruled out by
    /// where they stand before either is looked up.
    /// </summary>
    private static bool MayStartOverlappingWork(IInvocationOperation invocation, DatabaseTypes types)
        => Awaits.IsTaskLike(invocation.Type)
           && MayOutliveItsExpression(invocation)
           && (HelperOperations.MayBeHelperCall(invocation) || DatabaseOperations.TryGetTarget(invocation, types, aliases: null, out _, out _));

    /// <summary>
    /// False for the idiomatic <c>await db.SaveChangesAsync()</c> (or one returned, or waited for) outside any
    /// lambda: it ends where it starts, so nothing can overlap it. Most bodies hold only such calls and are
    /// never read again. A call in a lambda may run once per item (a <c>Select</c>), awaited or not.
    /// </summary>
    private static bool MayOutliveItsExpression(IInvocationOperation invocation)
    {
        var parent = ConsumerOf(invocation);
        if (!EndsWhereItStarts(parent))
        {
            return true;
        }

        for (var outer = parent!.Parent; outer is not null; outer = outer.Parent)
        {
            if (outer is IAnonymousFunctionOperation)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <c>ids.Select(LoadAsync)</c>, <c>ids.Select(find)</c>: a selector that starts a task and is not written in place, so
    /// the body it runs is elsewhere (a method, a local function, a lambda kept in a local).
    /// </summary>
    private static bool TryGetSelectorAway(IInvocationOperation invocation, out IOperation selector)
    {
        selector = null!;
        if (invocation.TargetMethod is not { Name: "Select" or "SelectMany", ContainingType.Name: "Enumerable" })
        {
            return false;
        }

        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Ordinal != 1)
            {
                continue;
            }

            var value = argument.Value;
            while (value is IConversionOperation conversion)
            {
                value = conversion.Operand;
            }

            if (value is IAnonymousFunctionOperation or IDelegateCreationOperation { Target: IAnonymousFunctionOperation }
                || value.Type is not INamedTypeSymbol { DelegateInvokeMethod: { } invoke }
                || !Awaits.IsTaskLike(invoke.ReturnType))
            {
                return false;
            }

            selector = value;
            return true;
        }

        return false;
    }

    /// <summary>What takes the task a call starts, past conversions, <c>ConfigureAwait</c> and <c>AsTask</c>.</summary>
    private static IOperation? ConsumerOf(IInvocationOperation invocation)
    {
        var parent = invocation.Parent;
        while (parent is IConversionOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "AsTask" })
        {
            parent = parent.Parent;
        }

        return parent;
    }

    /// <summary>Awaited, returned or waited for: the task is done where it was started.</summary>
    private static bool EndsWhereItStarts(IOperation? consumer)
        => consumer is IAwaitOperation or IReturnOperation or IInvocationOperation { TargetMethod.Name: "Wait" or "GetAwaiter" } or IPropertyReferenceOperation { Property.Name: "Result" };

    /// <summary>One method, lambda or local function body, read in source order; nested functions are read on their own.</summary>
    private sealed class Function
    {
        private readonly OperationBlockAnalysisContext _context;
        private readonly GeneratedCode _generated;
        private readonly DatabaseTypes _types;
        private readonly SemanticModels _models;
        private readonly HelperOperations _helpers;
        private readonly ScopeSharing _sharing;
        private readonly IOperation _body;
        private readonly Dictionary<ISymbol, ISymbol> _aliases;
        private readonly List<Started> _started = new();

        public Function(OperationBlockAnalysisContext context, GeneratedCode generated, DatabaseTypes types, SemanticModels models, HelperOperations helpers, ScopeSharing sharing, IOperation body, Dictionary<ISymbol, ISymbol>? aliases = null)
        {
            _sharing = sharing;
            _context = context;
            _generated = generated;
            _types = types;
            _models = models;
            _helpers = helpers;
            _body = body;
            _aliases = aliases ?? DatabaseOperations.FindAliases(body, types);
        }

        public void Analyze()
        {
            foreach (var operation in OwnOperations(_body))
            {
                switch (operation)
                {
                    case IInvocationOperation invocation when DatabaseOperations.TryGetTarget(invocation, _types, _aliases, out var target, out var type):
                        Check(invocation, target, type, scope: ScopeOf(target, type, through: null, helper: false));
                        break;

                    case IInvocationOperation select when TryGetSelectorAway(select, out var selector):
                        AnalyzeSelectorAway(select, selector);
                        break;

                    case IInvocationOperation call when TryGetHelperTarget(call, out var target, out var type, out var via, out var scope):
                        Check(call, target, type, via, scope);
                        break;

                    case IAnonymousFunctionOperation function:
                        AnalyzeNested(function, function.Body);
                        break;

                    case ILocalFunctionOperation { Body: { } localBody }:
                        new Function(_context, _generated, _types, _models, _helpers, _sharing, localBody, _aliases).Analyze();
                        break;
                }
            }
        }

        private void AnalyzeNested(IAnonymousFunctionOperation function, IBlockOperation body)
        {
            new Function(_context, _generated, _types, _models, _helpers, _sharing, body, _aliases).Analyze();

            // items.Select(x => db.FindAsync(x)): every item starts one, and whoever consumes the tasks
            // (Task.WhenAll, ToList) has them all running at once.
            if (!IsSelectOverItems(function, out var select))
            {
                return;
            }

            ReportEachItemStarts(select, body, function.Syntax.Span, _aliases, through: null);
        }

        /// <summary>
        /// <c>ids.Select(LoadOneAsync)</c>: each item runs the method's body, which starts an operation on an object it
        /// did not make. Reported at the name handed to the Select, in this body, where the overlap is.
        /// </summary>
        private void AnalyzeSelectorAway(IInvocationOperation select, IOperation selector)
        {
            if (!DelegateBody.TryFind(selector, _models, out var body) || body.Through is not { } through)
            {
                return;
            }

            // A lambda or local function here shares this body's aliases; a method elsewhere has its own.
            var aliases = body.Operation.Syntax.SyntaxTree == _body.Syntax.SyntaxTree && _body.Syntax.Span.Contains(body.Span)
                ? _aliases
                : DatabaseOperations.FindAliases(body.Operation, _types);
            ReportEachItemStarts(select, body.Operation, body.Span, aliases, (through, body.ThroughName!));
        }

        /// <summary>
        /// Reports each object <paramref name="body"/> starts a task on that it did not declare within <paramref name="own"/>:
        /// once per item of <paramref name="select"/>, all running together. Reported at the operation in a lambda written in
        /// place, or at the name handed to the Select when the body stands elsewhere.
        /// </summary>
        private void ReportEachItemStarts(IInvocationOperation select, IOperation body, TextSpan own, Dictionary<ISymbol, ISymbol> aliases, (IOperation Name, string Text)? through)
        {
            var reported = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (var operation in OwnOperations(body))
            {
                if (operation is not IInvocationOperation invocation
                    || !Awaits.IsTaskLike(invocation.TargetMethod.ReturnType)
                    || !TryGetAnyTarget(invocation, aliases, out var target, out var type, out var via)
                    || own.Contains(DeclarationSpan(target))
                    || !reported.Add(target))
                {
                    continue;
                }

                var name = invocation.TargetMethod.Name;
                var running = "the '" + name + "' of the other items";
                if (through is { } away)
                {
                    // "'FindAsync', through 'Load', for every item", "'CountAsync', which uses it, through 'Load', for every item".
                    var started = "'" + name + "'" + via.TrimEnd(',') + ", through '" + away.Text + "', for every item of the " + select.TargetMethod.Name;
                    Report(away.Name.Syntax.GetLocation(), target, type, started, running, "SelectThrough");
                }
                else
                {
                    Report(invocation, target, type, "'" + name + "'" + via + " for every item of the " + select.TargetMethod.Name, running, "Select");
                }
            }
        }

        /// <summary>An operation on a database object, or a call to a helper of the user's that runs one (<see cref="HelperOperations"/>).</summary>
        private bool TryGetAnyTarget(IInvocationOperation invocation, Dictionary<ISymbol, ISymbol> aliases, out ISymbol target, out ITypeSymbol type, out string via)
        {
            via = string.Empty;
            return DatabaseOperations.TryGetTarget(invocation, _types, aliases, out target, out type)
                   || TryGetHelperTarget(invocation, out target, out type, out via, out _);
        }

        /// <summary>
        /// <c>CountOrdersAsync()</c> on this instance runs on the context it uses, the same object this body's own
        /// queries run on; <c>repo.CountAsync()</c> runs on the one <c>repo</c> holds, shared by every call on <c>repo</c>.
        /// </summary>
        private bool TryGetHelperTarget(IInvocationOperation call, out ISymbol target, out ITypeSymbol type, out string via, out ScopeUse? scope)
        {
            target = null!;
            type = null!;
            via = string.Empty;
            scope = null;
            if (!_helpers.TryGetMember(call, _types, _context.CancellationToken, out var member, out var memberType))
            {
                return false;
            }

            var receiver = call.Instance;
            while (receiver is IConversionOperation conversion)
            {
                receiver = conversion.Operand;
            }

            switch (receiver)
            {
                case null or IInstanceReferenceOperation:
                    (target, type, via) = (member, memberType, ", which uses it,");
                    scope = ScopeOf(member, memberType, through: null, helper: true);
                    return true;

                case ILocalReferenceOperation or IParameterReferenceOperation or IFieldReferenceOperation or IPropertyReferenceOperation
                    when FunctionBody.SymbolOf(receiver) is { } holder && receiver.Type is { } holderType:
                    (target, type, via) = (holder, holderType, ", which uses its '" + member.Name + "' (" + DatabaseMember.DisplayName(memberType) + "),");

                    // A service this instance was given, on a context its own constructor was given: the scope gave both the same.
                    // So does a scope the body made, to every service resolved from it (scope.ServiceProvider.GetRequiredService<T>()).
                    if (HeldByInstance.Read(receiver, _context.CancellationToken) is { } held && _sharing.IsGivenByConstructor(held, _context.CancellationToken))
                    {
                        scope = ScopeOf(member, memberType, through: holder.Name, helper: false, service: holderType);
                    }
                    else if (receiver is ILocalReferenceOperation local && ScopeResolvedFrom(local) is { } made)
                    {
                        scope = ScopeOf(member, memberType, through: holder.Name, helper: false, service: holderType, made);
                    }

                    return true;

                default:
                    return false;
            }
        }

        private void Check(IInvocationOperation invocation, ISymbol target, ITypeSymbol type, string via = "", ScopeUse? scope = null)
        {
            var start = invocation.Syntax.SpanStart;
            foreach (var earlier in _started)
            {
                if (SymbolEqualityComparer.Default.Equals(earlier.Target, target) && earlier.RunsUntil > start)
                {
                    Report(invocation, target, type, "'" + invocation.TargetMethod.Name + "'" + via, "'" + earlier.Invocation.TargetMethod.Name + "' from line " + LineOf(earlier.Invocation), "Sequence");
                    return;
                }
            }

            if (scope is { } shared)
            {
                foreach (var earlier in _started)
                {
                    // Two members of one type given a context each are two contexts by intent (a scope would give one twice).
                    if (earlier.Scope is { } other && earlier.RunsUntil > start
                        && SymbolEqualityComparer.Default.Equals(other.Context, shared.Context)
                        && SymbolEqualityComparer.Default.Equals(other.Made, shared.Made)
                        && !SymbolEqualityComparer.Default.Equals(other.Owner, shared.Owner)
                        && !_sharing.MayBeTransient(shared.Context, _context.CancellationToken))
                    {
                        var running = "'" + earlier.Invocation.TargetMethod.Name + "' from line " + LineOf(earlier.Invocation) + other.Describe()
                                      + ", given the same " + DatabaseMember.DisplayName(shared.Context) + " by the scope,";
                        Report(invocation, shared.Member, shared.Context, "'" + invocation.TargetMethod.Name + "'" + shared.DescribeStart(), running, "SharedScope");
                        return;
                    }
                }
            }

            if (!Awaits.IsTaskLike(invocation.TargetMethod.ReturnType))
            {
                return;
            }

            var runsUntil = RunsUntil(invocation);
            if (runsUntil > invocation.Syntax.Span.End && EnclosingLoopBody(invocation) is { } loop && runsUntil > loop.End)
            {
                // Still running when the next iteration starts the same operation again.
                Report(invocation, target, type, "'" + invocation.TargetMethod.Name + "'" + via, "the '" + invocation.TargetMethod.Name + "' of the previous iteration", "Loop");
            }

            _started.Add(new Started(invocation, target, runsUntil, scope));
        }

        /// <summary>
        /// The scope <paramref name="service"/> was resolved from where it was declared:
        /// <c>var orders = scope.ServiceProvider.GetRequiredService&lt;OrderService&gt;();</c> gives <c>scope</c>.
        /// </summary>
        private static ILocalSymbol? ScopeResolvedFrom(ILocalReferenceOperation service)
        {
            if (FunctionBody.DeclaredOperationOf(service.Local, service.SemanticModel) is not { } value
                || FunctionBody.Unwrap(value) is not IInvocationOperation resolve
                || !DependencyInjectionApis.IsResolveName(resolve.TargetMethod.Name))
            {
                return null;
            }

            var provider = resolve.TargetMethod.IsExtensionMethod
                ? resolve.Arguments.Length > 0 ? resolve.Arguments[0].Value : null
                : resolve.Instance;
            return provider is not null && FunctionBody.Unwrap(provider) is IPropertyReferenceOperation { Property.Name: "ServiceProvider", Instance: ILocalReferenceOperation scope }
                ? scope.Local
                : null;
        }

        public static string LineOf(IOperation operation)
            => (operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1).ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// The context <paramref name="member"/> holds when a constructor gave it, so that another service given one by the same
        /// scope holds the same instance; null for anything else (a context a type makes, a connection, a local).
        /// </summary>
        /// <param name="service">The type of the service the operation runs through, when it does: <c>Repository&lt;Order&gt;</c> and
        /// <c>Repository&lt;Customer&gt;</c> are two services of one class, each given the context.</param>
        /// <param name="made">The scope local the service was resolved from; null for this instance's own scope.</param>
        private ScopeUse? ScopeOf(ISymbol member, ITypeSymbol type, string? through, bool helper, ITypeSymbol? service = null, ILocalSymbol? made = null)
        {
            var owner = member is IParameterSymbol { ContainingSymbol: IMethodSymbol constructor } ? constructor.ContainingType : member.ContainingType;
            if (owner is null
                || !_types.TryClassify(type, out var match)
                || match.Kind != DatabaseObjectKind.Context
                || !SymbolEqualityComparer.Default.Equals(match.ObjectType, type)
                || !HeldByInstance.IsKeptBy(member, owner.OriginalDefinition, _context.CancellationToken)
                || !_sharing.IsGivenByConstructor(member, _context.CancellationToken))
            {
                return null;
            }

            var keeper = service is INamedTypeSymbol { TypeKind: TypeKind.Class } constructed ? constructed : owner.OriginalDefinition;
            return new ScopeUse(type, member, keeper, through, helper, made);
        }

        /// <summary>
        /// Where the task stops running as far as this body can tell: right away when awaited or waited for where it
        /// starts; at the await of the variable that keeps it; at the end of the <c>WhenAll</c> that takes it; never
        /// (the end of the body) when discarded or handed elsewhere.
        /// </summary>
        private int RunsUntil(IInvocationOperation invocation)
        {
            var end = _body.Syntax.Span.End;
            var parent = ConsumerOf(invocation);
            if (EndsWhereItStarts(parent))
            {
                return invocation.Syntax.Span.End;
            }

            switch (parent)
            {

                case IVariableInitializerOperation or ISimpleAssignmentOperation { Target: ILocalReferenceOperation } when Awaits.KeptIn(invocation) is { } local:
                    return Awaits.FirstWaitOf(local, _body, invocation.Syntax.Span.End) ?? end;

                case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "WhenAll" or "WhenAny" } whenAll }:
                    return whenAll.Syntax.Span.End;

                case IArrayInitializerOperation { Parent: IArrayCreationOperation { Parent: IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "WhenAll" or "WhenAny" } whenAll } } }:
                    return whenAll.Syntax.Span.End;

                // tasks.Add(db.Orders.FindAsync(id).AsTask()): running until the WhenAll over the list, or the end.
                case IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "Add", Instance: ILocalReferenceOperation list } }:
                    return Awaits.FirstWaitOf(list.Local, _body, invocation.Syntax.Span.End) ?? end;

                case ISimpleAssignmentOperation { Target: IDiscardOperation }:
                case IExpressionStatementOperation:
                case IArgumentOperation:
                    return end;

                default:
                    return invocation.Syntax.Span.End;
            }
        }

        private static bool IsSelectOverItems(IAnonymousFunctionOperation function, out IInvocationOperation select)
        {
            select = null!;
            IOperation? parent = function.Parent;
            while (parent is IDelegateCreationOperation or IConversionOperation or IArgumentOperation)
            {
                parent = parent.Parent;
            }

            if (parent is IInvocationOperation { TargetMethod: { Name: "Select" or "SelectMany", ContainingType.Name: "Enumerable" } } invocation
                && Awaits.IsTaskLike(function.Symbol.ReturnType))
            {
                select = invocation;
                return true;
            }

            return false;
        }

        private TextSpan? EnclosingLoopBody(IOperation operation)
        {
            for (var parent = operation.Parent; parent is not null && parent != _body; parent = parent.Parent)
            {
                if (parent is ILoopOperation loop)
                {
                    return loop.Body.Syntax.Span;
                }
            }

            return null;
        }

        private static TextSpan DeclarationSpan(ISymbol symbol)
            => symbol.DeclaringSyntaxReferences.Length > 0 ? symbol.DeclaringSyntaxReferences[0].Span : default;

        /// <summary>Where a finding on a call stands: on the method's name.</summary>
        public static Location NameLocation(IInvocationOperation invocation) => invocation.Syntax switch
        {
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Name.GetLocation(),
            InvocationExpressionSyntax { Expression: SimpleNameSyntax name } => name.GetLocation(),
            _ => invocation.Syntax.GetLocation(),
        };

        private void Report(IInvocationOperation invocation, ISymbol target, ITypeSymbol type, string operation, string running, string shape)
            => Report(NameLocation(invocation), target, type, operation, running, shape);

        private void Report(Location location, ISymbol target, ITypeSymbol type, string operation, string running, string shape)
        {
            if (!_generated.Contains(location, _context.CancellationToken))
            {
                _context.ReportDiagnostic(Finding(location, target, type, operation, running, shape));
            }
        }

        /// <summary>The body's operations in source order, nested lambdas and local functions yielded but not entered.</summary>
        public static IEnumerable<IOperation> OwnOperations(IOperation body)
        {
            var stack = new Stack<IOperation>();
            stack.Push(body);
            while (stack.Count > 0)
            {
                var operation = stack.Pop();
                yield return operation;
                if (operation != body && operation is IAnonymousFunctionOperation or ILocalFunctionOperation)
                {
                    continue;
                }

                foreach (var child in operation.ChildOperations.Reverse())
                {
                    stack.Push(child);
                }
            }
        }

        private readonly struct Started
        {
            public Started(IInvocationOperation invocation, ISymbol target, int runsUntil, ScopeUse? scope)
            {
                Invocation = invocation;
                Target = target;
                RunsUntil = runsUntil;
                Scope = scope;
            }

            public IInvocationOperation Invocation { get; }

            public ISymbol Target { get; }

            public int RunsUntil { get; }

            /// <summary>The context the operation runs on when a scope gave it, which other services of that scope share.</summary>
            public ScopeUse? Scope { get; }
        }

        /// <summary>An operation's context as a scope gave it: directly, through a helper of this type, or through a service.</summary>
        private readonly struct ScopeUse
        {
            public ScopeUse(ITypeSymbol context, ISymbol member, INamedTypeSymbol owner, string? through, bool helper, ILocalSymbol? made)
            {
                Made = made;
                Context = context;
                Member = member;
                Owner = owner;
                Through = through;
                Helper = helper;
            }

            public ITypeSymbol Context { get; }

            /// <summary>The member the context is kept in: this type's own, or the service's.</summary>
            public ISymbol Member { get; }

            /// <summary>The scope the body made and resolved the service from; null for the scope that built this instance.</summary>
            public ILocalSymbol? Made { get; }

            /// <summary>The type that keeps <see cref="Member"/>: the service's own, constructed (<c>Repository&lt;Order&gt;</c>), when known.</summary>
            public INamedTypeSymbol Owner { get; }

            /// <summary>The service the operation runs through (<c>orders</c> in <c>orders.GetAsync()</c>); null on this instance.</summary>
            public string? Through { get; }

            /// <summary>A helper of this type that uses <see cref="Member"/>, not an operation on it.</summary>
            public bool Helper { get; }

            /// <summary>Where an operation already running is: ", through 'orders'", ", which uses '_db'", " on '_db'".</summary>
            public string Describe()
                => Through is not null ? ", through '" + Through + "'" : Helper ? ", which uses '" + Member.Name + "'" : " on '" + Member.Name + "'";

            /// <summary>How the operation being reported reaches <see cref="Member"/>, after its name.</summary>
            public string DescribeStart()
                => Through is not null ? ", through '" + Through + "'," : Helper ? ", which uses it," : string.Empty;
        }
    }
}
