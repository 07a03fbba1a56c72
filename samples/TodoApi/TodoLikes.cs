using Dapper;
using Npgsql;

namespace TodoApi;

/// <summary>Likes per todo in the reporting database: read the count, add one, write it back. Each call has its own connection.</summary>
public sealed class TodoLikes(NpgsqlDataSource reporting)
{
    public void EnsureCreated()
    {
        using var connection = reporting.OpenConnection();
        connection.Execute("create table if not exists todo_likes (todo_id bigint primary key, likes bigint not null)");
    }

    public long Like(long id)
    {
        using var connection = reporting.OpenConnection();
        connection.Execute("insert into todo_likes(todo_id, likes) values (@id, 0) on conflict (todo_id) do nothing", new { id });
        var likes = connection.ExecuteScalar<long>("select likes from todo_likes where todo_id = @id", new { id });
        connection.Execute("update todo_likes set likes = @likes where todo_id = @id", new { likes = likes + 1, id });
        return likes + 1;
    }

    public long Likes(long id)
    {
        using var connection = reporting.OpenConnection();
        return connection.ExecuteScalar<long>("select coalesce((select likes from todo_likes where todo_id = @id), 0)", new { id });
    }
}
