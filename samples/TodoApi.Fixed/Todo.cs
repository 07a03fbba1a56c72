namespace TodoApi;

public sealed record Todo(long Id, string Title, bool Done);

public sealed record NewTodo(string Title);
