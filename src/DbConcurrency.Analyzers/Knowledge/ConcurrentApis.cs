using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>A delegate handed to an API that runs it on several threads at once, and how messages name it.</summary>
internal readonly struct ConcurrentDelegate
{
    public ConcurrentDelegate(IOperation value, string description)
    {
        Value = value;
        Description = description;
    }

    /// <summary>The delegate argument: a lambda, an anonymous method, a method group or a local function.</summary>
    public IOperation Value { get; }

    /// <summary>"a Parallel.ForEach body", "a Task.Run delegate", "a MapGet handler".</summary>
    public string Description { get; }
}

/// <summary>
/// The APIs that run a delegate concurrently — with other invocations of itself or with the code that
/// started it — resolved once per compilation: <c>Parallel</c>, <c>Task.Run</c>, <c>TaskFactory.StartNew</c>,
/// <c>Thread</c>, <c>ThreadPool</c>, PLINQ, timers, ASP.NET Core endpoint handlers and inline middleware, message handlers (<see cref="MessageHandlers"/>), and the user's own
/// (<c>dotnet_code_quality.DBC.concurrent_methods</c>). Per-worker state delegates (<c>localInit</c>,
/// <c>localFinally</c>) are not bodies: what they create belongs to one worker.
/// </summary>
internal sealed class ConcurrentApis
{
    /// <summary>Comma-separated methods whose delegate arguments run concurrently: <c>Namespace.Type.Method</c>.</summary>
    public const string ConcurrentMethodsKey = "dotnet_code_quality.DBC.concurrent_methods";

    private static readonly ImmutableArray<string> EndpointMethods = ImmutableArray.Create(
        "MapGet", "MapPost", "MapPut", "MapDelete", "MapPatch", "Map", "MapMethods", "MapFallback");

    private readonly INamedTypeSymbol? _parallel;
    private readonly INamedTypeSymbol? _task;
    private readonly INamedTypeSymbol? _taskFactory;
    private readonly INamedTypeSymbol? _thread;
    private readonly INamedTypeSymbol? _threadPool;
    private readonly INamedTypeSymbol? _parallelEnumerable;
    private readonly INamedTypeSymbol? _threadingTimer;
    private readonly INamedTypeSymbol? _timersTimer;
    private readonly INamedTypeSymbol? _endpoints;
    private readonly INamedTypeSymbol? _useMiddleware;
    private readonly INamedTypeSymbol? _runMiddleware;
    private readonly INamedTypeSymbol? _applicationBuilder;
    private readonly Compilation _compilation;
    private readonly AnalyzerConfigOptionsProvider _options;
    private readonly ConcurrentDictionary<string, ImmutableHashSet<(INamedTypeSymbol Type, string Method)>> _configured = new();
    private readonly Func<string, ImmutableHashSet<(INamedTypeSymbol Type, string Method)>> _resolveConfigured;
    private readonly bool _anyConfigured;
    private readonly MessageHandlers _messages;

    private ConcurrentApis(Compilation compilation, AnalyzerConfigOptionsProvider options)
    {
        _compilation = compilation;
        _options = options;
        _parallel = KnownTypes.ResolveOne(compilation, "System.Threading.Tasks.Parallel");
        _task = KnownTypes.ResolveOne(compilation, "System.Threading.Tasks.Task");
        _taskFactory = KnownTypes.ResolveOne(compilation, "System.Threading.Tasks.TaskFactory");
        _thread = KnownTypes.ResolveOne(compilation, "System.Threading.Thread");
        _threadPool = KnownTypes.ResolveOne(compilation, "System.Threading.ThreadPool");
        _parallelEnumerable = KnownTypes.ResolveOne(compilation, "System.Linq.ParallelEnumerable");
        _threadingTimer = KnownTypes.ResolveOne(compilation, "System.Threading.Timer");
        _timersTimer = KnownTypes.ResolveOne(compilation, "System.Timers.Timer");
        _endpoints = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions");
        _useMiddleware = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Builder.UseExtensions");
        _runMiddleware = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Builder.RunExtensions");
        _applicationBuilder = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Builder.IApplicationBuilder");
        _messages = new MessageHandlers(compilation, options);
        _resolveConfigured = ResolveConfigured;
        _anyConfigured = AnalyzerSettings.IsSetAnywhere(compilation, options, ConcurrentMethodsKey);
    }

