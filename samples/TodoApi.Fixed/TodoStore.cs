using Dapper;
using Microsoft.Data.Sqlite;

namespace TodoApi;

/// <summary>Todo persistence. Every request thread goes through this one class.</summary>
public static class TodoStore
{
    private const string ConnectionString = "Data Source=todos.db";

    private static SqliteConnection CreateConnection() => new SqliteConnection(ConnectionString);

    public static void EnsureCreated()
    {
        using var connection = CreateConnection();
        connection.Open();
        connection.Execute("create table if not exists todos (id integer primary key, title text not null, done integer not null default 0)");
    }

    public static IReadOnlyList<Todo> All()
    {
        using var connection = CreateConnection();
        connection.Open();
        return connection.Query<Todo>("select id, title, done from todos order by id").AsList();
    }

    public static Todo? Find(long id)
    {
        using var connection = CreateConnection();
        connection.Open();
        return connection.QuerySingleOrDefault<Todo>("select id, title, done from todos where id = @id", new { id });
    }

    public static async Task<Todo> AddAsync(string title, CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        var id = await connection.ExecuteScalarAsync<long>(
            new CommandDefinition("insert into todos(title) values (@title); select last_insert_rowid();", new { title }, cancellationToken: cancellationToken));
        return new Todo(id, title, false);
    }

    public static bool MarkDone(long id)
    {
        using var connection = CreateConnection();
        connection.Open();
        return connection.Execute("update todos set done = 1 where id = @id", new { id }) == 1;
    }
}
