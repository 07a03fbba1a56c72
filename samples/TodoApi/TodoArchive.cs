using System.Transactions;
using Dapper;
using Npgsql;

namespace TodoApi;

/// <summary>Copies finished todos to the reporting database (PostgreSQL), all or nothing.</summary>
public sealed class TodoArchive(NpgsqlDataSource archive)
{
    public async Task<int> ArchiveAsync(IReadOnlyList<Todo> done, CancellationToken cancellationToken)
    {
        using var scope = new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted });
        await using var connection = await archive.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("create table if not exists archived_todos (id bigint primary key, title text not null)");

        var archived = 0;
        foreach (var todo in done)
        {
            archived += await connection.ExecuteAsync(new CommandDefinition(
                "insert into archived_todos(id, title) values (@Id, @Title) on conflict (id) do nothing",
                todo,
                cancellationToken: cancellationToken));
        }

        scope.Complete();
        return archived;
    }
}
