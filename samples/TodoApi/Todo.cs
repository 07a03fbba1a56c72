namespace TodoApi;

public sealed record Todo(long Id, string Title, bool Done)
{
    // SQLite has no boolean type: Dapper materializes rows through the constructor whose types match the columns.
    public Todo(long id, string title, long done)
        : this(id, title, done != 0)
    {
    }
}

public sealed record NewTodo(string Title);
