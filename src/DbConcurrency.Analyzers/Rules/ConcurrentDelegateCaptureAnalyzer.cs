using System.Collections.Generic;
using System.Collections.Immutable;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC003: a connection, command, reader, transaction or context created outside a delegate that runs on
/// several threads at once (a <c>Parallel</c> body, a <c>Task.Run</c> left running, a thread, a timer, a
/// PLINQ operator, an endpoint handler) and used inside it: a captured local or parameter, a field or
/// auto-property of <c>this</c>, also through the type's own methods the delegate calls or names.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConcurrentDelegateCaptureAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: where the concurrent delegate starts and its length ("120:48"), for the fixes.</summary>
    public const string DelegateSpanProperty = "DelegateSpan";

    /// <summary>Diagnostic property: "Local" when the object is a local or parameter of the enclosing method, "Member" for a field or property.</summary>
    public const string CapturedProperty = "Captured";

    // Helpers calling helpers: deep enough for real code, bounded for recursion.
    private const int MaxCallDepth = 3;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.ConcurrentDelegateCapture);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        DatabaseTypeCatalog.RegisterCompilationStart(context, (start, catalog) =>
        {
            var apis = ConcurrentApis.Create(start.Compilation, start.Options.AnalyzerConfigOptionsProvider);
            var guards = GuardApis.Create(start.Compilation);

            // Method groups and helpers may be declared in another part of a partial class.
            var models = new SemanticModels(start.Compilation);
            var implementations = new SourceImplementations(start.Compilation);
            start.RegisterOperationAction(
                operation => Analyze(operation, apis, catalog, guards, models, implementations),
                OperationKind.Invocation,
                OperationKind.ObjectCreation,
                OperationKind.EventAssignment);
        });
    }

    private static void Analyze(OperationAnalysisContext context, ConcurrentApis apis, DatabaseTypeCatalog catalog, GuardApis guards, SemanticModels models, SourceImplementations implementations)
    {
        var delegates = apis.DelegatesOf(context.Operation, context.CancellationToken);
        var tree = context.Operation.Syntax.SyntaxTree;
        if (delegates.IsEmpty || catalog.GeneratedCode.IsGenerated(tree))
        {
            return;
        }

        var types = catalog.For(tree);
        var quiet = QuietWindow(context.Operation);
        foreach (var concurrent in delegates)
        {
            if (DelegateBody.TryFind(concurrent.Value, models, out var body))
            {
                var walk = new Walk(context, catalog, types, guards, models, implementations, concurrent.Description, body, context.ContainingSymbol.ContainingType, quiet);
                walk.Visit(body.Operation, via: null, own: null, depth: MaxCallDepth);
            }
        }
    }

    /// <summary>
    /// <c>var t = Task.Run(…); …; await t;</c>: between the start and the wait, the delegate runs beside the
    /// code in between, and nowhere else. An object that code does not use is not shared.
    /// </summary>
    private static (IOperation Scope, TextSpan Window)? QuietWindow(IOperation start)
    {
        if (start is not IInvocationOperation { TargetMethod.Name: "Run" or "StartNew" } || Awaits.KeptIn(start) is not { } local)
        {
            return null;
        }

        var scope = start;
        while (scope.Parent is { } parent)
        {
            scope = parent;
        }

        return Awaits.FirstWaitOf(local, scope, start.Syntax.Span.End) is { } waited
            ? (scope, TextSpan.FromBounds(start.Syntax.Span.End, waited))
            : null;
    }

    /// <summary>The call inside the delegate through which a body runs, and its name as the message says it.</summary>
    private sealed class Via
    {
        public Via(IInvocationOperation call, string name)
        {
            Call = call;
            Name = name;
        }

        public IInvocationOperation Call { get; }

        public string Name { get; }
    }

    /// <summary>One delegate's body searched for database objects it did not create; each object reported once.</summary>
    private sealed class Walk
    {
        private readonly OperationAnalysisContext _context;
        private readonly DatabaseTypeCatalog _catalog;
        private readonly DatabaseTypes _types;
        private readonly GuardApis _guards;
        private readonly string _description;
        private readonly TextSpan _span;
        private readonly SyntaxTree _tree;
        private readonly SemanticModels _models;
        private readonly SourceImplementations _implementations;
        private readonly IOperation? _through;
        private readonly string? _throughName;
        private readonly INamedTypeSymbol? _type;
        private readonly HashSet<ISymbol> _reported = new(SymbolEqualityComparer.Default);
        private readonly HashSet<IMethodSymbol> _visited = new(SymbolEqualityComparer.Default);
        private readonly (IOperation Scope, TextSpan Window)? _quiet;

        public Walk(OperationAnalysisContext context, DatabaseTypeCatalog catalog, DatabaseTypes types, GuardApis guards, SemanticModels models, SourceImplementations implementations, string description, DelegateBody body, INamedTypeSymbol? type, (IOperation Scope, TextSpan Window)? quiet)
        {
            _models = models;
            _implementations = implementations;
            _tree = body.Operation.Syntax.SyntaxTree;
            _through = body.Through;
            _throughName = body.ThroughName;
            _quiet = quiet;
            _context = context;
            _catalog = catalog;
            _types = types;
            _guards = guards;
            _description = description;
            _span = body.Span;
            _type = type;
        }

        /// <param name="via">The call inside the delegate that leads here, when this is a helper's body or a local function's.</param>
        /// <param name="own">
        /// A local function's or stored delegate's span, when this is its body: it shares the enclosing method's locals, and
        /// declares its own. Null for a helper method, whose locals are all its own.
        /// </param>
        public void Visit(IOperation body, Via? via, TextSpan? own, int depth)
        {
            foreach (var operation in body.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case ILocalReferenceOperation reference when (via is null || own is not null) && IsDeclaredOutside(reference.Local, own):
                        Consider(operation, reference.Local, reference.Local.Type, via);
                        break;

                    // In a helper its parameters are its own; a primary constructor's are the instance's, as a field is.
                    case IParameterReferenceOperation reference
                        when (via is null || own is not null || reference.Parameter.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor })
                             && IsDeclaredOutside(reference.Parameter, own):
                        Consider(operation, reference.Parameter, reference.Parameter.Type, via);
                        break;

                    case IFieldReferenceOperation { Instance: IInstanceReferenceOperation } reference
                        when DatabaseMember.TryCreate(reference.Field.OriginalDefinition, _catalog, out var member):
                        Consider(operation, member.Symbol, member.Type, via);
                        break;

                    case IPropertyReferenceOperation { Instance: IInstanceReferenceOperation } reference
                        when DatabaseMember.TryCreate(reference.Property.OriginalDefinition, _catalog, out var member):
                        Consider(operation, member.Symbol, member.Type, via);
                        break;

                    case IInvocationOperation invocation when depth > 0 && IsOwnHelper(invocation):
                        if (_visited.Add(invocation.TargetMethod.OriginalDefinition)
                            && DelegateBody.TryFindMethodBody(invocation.TargetMethod, invocation.SemanticModel, _models, out var helper))
                        {
                            Visit(helper, via ?? new Via(invocation, invocation.TargetMethod.Name), own: null, depth - 1);
                        }

                        break;

                    // `row => _orders.Import(row)`: a service every run shares (a field, a parameter, a local from outside)
                    // whose method uses the database object it holds: every run uses that one object.
                    case IInvocationOperation { Instance: { } instance } invocation when depth > 0
                        && SharedServiceMethod(invocation.TargetMethod) is { } service
                        && SharedHolder(instance, via, own) is { } holder
                        && !_types.TryClassify(instance.Type, out _):
                        if (_visited.Add(service.OriginalDefinition)
                            && DelegateBody.TryFindMethodBody(service, invocation.SemanticModel, _models, out var held))
                        {
                            Visit(held, via ?? new Via(invocation, holder.Name + "." + invocation.TargetMethod.Name), own: null, depth - 1);
                        }

                        break;

                    // `row => Insert(row)`, `row => insert(row)`: a local function or stored delegate of the enclosing method,
                    // declared outside the delegate, runs in it with what it captured. Inside a helper, the enclosing
                    // method's locals are the helper's own, so only the delegate's own calls lead here.
                    case IInvocationOperation invocation when depth > 0 && via is null
                        && invocation.TargetMethod.MethodKind is MethodKind.LocalFunction or MethodKind.DelegateInvoke
                        && DelegateBody.TryFindCalled(invocation, _models, out var called)
                        && called.Operation.Syntax.SyntaxTree == _tree && !_span.Contains(called.Span):
                        Visit(called.Operation, new Via(invocation, called.ThroughName!), called.Span, depth - 1);
                        break;
                }
            }
        }

        private void Consider(IOperation use, ISymbol symbol, ITypeSymbol type, Via? via)
        {
            if (_reported.Contains(symbol)
                || !_types.TryClassify(type, out _)
                || GuardAnalysis.Find(use, _guards, out _, out _) == GuardState.Guarded
                || IsGuardedElsewhereInItsType(symbol)
                || (_quiet is { } quiet && !UsedIn(quiet.Scope, quiet.Window, symbol)))
            {
                return;
            }

            // Reported inside the call that starts the delegate, where the driver asked: a finding reported in a
            // method group's body or a stored lambda, elsewhere in the file, would reach the IDE only with
            // full-solution analysis.
            var (location, how) = (_through, via) switch
            {
                ({ } through, _) => (through.Syntax.GetLocation(), "used, through '" + _throughName + "', by"),
                (null, { } call) => (call.Call.Syntax.GetLocation(), "used, through '" + call.Name + "', by"),
                _ => (NameLocation(use), "captured by"),
            };

            if (_catalog.GeneratedCode.Contains(location, _context.CancellationToken))
            {
                return;
            }

            _reported.Add(symbol);
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(DelegateSpanProperty, _span.Start.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + _span.Length.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add(CapturedProperty, symbol is ILocalSymbol or IParameterSymbol ? "Local" : "Member");
            _context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.ConcurrentDelegateCapture,
                location,
                properties,
                symbol.Name,
                DatabaseMember.DisplayName(type),
                how,
                _description));
        }

        private static bool UsedIn(IOperation scope, TextSpan window, ISymbol symbol)
        {
            foreach (var operation in scope.Descendants())
            {
                if (!window.Contains(operation.Syntax.Span))
                {
                    continue;
                }

                ISymbol? used = operation switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => parameter.Parameter,
                    IFieldReferenceOperation field => field.Field.OriginalDefinition,
                    IPropertyReferenceOperation property => property.Property.OriginalDefinition,
                    _ => null,
                };

                if (SymbolEqualityComparer.Default.Equals(used, symbol))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>A local or parameter the delegate (or the local function it calls) did not declare itself: one instance for every run of it.</summary>
        private bool IsDeclaredOutside(ISymbol symbol, TextSpan? own)
        {
            foreach (var reference in symbol.DeclaringSyntaxReferences)
            {
                // The span is in the body's own file, which for a method group may be another part of a partial class.
                if (reference.SyntaxTree == _tree && (_span.Contains(reference.Span) || own?.Contains(reference.Span) == true))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// A shared service's member that other code of its type uses under a guard: the unguarded use is DBC005's finding,
        /// reported where the guard is missing, and taking the guard there mends this one too.
        /// </summary>
        private bool IsGuardedElsewhereInItsType(ISymbol symbol)
        {
            var owner = symbol is IParameterSymbol { ContainingSymbol: IMethodSymbol constructor } ? constructor.ContainingType : symbol.ContainingType;
            if (owner is null
                || SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, _type?.OriginalDefinition)
                || !GuardMentions.MayTakeGuard(owner))
            {
                return false;
            }

            foreach (var use in GuardedUses.Collect(owner, ImmutableArray.Create(symbol), _guards, _models, _context.CancellationToken).Of(symbol))
            {
                if (use.IsProtected)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// The instance method of another class written in this compilation whose body runs for <paramref name="method"/>:
        /// the method itself, or for an interface's, its one implementation's (<see cref="SourceImplementations"/>).
        /// </summary>
        private IMethodSymbol? SharedServiceMethod(IMethodSymbol method)
        {
            if (method is not { MethodKind: MethodKind.Ordinary, IsStatic: false })
            {
                return null;
            }

            var body = method.ContainingType.TypeKind == TypeKind.Interface
                ? _implementations.MethodFor(method.OriginalDefinition, _context.CancellationToken)
                : method.ContainingType.TypeKind == TypeKind.Class && SourceImplementations.IsOwnBody(method) ? method : null;
            return body is not null && !SymbolEqualityComparer.Default.Equals(body.ContainingType.OriginalDefinition, _type?.OriginalDefinition) ? body : null;
        }

        /// <summary>
        /// The field, auto-property, primary constructor parameter, or (in the delegate's own code) local or parameter from
        /// outside the delegate that <paramref name="instance"/> reads: one object for every run. Null for anything else.
        /// </summary>
        private ISymbol? SharedHolder(IOperation instance, Via? via, TextSpan? own)
        {
            if (HeldByInstance.Read(instance, _context.CancellationToken) is { } held)
            {
                return held;
            }

            while (instance is IConversionOperation conversion)
            {
                instance = conversion.Operand;
            }

            var delegatesOwnCode = via is null || own is not null;
            return instance switch
            {
                IParameterReferenceOperation { Parameter: var parameter } when delegatesOwnCode && IsDeclaredOutside(parameter, own) => parameter,
                ILocalReferenceOperation { Local: var local } when delegatesOwnCode && IsDeclaredOutside(local, own) => local,
                _ => null,
            };
        }

        /// <summary>A method of the same type called on <c>this</c> (or statically): its uses of the type's members run in the delegate too.</summary>
        private bool IsOwnHelper(IInvocationOperation invocation)
            => invocation.TargetMethod is { MethodKind: MethodKind.Ordinary, IsAbstract: false } method
               && (invocation.Instance is null or IInstanceReferenceOperation)
               && SymbolEqualityComparer.Default.Equals(method.ContainingType?.OriginalDefinition, _type?.OriginalDefinition);

        private static Location NameLocation(IOperation use)
            => use.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.MemberAccessExpressionSyntax access ? access.Name.GetLocation() : use.Syntax.GetLocation();
    }
}
