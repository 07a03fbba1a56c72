using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers;

/// <summary>Every rule's descriptor, made by one factory so help links, categories and tags cannot drift.</summary>
internal static class Descriptors
{
    public const string Category = "Concurrency";

    /// <summary>Where rule pages live; each descriptor's help link is this plus <c>DBCnnn.md</c>.</summary>
    public const string HelpLinkBase = "https://github.com/dbconcurrency/DbConcurrency.Analyzers/blob/main/docs/rules/";

    public static readonly DiagnosticDescriptor StaticDatabaseObject = Create(
        DiagnosticIds.StaticDatabaseObject,
        title: "Database object stored in a static field or property",
        messageFormat: "'{0}' ({1}) is a static {2}, so every thread that uses it shares the same {3}, which is not thread-safe",
        DiagnosticSeverity.Warning,
        description: "A connection, command, reader, transaction or DbContext kept in a static member is shared by every thread, "
            + "request and job in the process. These objects allow one operation at a time; concurrent use fails with "
            + "'There is already an open DataReader', 'A second operation was started on this context instance', or corrupts state. "
            + "Keep a factory (connection string, DbDataSource, IDbContextFactory<T>) in the static member instead and create, "
            + "use and dispose one instance per operation.");

    public static readonly DiagnosticDescriptor SingletonDatabaseObject = Create(
        DiagnosticIds.SingletonDatabaseObject,
        title: "Database object held by a singleton-lifetime service",
        messageFormat: "{0} keeps one {1} for the life of the process, shared by every request and thread: {2}",
        DiagnosticSeverity.Warning,
        description: "A singleton, a hosted service or conventional middleware is created once and serves every request on "
            + "every thread, so a connection, transaction or DbContext it takes in its constructor or keeps in a field is shared "
            + "by all of them, including one that reaches it through scoped or transient services (a captive dependency). "
            + "ASP.NET Core's scope validation catches only some of these, at run time. Inject a factory instead "
            + "(IDbContextFactory<T>, DbDataSource, IServiceScopeFactory) and create one instance per operation, register "
            + "the service as scoped, or, for middleware, take the dependency as an InvokeAsync parameter.");

    public static readonly DiagnosticDescriptor ConcurrentDelegateCapture = Create(
        DiagnosticIds.ConcurrentDelegateCapture,
        title: "Database object captured by a delegate that runs concurrently",
        messageFormat: "'{0}' ({1}) is {2} {3}, which runs on several threads at once",
        DiagnosticSeverity.Warning,
        description: "A Parallel body, a Task.Run left running, a thread, a timer callback, a PLINQ operator or an endpoint "
            + "handler runs on several threads at the same time. A connection, command, reader, transaction or DbContext "
            + "created outside it and used inside it is used by all of them at once and fails with 'There is already an open "
            + "DataReader', 'A second operation was started on this context instance' or 'An operation is already in progress'. "
            + "Create the object inside the delegate, or give each worker its own (Parallel's localInit/localFinally overload).");

    public static readonly DiagnosticDescriptor OverlappingOperations = Create(
        DiagnosticIds.OverlappingOperations,
        title: "Overlapping asynchronous operations on one database object",
        messageFormat: "'{0}' ({1}) starts {2} while {3} is still running on it, and it allows one operation at a time",
        DiagnosticSeverity.Warning,
        description: "An asynchronous operation on a connection, command or DbContext runs until its task completes. Starting "
            + "another operation on the same object before awaiting the first — tasks kept and awaited later, Task.WhenAll over "
            + "queries on one context, one task per item from Select, a task per loop iteration awaited after the loop, a "
            + "discarded SaveChangesAsync, a query or save inside a foreach that reads another query's rows as it loops, a "
            + "command sent on a connection while a while (reader.Read()) loop reads from it — fails "
            + "with 'A second operation was started on this context instance before a previous operation completed', 'An "
            + "operation is already in progress' or 'There is already an open DataReader'. Await each operation before the "
            + "next, copy a loop's rows first (ToListAsync), or give each task its own instance from a factory.");

    public static readonly DiagnosticDescriptor UnsynchronizedUse = Create(
        DiagnosticIds.UnsynchronizedUse,
        title: "Shared database object used without the synchronization its other uses have",
        messageFormat: "'{0}' ({1}) is used here {2}, while its other uses hold {3}, so this use can run at the same time as theirs",
        DiagnosticSeverity.Warning,
        description: "Some uses of this connection, command or context take a lock or semaphore and others do not: the author expected "
            + "several threads and guarded only part of the access. A guard only excludes code that takes it too, so the unguarded "
            + "use runs alongside the guarded ones and fails with 'There is already an open DataReader' or 'A second operation was "
            + "started on this context instance'. A lock or Monitor held across an await does not exclude anyone once the method "
            + "resumes on another thread. Take the same guard here, or give each operation its own instance.");

    public static readonly DiagnosticDescriptor TransactionScopeWithoutAsyncFlow = Create(
        DiagnosticIds.TransactionScopeWithoutAsyncFlow,
        title: "TransactionScope in async code without TransactionScopeAsyncFlowOption.Enabled",
        messageFormat: "This TransactionScope spans an await in {0} but is created without TransactionScopeAsyncFlowOption.Enabled, so the commands after the await run outside the transaction",
        DiagnosticSeverity.Warning,
        description: "The ambient transaction of a TransactionScope lives in thread-local state unless the scope is created with "
            + "TransactionScopeAsyncFlowOption.Enabled. After an await the method can resume on another thread, where connections "
            + "opened or commands run see no transaction: their work commits on its own and is not rolled back with the scope, and "
            + "disposing the scope on the other thread throws. Pass TransactionScopeAsyncFlowOption.Enabled.");

    public static readonly DiagnosticDescriptor LostUpdate = Create(
        DiagnosticIds.LostUpdate,
        title: "Read-modify-write of a database value without isolation loses concurrent updates",
        messageFormat: "'{0}' of '{1}' is read here and written back by {2} with no row lock, isolating transaction or concurrency check, so concurrent callers overwrite each other's updates",
        DiagnosticSeverity.Warning,
        description: "Two callers that each read a value, change it in the application and write it back interleave: both read the "
            + "same old value and the second write erases the first (a lost update). Separate connections do not help, and neither "
            + "does a transaction at the default ReadCommitted level. Let the database compute the new value in one statement "
            + "(UPDATE … SET x = x + @delta), lock the row when reading it (SELECT … FOR UPDATE, WITH (UPDLOCK)) inside a transaction, "
            + "run both at RepeatableRead or Serializable, or, with EF Core, make the property a concurrency token so a conflicting "
            + "save throws DbUpdateConcurrencyException instead of overwriting.");

    private static DiagnosticDescriptor Create(
        string id,
        string title,
        string messageFormat,
        DiagnosticSeverity severity,
        string description)
    {
#pragma warning disable RS0030 // The one sanctioned use of the constructor.
        return new DiagnosticDescriptor(
            id,
            title,
            messageFormat,
            Category,
            severity,
            isEnabledByDefault: true,
            description: description,
            helpLinkUri: HelpLinkBase + id + ".md",
            customTags: WellKnownDiagnosticTags.Telemetry);
#pragma warning restore RS0030
    }
}
