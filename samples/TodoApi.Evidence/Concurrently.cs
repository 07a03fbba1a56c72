using System.Collections.Concurrent;

namespace TodoApi.Evidence;

/// <summary>What one twin did under load: how many operations ran, how many failed, and the first failure seen.</summary>
public sealed record Outcome(int Operations, int Failures, string? Example);

/// <summary>Runs operations on several workers released at the same moment, counting each operation that throws.</summary>
public static class Concurrently
{
    public static async Task<Outcome> RunAsync(int workers, int operations, Func<int, Task> operation)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var next = -1;
        var failures = 0;
        var examples = new ConcurrentQueue<string>();
        var tasks = new Task[workers];
        for (var worker = 0; worker < workers; worker++)
        {
            tasks[worker] = Task.Run(async () =>
            {
                await start.Task;
                for (var index = Interlocked.Increment(ref next); index < operations; index = Interlocked.Increment(ref next))
                {
                    try
                    {
                        await operation(index);
                    }
                    catch (Exception exception)
                    {
                        Interlocked.Increment(ref failures);
                        examples.Enqueue(Describe(exception));
                    }
                }
            });
        }

        start.SetResult();
        await Task.WhenAll(tasks);
        return new Outcome(operations, failures, examples.TryPeek(out var example) ? example : null);
    }

    public static string Describe(Exception exception)
    {
        var inner = exception is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : exception;
        while (inner.InnerException is not null && inner is System.Transactions.TransactionException)
        {
            inner = inner.InnerException;
        }

        var message = inner.Message.ReplaceLineEndings(" ");
        return inner.GetType().Name + ": " + (message.Length > 120 ? message[..117] + "..." : message);
    }
}
