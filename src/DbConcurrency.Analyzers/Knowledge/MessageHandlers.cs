using System.Threading;
using Microsoft.CodeAnalysis;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>How many messages a handler's host runs at once, as far as the code shows.</summary>
internal enum HandlerConcurrency
{
    One,
    Many,
    Unknown,
}

/// <summary>
/// Message handlers a host runs several at a time, once per message on one shared instance of whatever
/// they capture: TPL Dataflow blocks given a <c>MaxDegreeOfParallelism</c> other than 1, Azure Service Bus
/// processors with <c>MaxConcurrentCalls</c> above 1 (session processors: 8 sessions at once by default),
/// RabbitMQ consumers on a channel with a <c>ConsumerDispatchConcurrency</c> above 1. Each library
/// defaults to one message at a time except the session processor, so the setting decides; it is read
/// where code writes it (the block's options, or the type that creates the processor or the channel).
/// When the code does not show it, the user says (<see cref="UnknownConcurrencyKey"/>): by default
/// such a handler is not assumed concurrent, to stay silent on code this rule cannot see.
/// </summary>
internal sealed class MessageHandlers
{
    /// <summary><c>sequential</c> (default) or <c>concurrent</c>: a handler whose concurrency comes from configuration or another file.</summary>
    public const string UnknownConcurrencyKey = "dotnet_code_quality.DBC003.unknown_handler_concurrency";

    private const string MaxDegreeOfParallelism = nameof(MaxDegreeOfParallelism);
    private const string MaxConcurrentCalls = nameof(MaxConcurrentCalls);
    private const string MaxConcurrentSessions = nameof(MaxConcurrentSessions);
    private const string MaxConcurrentCallsPerSession = nameof(MaxConcurrentCallsPerSession);
    private const string ConsumerDispatchConcurrency = nameof(ConsumerDispatchConcurrency);

    private readonly INamedTypeSymbol? _actionBlock;
    private readonly INamedTypeSymbol? _transformBlock;
    private readonly INamedTypeSymbol? _transformManyBlock;
    private readonly INamedTypeSymbol? _processor;
    private readonly INamedTypeSymbol? _sessionProcessor;
    private readonly INamedTypeSymbol? _rabbitConsumer;
    private readonly AnalyzerConfigOptionsProvider _options;

    public MessageHandlers(Compilation compilation, AnalyzerConfigOptionsProvider options)
    {
        _options = options;
        _actionBlock = KnownTypes.ResolveOne(compilation, "System.Threading.Tasks.Dataflow.ActionBlock`1");
        _transformBlock = KnownTypes.ResolveOne(compilation, "System.Threading.Tasks.Dataflow.TransformBlock`2");
        _transformManyBlock = KnownTypes.ResolveOne(compilation, "System.Threading.Tasks.Dataflow.TransformManyBlock`2");
        _processor = KnownTypes.ResolveOne(compilation, "Azure.Messaging.ServiceBus.ServiceBusProcessor");
        _sessionProcessor = KnownTypes.ResolveOne(compilation, "Azure.Messaging.ServiceBus.ServiceBusSessionProcessor");
        _rabbitConsumer = KnownTypes.ResolveOne(compilation, "RabbitMQ.Client.Events.AsyncEventingBasicConsumer");
    }

    public bool IsBlock(INamedTypeSymbol type)
        => Is(type, _actionBlock) || Is(type, _transformBlock) || Is(type, _transformManyBlock);

