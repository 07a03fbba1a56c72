using Dapper;
using Npgsql;

namespace TodoApi;

/// <summary>View counters in the reporting database, on one connection the app opens at startup and shares between requests under <c>_gate</c>.</summary>
public sealed class TodoStats : IDisposable
{
    private readonly object _gate = new();
    private readonly NpgsqlConnection _connection;

    public TodoStats(string connectionString)
    {
        _connection = new NpgsqlConnection(connectionString);
        _connection.Open();
        _connection.Execute("create table if not exists todo_views (todo_id bigint primary key, views bigint not null)");
    }

    public void RecordView(long id)
    {
        lock (_gate)
        {
            _connection.Execute(
                "insert into todo_views(todo_id, views) values (@id, 1) on conflict (todo_id) do update set views = todo_views.views + 1",
                new { id });
        }
    }

    public long Views(long id)
        => _connection.ExecuteScalar<long>("select coalesce((select views from todo_views where todo_id = @id), 0)", new { id });

    public void Dispose() => _connection.Dispose();
}
