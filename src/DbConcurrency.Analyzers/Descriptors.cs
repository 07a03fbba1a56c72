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