    public static ConcurrentApis Create(Compilation compilation, AnalyzerConfigOptionsProvider options) => new(compilation, options);

    /// <summary>
    /// The delegates <paramref name="operation"/> runs concurrently: the bodies of a <c>Parallel</c> call, the
    /// delegate of <c>Task.Run</c> (unless awaited or waited for on the spot: then nothing runs beside it),
    /// a thread's start, a timer's callback, a PLINQ operator's delegates, an endpoint's handler.
    /// </summary>
    public ImmutableArray<ConcurrentDelegate> DelegatesOf(IOperation operation, CancellationToken cancellationToken)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                return FromInvocation(invocation);

            case IObjectCreationOperation { Constructor: { } constructor } creation
                when Is(constructor.ContainingType, _thread) || Is(constructor.ContainingType, _threadingTimer):
                var what = Is(constructor.ContainingType, _thread) ? "a Thread" : "a Timer callback";
                return Collect(creation.Arguments, what, static parameter => parameter.Name is "start" or "callback");

            case IEventAssignmentOperation { Adds: true, EventReference: IEventReferenceOperation { Event: { Name: "Elapsed" } @event } } assignment
                when Is(@event.ContainingType, _timersTimer):
                return ImmutableArray.Create(new ConcurrentDelegate(assignment.HandlerValue, "a Timer.Elapsed handler"));

            case IEventAssignmentOperation { Adds: true, EventReference: IEventReferenceOperation { Event: { } @event } } assignment
                when _messages.TryDescribeHandler(assignment, @event, cancellationToken, out var handler):
                return ImmutableArray.Create(new ConcurrentDelegate(assignment.HandlerValue, handler));

            case IObjectCreationOperation { Constructor.ContainingType: { } block } creation
                when _messages.IsBlock(block) && _messages.TryDescribeBlock(creation, block, cancellationToken, out var blockDelegate):
                return Collect(creation.Arguments, blockDelegate, static parameter => parameter.Type.TypeKind == TypeKind.Delegate);

