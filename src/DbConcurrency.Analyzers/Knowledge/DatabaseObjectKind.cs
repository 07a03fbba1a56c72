namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>What a non-thread-safe database object is, so messages and fixes can speak of it plainly.</summary>
internal enum DatabaseObjectKind
{
    Connection,
    Command,
    Reader,
    Transaction,
    Batch,
    Context,
    Session,
    Other,
}
