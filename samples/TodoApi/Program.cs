using Microsoft.Data.Sqlite;
using Npgsql;
using TodoApi;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddScoped(_ => new SqliteConnection("Data Source=todos.db"));
builder.Services.AddSingleton<TodoSearch>();
var app = builder.Build();

TodoStore.EnsureCreated();

app.MapGet("/todos", () => TodoStore.All());
app.MapGet("/todos/search", (string q, TodoSearch search) => search.Find(q));
app.MapPost("/todos", async (NewTodo todo, CancellationToken cancellationToken) =>
{
    var created = await TodoStore.AddAsync(todo.Title, cancellationToken);
    return Results.Created($"/todos/{created.Id}", created);
});
app.MapPost("/todos/import", (string[] titles) => Results.Ok(new { imported = TodoImport.Import(titles) }));
app.MapPost("/todos/{id:long}/done", (long id) => TodoStore.MarkDone(id) ? Results.NoContent() : Results.NotFound());

// Views, likes, archiving and reports live in the reporting database (PostgreSQL), when one is configured.
TodoStats? stats = null;
if (app.Configuration.GetConnectionString("Reporting") is { } reportingConnectionString)
{
    var reporting = NpgsqlDataSource.Create(reportingConnectionString);
    stats = new TodoStats(reportingConnectionString);
    var likes = new TodoLikes(reporting);
    likes.EnsureCreated();
    var archive = new TodoArchive(reporting);
    var report = new TodoReport(reporting);
    app.MapGet("/todos/{id:long}/views", (long id) => stats.Views(id));
    app.MapPost("/todos/{id:long}/like", (long id) => Results.Ok(new { likes = likes.Like(id) }));
    app.MapPost("/todos/archive", async (CancellationToken cancellationToken) =>
        Results.Ok(await archive.ArchiveAsync(TodoStore.All().Where(todo => todo.Done).ToList(), cancellationToken)));
    app.MapGet("/todos/archive/counts", async (string[] prefix) => Results.Ok(await report.CountsAsync(prefix)));
}

app.MapGet("/todos/{id:long}", (long id) =>
{
    stats?.RecordView(id);
    return TodoStore.Find(id) is { } todo ? Results.Ok(todo) : Results.NotFound();
});

app.Run();