            default:
                return ImmutableArray<ConcurrentDelegate>.Empty;
        }
    }

    private ImmutableArray<ConcurrentDelegate> FromInvocation(IInvocationOperation invocation)
    {
        var method = invocation.TargetMethod;
        var type = method.ContainingType;
        if (type is null)
        {
            return ImmutableArray<ConcurrentDelegate>.Empty;
        }

        if (Is(type, _parallel))
        {
            if (RunsOneAtATime(invocation))
            {
                return ImmutableArray<ConcurrentDelegate>.Empty;
            }

            // Parallel.Invoke's actions run beside each other; For/ForEach bodies beside themselves.
            return method.Name == "Invoke"
                ? Collect(invocation.Arguments, "a Parallel.Invoke action", static parameter => parameter.Name == "actions")
                : Collect(invocation.Arguments, "a Parallel." + method.Name + " body", static parameter => parameter.Name == "body");
        }

        if ((Is(type, _task) && method.Name == "Run") || (Is(type, _taskFactory) && method.Name == "StartNew"))
        {
            return IsAwaitedOnTheSpot(invocation)
                ? ImmutableArray<ConcurrentDelegate>.Empty
                : Collect(invocation.Arguments, method.Name == "Run" ? "a Task.Run delegate" : "a Task.Factory.StartNew delegate", static parameter => parameter.Name is "action" or "function");
        }

        if (Is(type, _threadPool) && method.Name is "QueueUserWorkItem" or "UnsafeQueueUserWorkItem")
        {
            return Collect(invocation.Arguments, "a ThreadPool work item", static parameter => parameter.Name is "callBack" or "callback");
        }

        if (Is(type, _parallelEnumerable))
        {
            return Collect(invocation.Arguments, "a PLINQ " + method.Name, static parameter => parameter.Type.TypeKind == TypeKind.Delegate);
        }

        if (Is(type, _endpoints) && EndpointMethods.Contains(method.Name))
        {
            return Collect(invocation.Arguments, "a " + method.Name + " handler", static parameter => parameter.Name is "handler" or "requestDelegate");
        }

        // Inline middleware: app.Use(async (context, next) => …) and app.Run(context => …) run once per request.
        // app.Use(next => context => …): the outer lambda runs once, the request delegate it returns once per request.
        if (method.Name == "Use" && (Is(type, _useMiddleware) || Is(type, _applicationBuilder) || KnownTypes.Implements(type, _applicationBuilder)))
        {
            return Collect(invocation.Arguments, "an app.Use middleware", static parameter => parameter.Name == "middleware");
        }

        if (Is(type, _runMiddleware) && method.Name == "Run")
        {
            return Collect(invocation.Arguments, "an app.Run handler", static parameter => parameter.Name == "handler");
        }

        if (IsConfigured(invocation, type, method.Name))
        {
            return Collect(invocation.Arguments, "a " + type.Name + "." + method.Name + " delegate", static parameter => parameter.Type.TypeKind == TypeKind.Delegate);
        }

        return ImmutableArray<ConcurrentDelegate>.Empty;
    }

    /// <summary><c>new ParallelOptions { MaxDegreeOfParallelism = 1 }</c> written into the call: one body at a time.</summary>
    private static bool RunsOneAtATime(IInvocationOperation invocation)
    {
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name != "parallelOptions"
                || argument.Value is not IObjectCreationOperation { Initializer: { } initializer })
            {
                continue;
            }

            foreach (var assignment in initializer.Initializers)
            {
                if (assignment is ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.Name: "MaxDegreeOfParallelism" }, Value.ConstantValue: { HasValue: true, Value: 1 } })
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>await Task.Run(...)</c>, <c>Task.Run(...).Wait()</c>, <c>.Result</c>: the caller waits, nothing runs beside the delegate.</summary>
    private static bool IsAwaitedOnTheSpot(IInvocationOperation invocation)
    {
        var parent = invocation.Parent;
        while (parent is IConversionOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "GetAwaiter" })
        {
            parent = parent.Parent;
        }

        return parent switch
        {
            IAwaitOperation => true,
            IInvocationOperation { TargetMethod.Name: "Wait" or "GetResult" } => true,
            IPropertyReferenceOperation { Property.Name: "Result" } => true,
            _ => false,
        };
    }

    private bool IsConfigured(IInvocationOperation invocation, INamedTypeSymbol type, string method)
    {
        if (!_anyConfigured)
        {
            return false;
        }

        var tree = invocation.Syntax.SyntaxTree;
        var value = AnalyzerSettings.Read(_options.GetOptions(tree), ConcurrentMethodsKey)
                    ?? AnalyzerSettings.Read(_options.GlobalOptions, ConcurrentMethodsKey);
        if (value is null)
        {
            return false;
        }

        return _configured.GetOrAdd(value, _resolveConfigured).Contains((type.OriginalDefinition, method));
    }

    /// <summary>"MyApp.Jobs.Fanout.Run, Other.Type.Go": the type's metadata name, a dot, the method name.</summary>
    private ImmutableHashSet<(INamedTypeSymbol Type, string Method)> ResolveConfigured(string value)
    {
        var builder = ImmutableHashSet.CreateBuilder<(INamedTypeSymbol Type, string Method)>();
        foreach (var name in AnalyzerSettings.ParseTypeNames(value))
        {
            var dot = name.LastIndexOf('.');
            if (dot <= 0 || dot == name.Length - 1)
            {
                continue;
            }

            foreach (var type in KnownTypes.Resolve(_compilation, name.Substring(0, dot)))
            {
                builder.Add((type, name.Substring(dot + 1)));
            }
        }

        return builder.ToImmutable();
    }

    private static ImmutableArray<ConcurrentDelegate> Collect(ImmutableArray<IArgumentOperation> arguments, string description, Func<IParameterSymbol, bool> isBody)
    {
        var builder = ImmutableArray.CreateBuilder<ConcurrentDelegate>();
        foreach (var argument in arguments)
        {
            if (argument.Parameter is not { } parameter || !isBody(parameter))
            {
                continue;
            }

            // params Action[]: each element is a delegate of its own.
            if (argument.Value is IArrayCreationOperation { Initializer: { } initializer })
            {
                foreach (var element in initializer.ElementValues)
                {
                    builder.Add(new ConcurrentDelegate(element, description));
                }

                continue;
            }

            builder.Add(new ConcurrentDelegate(argument.Value, description));
        }

        return builder.ToImmutable();
    }

    private static bool Is(INamedTypeSymbol? type, INamedTypeSymbol? known) => KnownTypes.IsDefinitionOf(type, known);
}
