using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.ConcurrentDelegateCaptureAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

/// <summary>
/// DBC003 on message handlers a host runs several at a time: TPL Dataflow blocks, Azure Service Bus
/// processors and RabbitMQ consumers, against the real libraries. Each runs one message at a time unless
/// told otherwise (the Service Bus session processor excepted), so the setting decides.
/// </summary>
public class ConcurrentMessageHandlerTests
{
    private const string Usings = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using System.Threading.Tasks.Dataflow;
        using Azure.Messaging.ServiceBus;
        using Dapper;
        using Microsoft.Data.Sqlite;
        using Microsoft.EntityFrameworkCore;
        using Microsoft.Extensions.Hosting;
        using RabbitMQ.Client;
        using RabbitMQ.Client.Events;

        public class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
        {
            public DbSet<Order> Orders => Set<Order>();
        }

        public class Order { public int Id { get; set; } public string Body { get; set; } = ""; }

        """;

    private const string UnknownIsConcurrent = """
        root = true

        [*.cs]
        dotnet_code_quality.DBC003.unknown_handler_concurrency = concurrent
        """;

    private static DiagnosticResult Captured(int location, string name, string type, string entryPoint)
        => Verify.Diagnostic("DBC003").WithLocation(location).WithArguments(name, type, "captured by", entryPoint);

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected)
        => Verify.VerifyAsync(ReferenceSets.Messaging, Usings + source, expected);

    [Fact]
    public async Task Dataflow_blocks_running_several_messages_at_once_report_what_they_capture()
    {
        await VerifyAsync("""
            public sealed class Importer(AppDbContext db)
            {
                private readonly AppDbContext _db = db;