    /// <summary><c>new ActionBlock&lt;T&gt;(handler, new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 4 })</c>.</summary>
    public bool TryDescribeBlock(IObjectCreationOperation creation, INamedTypeSymbol block, CancellationToken cancellationToken, out string description)
    {
        description = string.Empty;
        var origins = new ValueOrigins(creation, cancellationToken);
        var degree = (Concurrency: HandlerConcurrency.One, Shown: " = 1");
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter?.Name == "dataflowBlockOptions")
            {
                degree = origins.Setting(argument.Value, MaxDegreeOfParallelism) ?? degree;
            }
        }

        if (!Runs(degree.Concurrency, creation.Syntax.SyntaxTree))
        {
            return false;
        }

        description = Article(block.Name) + block.Name + " delegate (" + MaxDegreeOfParallelism + degree.Shown + ")";
        return true;
    }

    /// <summary><c>processor.ProcessMessageAsync += Handle</c>, <c>consumer.ReceivedAsync += async (_, message) => …</c>.</summary>
    public bool TryDescribeHandler(IEventAssignmentOperation assignment, IEventSymbol @event, CancellationToken cancellationToken, out string description)
    {
        description = string.Empty;
        var type = @event.ContainingType;
        var receiver = (assignment.EventReference as IEventReferenceOperation)?.Instance;
        if (receiver is null || type is null)
        {
            return false;
        }

        var origins = new ValueOrigins(assignment, cancellationToken);
        (HandlerConcurrency Concurrency, string Shown) found;
        if (@event.Name == "ProcessMessageAsync" && Is(type, _processor))
        {
            found = FromCreation(origins, receiver, "CreateProcessor", MaxConcurrentCalls, (HandlerConcurrency.One, " not set"));
        }
        else if (@event.Name == "ProcessMessageAsync" && Is(type, _sessionProcessor))
        {
            // Sessions run beside each other (8 by default); calls within a session one at a time by default.
            found = FromCreation(origins, receiver, "CreateSessionProcessor", MaxConcurrentCallsPerSession, (HandlerConcurrency.One, " not set"));
            if (found.Concurrency != HandlerConcurrency.Many)
            {
                found = FromCreation(origins, receiver, "CreateSessionProcessor", MaxConcurrentSessions, (HandlerConcurrency.Many, " = 8 by default"));
            }
        }
        else if (@event.Name == "ReceivedAsync" && Is(type, _rabbitConsumer))
        {
            found = FromChannel(origins, receiver);
        }
        else
        {
            return false;
        }

        if (!Runs(found.Concurrency, assignment.Syntax.SyntaxTree))
        {
            return false;
        }

        description = Article(type.Name) + type.Name + "." + @event.Name + " handler (" + found.Shown + ")";
        return true;
    }

    /// <summary>The setting on the options given to the call that made <paramref name="receiver"/>, named for the message.</summary>
    private static (HandlerConcurrency Concurrency, string Shown) FromCreation(ValueOrigins origins, IOperation receiver, string factoryMethod, string setting, (HandlerConcurrency, string) libraryDefault)
    {
        if (origins.Of(receiver) is not IInvocationOperation invocation || invocation.TargetMethod.Name != factoryMethod)
        {
            return (HandlerConcurrency.Unknown, setting + " set elsewhere");
        }

        var found = libraryDefault;
        foreach (var argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == "options" && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                found = origins.Setting(argument.Value, setting) ?? libraryDefault;
            }
        }

        return (found.Item1, setting + found.Item2);
    }

    /// <summary>
    /// A consumer's dispatch concurrency: set on the channel's options, or else inherited from the connection
    /// factory. A channel and factory made here without it dispatch one message at a time.
    /// </summary>
    private static (HandlerConcurrency Concurrency, string Shown) FromChannel(ValueOrigins origins, IOperation consumer)
    {
        var unknown = (HandlerConcurrency.Unknown, ConsumerDispatchConcurrency + " set elsewhere");
        if (origins.Of(consumer) is not IObjectCreationOperation creation
            || ArgumentNamed(creation.Arguments, "channel") is not { } channelValue
            || origins.Of(channelValue) is not IInvocationOperation { TargetMethod.Name: "CreateChannelAsync" } channel)
        {
            return unknown;
        }

        if (ArgumentNamed(channel.Arguments, "options") is { } options
            && origins.Setting(options, ConsumerDispatchConcurrency) is { } onChannel)
        {
            return (onChannel.Concurrency, ConsumerDispatchConcurrency + onChannel.Shown);
        }

        if (channel.Instance is not { } connectionValue
            || origins.Of(connectionValue) is not IInvocationOperation { TargetMethod.Name: "CreateConnectionAsync", Instance: { } factoryValue })
        {
            return unknown;
        }

        if (origins.Of(factoryValue) is not IObjectCreationOperation)
        {
            return unknown;
        }

        var onFactory = origins.Setting(factoryValue, ConsumerDispatchConcurrency);
        return onFactory is { } set
            ? (set.Concurrency, ConsumerDispatchConcurrency + set.Shown)
            : (HandlerConcurrency.One, ConsumerDispatchConcurrency + " not set");
    }

    private static IOperation? ArgumentNamed(ImmutableArray<IArgumentOperation> arguments, string name)
    {
        foreach (var argument in arguments)
        {
            if (argument.Parameter?.Name == name && argument.ArgumentKind == ArgumentKind.Explicit)
            {
                return argument.Value;
            }
        }

        return null;
    }

    private static string Article(string name) => name.Length > 0 && "AEIOU".IndexOf(name[0]) >= 0 ? "an " : "a ";

    private bool Runs(HandlerConcurrency concurrency, SyntaxTree tree)
    {
        if (concurrency != HandlerConcurrency.Unknown)
        {
            return concurrency == HandlerConcurrency.Many;
        }

        var value = AnalyzerSettings.Read(_options.GetOptions(tree), UnknownConcurrencyKey)
                    ?? AnalyzerSettings.Read(_options.GlobalOptions, UnknownConcurrencyKey);
        return string.Equals(value?.Trim(), "concurrent", System.StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A constant 1 is one at a time; any other constant, or the machine's processor count, is many; the rest is unknown.</summary>
    internal static (HandlerConcurrency Concurrency, string Shown) Classify(IOperation value)
    {
        var shown = " = " + value.Syntax.ToString();
        value = FunctionBody.Unwrap(value);
        if (value.ConstantValue is { HasValue: true, Value: var constant })
        {
            return (constant is int or ushort or short or long && System.Convert.ToInt64(constant, System.Globalization.CultureInfo.InvariantCulture) == 1 ? HandlerConcurrency.One : HandlerConcurrency.Many, shown);
        }

        foreach (var operation in value.DescendantsAndSelf())
        {
            if (operation is IPropertyReferenceOperation { Property: { Name: "ProcessorCount", ContainingType.Name: "Environment" } })
            {
                return (HandlerConcurrency.Many, shown);
            }
        }

        return (HandlerConcurrency.Unknown, shown);
    }

    internal static (HandlerConcurrency Concurrency, string Shown)? Strongest((HandlerConcurrency Concurrency, string Shown)? current, (HandlerConcurrency Concurrency, string Shown)? next)
    {
        if (current is not { } have)
        {
            return next;
        }

        if (next is not { } candidate)
        {
            return have;
        }

        return Rank(candidate.Item1) > Rank(have.Item1) ? candidate : have;

        static int Rank(HandlerConcurrency concurrency) => concurrency switch
        {
            HandlerConcurrency.Many => 2,
            HandlerConcurrency.Unknown => 1,
            _ => 0,
        };
    }

    private static bool Is(INamedTypeSymbol? type, INamedTypeSymbol? known) => KnownTypes.IsDefinitionOf(type, known);
}
