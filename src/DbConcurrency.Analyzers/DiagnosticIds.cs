namespace DbConcurrency.Analyzers;

/// <summary>Rule IDs by behaviour name. IDs are stable once shipped; new rules take the next free number.</summary>
public static class DiagnosticIds
{
    public const string StaticDatabaseObject = "DBC001";
    public const string SingletonDatabaseObject = "DBC002";
    public const string ConcurrentDelegateCapture = "DBC003";
    public const string OverlappingOperations = "DBC004";
    public const string UnsynchronizedUse = "DBC005";
    public const string TransactionScopeWithoutAsyncFlow = "DBC006";
    public const string LostUpdate = "DBC007";
}