                public async Task Run(string[] titles, string connectionString)
                {
                    using var connection = new SqliteConnection(connectionString);
                    var insert = new ActionBlock<string>(
                        title => {|#0:connection|}.Execute("insert into todos(title) values (@title)", new { title }),
                        new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 4 });

                    var options = new ExecutionDataflowBlockOptions();
                    options.MaxDegreeOfParallelism = Environment.ProcessorCount;
                    var load = new TransformBlock<int, Order?>(id => this.{|#1:_db|}.Orders.Find(id), options);

                    var unbounded = new ActionBlock<Order>(
                        async order => { {|#2:_db|}.Orders.Add(order); await _db.SaveChangesAsync(); },
                        new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = DataflowBlockOptions.Unbounded });

                    foreach (var title in titles) insert.Post(title);
                    insert.Complete();
                    await insert.Completion;
                }
            }
            """,
            Captured(0, "connection", "SqliteConnection", "an ActionBlock delegate (MaxDegreeOfParallelism = 4)"),
            Captured(1, "_db", "AppDbContext", "a TransformBlock delegate (MaxDegreeOfParallelism = Environment.ProcessorCount)"),
            Captured(2, "_db", "AppDbContext", "an ActionBlock delegate (MaxDegreeOfParallelism = DataflowBlockOptions.Unbounded)"));
    }

    [Fact]
    public async Task Dataflow_blocks_one_message_at_a_time_or_creating_their_own_connection_are_not_reported()
    {
        await VerifyAsync("""
            public sealed class Importer(AppDbContext db, IDbContextFactory<AppDbContext> factory)
            {
                public async Task Run(string connectionString)
                {
                    using var connection = new SqliteConnection(connectionString);
                    var byDefault = new ActionBlock<string>(title => connection.Execute("select @title", new { title }));
                    var one = new ActionBlock<int>(id => db.Orders.Find(id), new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 1, BoundedCapacity = 100 });
                    var options = new ExecutionDataflowBlockOptions { BoundedCapacity = 10 };
                    var stillOne = new TransformBlock<int, Order?>(id => db.Orders.Find(id), options);

                    var parallel = new ActionBlock<string>(
                        async title =>
                        {
                            await using var own = new SqliteConnection(connectionString);
                            await own.ExecuteAsync("select @title", new { title });
                            await using var context = await factory.CreateDbContextAsync();
                            await context.SaveChangesAsync();
                        },
                        new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 8 });

                    byDefault.Complete();
                    await byDefault.Completion;
                }
            }
            """);
    }

    [Fact]
    public async Task Dataflow_degree_from_configuration_is_the_users_call()
    {
        const string source = """
            public sealed class Importer(AppDbContext db)
            {
                public ActionBlock<int> Build(int degree)
                    => new(id => {|#0:db|}.Orders.Find(id), new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = degree });
            }
            """;

        await Verify.VerifyAsync(ReferenceSets.Messaging, Usings + source.Replace("{|#0:db|}", "db", StringComparison.Ordinal));
        await Verify.VerifyAsync(
            ReferenceSets.Messaging,
            Usings + source,
            UnknownIsConcurrent,
            Captured(0, "db", "AppDbContext", "an ActionBlock delegate (MaxDegreeOfParallelism = degree)"));
    }

    [Fact]
    public async Task Service_Bus_processor_with_several_concurrent_calls_shares_the_workers_context()
    {
        await VerifyAsync("""
            public sealed class OrderWorker(ServiceBusClient client, AppDbContext db) : BackgroundService
            {
                private readonly AppDbContext _db = db;
                private ServiceBusProcessor? _processor;

                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    _processor = client.CreateProcessor("orders", new ServiceBusProcessorOptions { MaxConcurrentCalls = 16, AutoCompleteMessages = false });
                    _processor.ProcessMessageAsync += {|#0:HandleAsync|};
                    _processor.ProcessErrorAsync += _ => Task.CompletedTask;
                    await _processor.StartProcessingAsync(stoppingToken);
                }

                private async Task HandleAsync(ProcessMessageEventArgs args)
                {
                    _db.Orders.Add(new Order { Body = args.Message.Body.ToString() });
                    await _db.SaveChangesAsync(args.CancellationToken);
                    await args.CompleteMessageAsync(args.Message);
                }
            }
            """,
            Verify.Diagnostic("DBC003").WithLocation(0).WithArguments("_db", "AppDbContext", "used, through 'HandleAsync', by", "a ServiceBusProcessor.ProcessMessageAsync handler (MaxConcurrentCalls = 16)"));
    }

    [Fact]
    public async Task Service_Bus_session_processor_runs_eight_sessions_at_once_by_default()
    {
        await VerifyAsync("""
            public static class Sessions
            {
                public static async Task Run(ServiceBusClient client, SqliteConnection connection)
                {
                    await using var processor = client.CreateSessionProcessor("orders");
                    processor.ProcessMessageAsync += async args => await {|#0:connection|}.ExecuteAsync("select 1");
                    processor.ProcessErrorAsync += _ => Task.CompletedTask;
                    await processor.StartProcessingAsync();
                }

                public static async Task One(ServiceBusClient client, SqliteConnection connection)
                {
                    var options = new ServiceBusSessionProcessorOptions { MaxConcurrentSessions = 1 };
                    await using var processor = client.CreateSessionProcessor("orders", options);
                    processor.ProcessMessageAsync += async args => await connection.ExecuteAsync("select 1");
                    await processor.StartProcessingAsync();
                }
            }
            """,
            Captured(0, "connection", "SqliteConnection", "a ServiceBusSessionProcessor.ProcessMessageAsync handler (MaxConcurrentSessions = 8 by default)"));
    }

    [Fact]
    public async Task Service_Bus_processor_one_call_at_a_time_or_opening_a_scope_per_message_is_not_reported()
    {
        await VerifyAsync("""
            public sealed class OrderWorker(ServiceBusClient client, AppDbContext db, IDbContextFactory<AppDbContext> factory) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    var sequential = client.CreateProcessor("orders");
                    sequential.ProcessMessageAsync += async args => { db.Orders.Add(new Order()); await db.SaveChangesAsync(); };
                    sequential.ProcessErrorAsync += _ => Task.CompletedTask;

                    var parallel = client.CreateProcessor("audit", new ServiceBusProcessorOptions { MaxConcurrentCalls = 10 });
                    parallel.ProcessMessageAsync += async args =>
                    {
                        await using var context = await factory.CreateDbContextAsync(args.CancellationToken);
                        context.Orders.Add(new Order());
                        await context.SaveChangesAsync(args.CancellationToken);
                    };
                    parallel.ProcessErrorAsync += _ => Task.CompletedTask;

                    await sequential.StartProcessingAsync(stoppingToken);
                    await parallel.StartProcessingAsync(stoppingToken);
                }
            }
            """);
    }

    [Fact]
    public async Task Service_Bus_processor_made_elsewhere_is_the_users_call_and_a_settings_class_of_their_own_is_not_the_setting()
    {
        const string source = """
            public sealed class Settings { public int MaxConcurrentCalls { get; set; } }

            public sealed class OrderWorker(ServiceBusProcessor processor, AppDbContext db) : BackgroundService
            {
                private readonly Settings _settings = new() { MaxConcurrentCalls = 32 };

