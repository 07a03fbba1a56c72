using Dapper;
using Microsoft.Data.Sqlite;

namespace TodoApi;

/// <summary>Title search. A singleton, so every request reuses it, and with it the one connection it was given.</summary>
public sealed class TodoSearch(SqliteConnection connection)
{
    public IReadOnlyList<Todo> Find(string text)
    {
        return connection.Query<Todo>(
            "select id, title, done from todos where title like '%' || @text || '%' order by id",
            new { text }).AsList();
    }
}
