using TodoApi;

var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

TodoStore.EnsureCreated();

app.MapGet("/todos", () => TodoStore.All());
app.MapGet("/todos/{id:long}", (long id) => TodoStore.Find(id) is { } todo ? Results.Ok(todo) : Results.NotFound());
app.MapPost("/todos", async (NewTodo todo, CancellationToken cancellationToken) =>
{
    var created = await TodoStore.AddAsync(todo.Title, cancellationToken);
    return Results.Created($"/todos/{created.Id}", created);
});
app.MapPost("/todos/{id:long}/done", (long id) => TodoStore.MarkDone(id) ? Results.NoContent() : Results.NotFound());

app.Run();
