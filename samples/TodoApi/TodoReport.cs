using Dapper;
using Npgsql;

namespace TodoApi;

/// <summary>Archive statistics: one count per title prefix, all started together to answer sooner.</summary>
public sealed class TodoReport(NpgsqlDataSource archive)
{
    public async Task<long[]> CountsAsync(IReadOnlyList<string> prefixes)
    {
        await using var connection = await archive.OpenConnectionAsync();
        var counts = await Task.WhenAll(prefixes.Select(prefix => connection.ExecuteScalarAsync<long>("select count(*) from archived_todos where title like @prefix || '%'", new { prefix })));
        return counts;
    }
}