                protected override Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    processor.ProcessMessageAsync += async args => await {|#0:db|}.SaveChangesAsync();
                    processor.ProcessErrorAsync += _ => Task.CompletedTask;
                    return processor.StartProcessingAsync(stoppingToken);
                }
            }
            """;

        await Verify.VerifyAsync(ReferenceSets.Messaging, Usings + source.Replace("{|#0:db|}", "db", StringComparison.Ordinal));
        await Verify.VerifyAsync(
            ReferenceSets.Messaging,
            Usings + source,
            UnknownIsConcurrent,
            Captured(0, "db", "AppDbContext", "a ServiceBusProcessor.ProcessMessageAsync handler (MaxConcurrentCalls set elsewhere)"));
    }

    [Fact]
    public async Task RabbitMQ_consumer_on_a_channel_dispatching_several_messages_at_once_is_reported()
    {
        await VerifyAsync("""
            public sealed class OrderConsumer(AppDbContext db) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    var factory = new ConnectionFactory { HostName = "localhost", ConsumerDispatchConcurrency = 8 };
                    await using var connection = await factory.CreateConnectionAsync(stoppingToken);
                    await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
                    var consumer = new AsyncEventingBasicConsumer(channel);
                    consumer.ReceivedAsync += async (_, delivery) =>
                    {
                        {|#0:db|}.Orders.Add(new Order { Body = System.Text.Encoding.UTF8.GetString(delivery.Body.Span) });
                        await db.SaveChangesAsync();
                    };
                    await channel.BasicConsumeAsync("orders", autoAck: true, consumer, stoppingToken);
                    await Task.Delay(Timeout.Infinite, stoppingToken);
                }
            }

            public sealed class AuditConsumer(SqliteConnection connection)
            {
                public async Task Start(IConnection rabbit)
                {
                    await using var channel = await rabbit.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 4));
                    var consumer = new AsyncEventingBasicConsumer(channel);
                    consumer.ReceivedAsync += {|#1:OnMessage|};
                }

                private async Task OnMessage(object sender, BasicDeliverEventArgs delivery)
                    => await connection.ExecuteAsync("insert into audit(tag) values (@tag)", new { tag = (long)delivery.DeliveryTag });
            }
            """,
            Captured(0, "db", "AppDbContext", "an AsyncEventingBasicConsumer.ReceivedAsync handler (ConsumerDispatchConcurrency = 8)"),
            Verify.Diagnostic("DBC003").WithLocation(1).WithArguments("connection", "SqliteConnection", "used, through 'OnMessage', by", "an AsyncEventingBasicConsumer.ReceivedAsync handler (ConsumerDispatchConcurrency = 4)"));
    }

    [Fact]
    public async Task RabbitMQ_consumer_on_a_default_channel_runs_one_message_at_a_time()
    {
        await VerifyAsync("""
            public sealed class OrderConsumer(AppDbContext db) : BackgroundService
            {
                protected override async Task ExecuteAsync(CancellationToken stoppingToken)
                {
                    var factory = new ConnectionFactory { HostName = "localhost" };
                    await using var connection = await factory.CreateConnectionAsync(stoppingToken);
                    await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
                    var consumer = new AsyncEventingBasicConsumer(channel);
                    consumer.ReceivedAsync += async (_, delivery) => { db.Orders.Add(new Order()); await db.SaveChangesAsync(); };
                    await channel.BasicConsumeAsync("orders", autoAck: true, consumer, stoppingToken);
                }
            }
            """);
    }

    [Fact]
    public async Task Top_level_statements_and_options_set_on_a_local_are_read()
    {
        var test = new Verify.Test
        {
            TestCode = """
            using System.Threading.Tasks.Dataflow;
            using Azure.Messaging.ServiceBus;
            using Dapper;
            using Microsoft.Data.Sqlite;

            using var connection = new SqliteConnection("Data Source=orders.db");
            var block = new ActionBlock<int>(id => {|#0:connection|}.Execute("delete from orders where id = @id", new { id }), new() { MaxDegreeOfParallelism = 2 });

            await using var client = new ServiceBusClient("Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=s");
            var options = new ServiceBusProcessorOptions { AutoCompleteMessages = true };
            options.MaxConcurrentCalls = 4;
            await using var processor = client.CreateProcessor("orders", options);
            processor.ProcessMessageAsync += async args => await {|#1:connection|}.ExecuteAsync("select 1");
            processor.ProcessErrorAsync += _ => System.Threading.Tasks.Task.CompletedTask;
            await processor.StartProcessingAsync();
            """,
        };
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.Use(ReferenceSets.Messaging);
        test.ExpectedDiagnostics.Add(Captured(0, "connection", "SqliteConnection", "an ActionBlock delegate (MaxDegreeOfParallelism = 2)"));
        test.ExpectedDiagnostics.Add(Captured(1, "connection", "SqliteConnection", "a ServiceBusProcessor.ProcessMessageAsync handler (MaxConcurrentCalls = 4)"));
        await test.RunAsync();
    }
}
