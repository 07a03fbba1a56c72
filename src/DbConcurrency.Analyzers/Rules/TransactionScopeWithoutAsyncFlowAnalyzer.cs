using System.Collections.Immutable;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC006: <c>new TransactionScope(...)</c> without <c>TransactionScopeAsyncFlowOption.Enabled</c> in an async
/// method, lambda or local function, where the scope spans an await.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TransactionScopeWithoutAsyncFlowAnalyzer : DiagnosticAnalyzer
{
    private const string TransactionScopeTypeName = "System.Transactions.TransactionScope";
    public const string AsyncFlowOptionTypeName = "System.Transactions.TransactionScopeAsyncFlowOption";

    // TransactionScopeAsyncFlowOption.Suppress, the default the missing argument stands for.
    private const int Suppress = 0;

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.TransactionScopeWithoutAsyncFlow);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        context.RegisterCompilationStartAction(start =>
        {
            var scopeType = KnownTypes.ResolveOne(start.Compilation, TransactionScopeTypeName);
            var flowOption = KnownTypes.ResolveOne(start.Compilation, AsyncFlowOptionTypeName);
            if (scopeType is null || flowOption is null)
            {
                return;
            }

            var generated = new GeneratedCode(start.Options.AnalyzerConfigOptionsProvider);
            start.RegisterOperationAction(operation => AnalyzeCreation(operation, scopeType, flowOption, generated), OperationKind.ObjectCreation);
        });
    }

    private static void AnalyzeCreation(OperationAnalysisContext context, INamedTypeSymbol scopeType, INamedTypeSymbol flowOption, GeneratedCode generated)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(creation.Type, scopeType) || PassesAsyncFlow(creation, flowOption))
        {
            return;
        }

        var location = creation.Syntax.GetLocation();
        if (!IsInAsyncFunction(creation, context.ContainingSymbol, out var function) || !ScopeSpansAwait(creation) || generated.Contains(location, context.CancellationToken))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(Descriptors.TransactionScopeWithoutAsyncFlow, location, function));
    }

    /// <summary>
    /// True unless the option is left out or spelled <c>Suppress</c>: a value computed at run time is the
    /// author's decision, and we cannot tell which it is.
    /// </summary>
    private static bool PassesAsyncFlow(IObjectCreationOperation creation, INamedTypeSymbol flowOption)
    {
        foreach (var argument in creation.Arguments)
        {
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, flowOption))
            {
                return !(argument.Value.ConstantValue is { HasValue: true, Value: int value } && value == Suppress);
            }
        }

        return false;
    }

    private static bool IsInAsyncFunction(IOperation creation, ISymbol containingSymbol, out string function)
    {
        for (var parent = creation.Parent; parent is not null; parent = parent.Parent)
        {
            switch (parent)
            {
                case IAnonymousFunctionOperation lambda:
                    function = "an async lambda";
                    return lambda.Symbol.IsAsync;
                case ILocalFunctionOperation localFunction:
                    function = "async local function '" + localFunction.Symbol.Name + "'";
                    return localFunction.Symbol.IsAsync;
            }
        }

        if (containingSymbol is IMethodSymbol { IsAsync: true } method)
        {
            function = method.Name == WellKnownMemberNames.TopLevelStatementsEntryPointMethodName
                ? "the async top-level statements"
                : "async method '" + method.Name + "'";
            return true;
        }

        function = string.Empty;
        return false;
    }

    /// <summary>
    /// The scope lasts for the body of its <c>using</c> statement, to the end of the block for a
    /// <c>using</c> declaration, and otherwise (disposed by hand) to the end of the block it is created in.
    /// </summary>
    private static bool ScopeSpansAwait(IOperation creation)
    {
        var current = creation;
        for (var parent = creation.Parent; parent is not null; current = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IUsingOperation usingStatement when current == usingStatement.Resources:
                    return Awaits.Suspends(usingStatement.Body);
                case IBlockOperation block:
                    return Awaits.SuspendsFrom(block, block.Operations.IndexOf(current) + 1);
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    return false;
            }
        }

        return false;
    }
}
