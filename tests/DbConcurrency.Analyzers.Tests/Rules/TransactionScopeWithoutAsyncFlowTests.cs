using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.Testing;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    DbConcurrency.Analyzers.Rules.TransactionScopeWithoutAsyncFlowAnalyzer,
    DbConcurrency.CodeFixes.Rules.TransactionScopeWithoutAsyncFlowCodeFixProvider>;
using VerifyAnalyzer = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.TransactionScopeWithoutAsyncFlowAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class TransactionScopeWithoutAsyncFlowTests
{
    private static DiagnosticResult Dbc006(string function)
        => Verify.Diagnostic("DBC006").WithLocation(0).WithArguments(function);

    [Fact]
    public async Task Using_declaration_spanning_an_await_is_reported_with_the_method_name_and_fixed()
    {
        var test = new Verify.Test(ReferenceSets.SqlClient)
        {
            TestCode = """
                using System.Threading.Tasks;
                using System.Transactions;
                using Microsoft.Data.SqlClient;

                public class Transfers
                {
                    public async Task MoveAsync(string connectionString)
                    {
                        using var scope = {|#0:new TransactionScope()|};
                        await using var connection = new SqlConnection(connectionString);
                        await connection.OpenAsync();
                        scope.Complete();
                    }
                }
                """,
            FixedCode = """
                using System.Threading.Tasks;
                using System.Transactions;
                using Microsoft.Data.SqlClient;

                public class Transfers
                {
                    public async Task MoveAsync(string connectionString)
                    {
                        using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                        await using var connection = new SqlConnection(connectionString);
                        await connection.OpenAsync();
                        scope.Complete();
                    }
                }
                """,
        };
        test.ExpectedDiagnostics.Add(Dbc006("async method 'MoveAsync'"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Message_reads_as_one_sentence()
    {
        var descriptor = Analyzers.Descriptors.TransactionScopeWithoutAsyncFlow;
        var message = string.Format(System.Globalization.CultureInfo.InvariantCulture, descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), "async method 'MoveAsync'");
        Assert.Equal("This TransactionScope spans an await in async method 'MoveAsync' but is created without TransactionScopeAsyncFlowOption.Enabled, so the commands after the await run outside the transaction", message);
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("new TransactionScope(TransactionScopeOption.Required)", "new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeOption.RequiresNew, TimeSpan.FromSeconds(30))", "new TransactionScope(TransactionScopeOption.RequiresNew, TimeSpan.FromSeconds(30), TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted })", "new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted }, TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(Transaction.Current!)", "new TransactionScope(Transaction.Current!, TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(Transaction.Current!, TimeSpan.FromSeconds(5))", "new TransactionScope(Transaction.Current!, TimeSpan.FromSeconds(5), TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeAsyncFlowOption.Suppress)", "new TransactionScope(TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Suppress)", "new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(scopeOption: TransactionScopeOption.Required)", "new TransactionScope(scopeOption: TransactionScopeOption.Required, asyncFlowOption: TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope { }", "new TransactionScope(TransactionScopeAsyncFlowOption.Enabled) { }")]
    [InlineData("new()", "new(TransactionScopeAsyncFlowOption.Enabled)")]
    public async Task Fix_keeps_every_existing_argument(string before, string after)
    {
        const string Template = """
            #nullable enable
            using System;
            using System.Threading.Tasks;
            using System.Transactions;
            using Microsoft.Data.SqlClient;

            public class Transfers
            {
                public async Task MoveAsync(SqlConnection connection)
                {
                    using (TransactionScope scope = CREATION)
                    {
                        connection.EnlistTransaction(Transaction.Current);
                        await Task.Delay(1);
                        scope.Complete();
                    }
                }
            }
            """;
        var test = new Verify.Test(ReferenceSets.SqlClient)
        {
            TestCode = Template.Replace("CREATION", "{|#0:" + before + "|}", StringComparison.Ordinal),
            FixedCode = Template.Replace("CREATION", after, StringComparison.Ordinal),
        };
        test.ExpectedDiagnostics.Add(Dbc006("async method 'MoveAsync'"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Interop_overload_without_an_async_flow_twin_is_reported_but_not_fixed()
    {
        const string Source = """
                using System.Threading.Tasks;
                using System.Transactions;

                public class Transfers
                {
                    public async Task MoveAsync()
                    {
                        using var scope = {|#0:new TransactionScope(TransactionScopeOption.Required, new TransactionOptions(), EnterpriseServicesInteropOption.None)|};
                        await Task.Yield();
                        scope.Complete();
                    }
                }
                """;
        var test = new Verify.Test(ReferenceSets.Net80) { TestCode = Source, FixedCode = Source };
        test.ExpectedDiagnostics.Add(Dbc006("async method 'MoveAsync'"));
        await test.RunAsync();
    }

    [Fact]
    public async Task Async_lambda_and_async_local_function_are_reported()
    {
        await VerifyAnalyzer.VerifyAsync(ReferenceSets.Npgsql8, """
            using System;
            using System.Threading.Tasks;
            using System.Transactions;
            using Npgsql;

            public class Jobs
            {
                public Func<Task> Job(NpgsqlDataSource dataSource) => async () =>
                {
                    using var scope = {|#0:new TransactionScope()|};
                    await using var connection = await dataSource.OpenConnectionAsync();
                    scope.Complete();
                };

                public Task RunAsync(NpgsqlDataSource dataSource)
                {
                    return Save();

                    async Task Save()
                    {
                        using (var scope = {|#1:new TransactionScope(TransactionScopeOption.Required)|})
                        {
                            await using var connection = await dataSource.OpenConnectionAsync();
                            scope.Complete();
                        }
                    }
                }
            }
            """,
            VerifyAnalyzer.Diagnostic("DBC006").WithLocation(0).WithArguments("an async lambda"),
            VerifyAnalyzer.Diagnostic("DBC006").WithLocation(1).WithArguments("async local function 'Save'"));
    }

    [Fact]
    public async Task Top_level_statements_are_reported()
    {
        var test = new VerifyAnalyzer.Test { TestCode = """
            using System.Threading.Tasks;
            using System.Transactions;

            using var scope = {|#0:new TransactionScope()|};
            await Task.Delay(1);
            scope.Complete();
            """ };
        test.Use(ReferenceSets.Net80);
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.ExpectedDiagnostics.Add(VerifyAnalyzer.Diagnostic("DBC006").WithLocation(0).WithArguments("the async top-level statements"));
        await test.RunAsync();
    }

    [Fact]
    public async Task A_scope_disposed_by_hand_spans_the_rest_of_its_block()
    {
        await VerifyAnalyzer.VerifyAsync(ReferenceSets.Net80, """
            using System.Threading.Tasks;
            using System.Transactions;

            public class Transfers
            {
                public async Task MoveAsync()
                {
                    var scope = {|#0:new TransactionScope()|};
                    try
                    {
                        await Task.Yield();
                        scope.Complete();
                    }
                    finally
                    {
                        scope.Dispose();
                    }
                }
            }
            """,
            Dbc006("async method 'MoveAsync'"));
    }

    [Fact]
    public async Task Await_foreach_and_await_using_inside_the_scope_are_awaits()
    {
        await VerifyAnalyzer.VerifyAsync(ReferenceSets.Npgsql8, """
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using System.Transactions;
            using Npgsql;

            public class Imports
            {
                public async Task ImportAsync(IAsyncEnumerable<string> lines, NpgsqlDataSource dataSource)
                {
                    using (var scope = {|#0:new TransactionScope()|})
                    {
                        await foreach (var line in lines) { }
                        scope.Complete();
                    }

                    using (var scope = {|#1:new TransactionScope()|})
                    {
                        await using (var connection = dataSource.CreateConnection()) { }
                        scope.Complete();
                    }
                }
            }
            """,
            Dbc006("async method 'ImportAsync'"),
            VerifyAnalyzer.Diagnostic("DBC006").WithLocation(1).WithArguments("async method 'ImportAsync'"));
    }

    [Theory]
    [InlineData("new TransactionScope(TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeOption.Required, TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeOption.Required, TimeSpan.FromSeconds(1), TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(TransactionScopeOption.Required, new TransactionOptions(), TransactionScopeAsyncFlowOption.Enabled)")]
    [InlineData("new TransactionScope(asyncFlowOption: TransactionScopeAsyncFlowOption.Enabled, scopeOption: TransactionScopeOption.Required)")]
    [InlineData("new TransactionScope(TransactionScopeOption.Required, flow)")]
    public async Task Scope_created_with_async_flow_is_not_reported(string creation)
    {
        await VerifyAnalyzer.VerifyAsync(ReferenceSets.Net80, $$"""
            using System;
            using System.Threading.Tasks;
            using System.Transactions;

            public class Transfers
            {
                public async Task MoveAsync(TransactionScopeAsyncFlowOption flow)
                {
                    using var scope = {{creation}};
                    await Task.Yield();
                    scope.Complete();
                }
            }
            """);
    }

    [Fact]
    public async Task Synchronous_methods_and_scopes_without_an_await_are_not_reported()
    {
        await VerifyAnalyzer.VerifyAsync(ReferenceSets.SqlClient, """
            using System.Threading.Tasks;
            using System.Transactions;
            using Microsoft.Data.SqlClient;

            public class Transfers
            {
                public void Move(string connectionString)
                {
                    using var scope = new TransactionScope();
                    using var connection = new SqlConnection(connectionString);
                    connection.Open();
                    scope.Complete();
                }

                public Task MoveLaterAsync() => Task.Run(() =>
                {
                    using var scope = new TransactionScope();
                    scope.Complete();
                });

                public async Task MoveAfterAsync(string connectionString)
                {
                    await Task.Yield();
                    using (var scope = new TransactionScope())
                    {
                        using var connection = new SqlConnection(connectionString);
                        connection.Open();
                        scope.Complete();
                    }

                    await Task.Yield();
                }

                public async Task<System.Func<Task>> LambdaAwaitsDoNotCountAsync()
                {
                    await Task.Yield();
                    using var scope = new TransactionScope();
                    System.Func<Task> later = async () => await Task.Yield();
                    scope.Complete();
                    return later;
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_all_fixes_every_scope_in_the_document()
    {
        const string Fixed = """
                using System.Threading.Tasks;
                using System.Transactions;

                public class Transfers
                {
                    public async Task OneAsync()
                    {
                        using var scope = new TransactionScope(TransactionScopeAsyncFlowOption.Enabled);
                        await Task.Yield();
                        scope.Complete();
                    }

                    public async Task TwoAsync()
                    {
                        using (var scope = new TransactionScope(TransactionScopeOption.RequiresNew, TransactionScopeAsyncFlowOption.Enabled))
                        {
                            await Task.Yield();
                            scope.Complete();
                        }
                    }
                }
                """;
        var test = new Verify.Test(ReferenceSets.Net80)
        {
            TestCode = """
                using System.Threading.Tasks;
                using System.Transactions;

                public class Transfers
                {
                    public async Task OneAsync()
                    {
                        using var scope = [|new TransactionScope()|];
                        await Task.Yield();
                        scope.Complete();
                    }

                    public async Task TwoAsync()
                    {
                        using (var scope = [|new TransactionScope(TransactionScopeOption.RequiresNew)|])
                        {
                            await Task.Yield();
                            scope.Complete();
                        }
                    }
                }
                """,
            FixedCode = Fixed,
            BatchFixedCode = Fixed,
        };
        await test.RunAsync();
    }

    [Fact]
    public async Task Fully_qualified_usage_gets_a_qualified_option()
    {
        await Verify.VerifyFixAsync(ReferenceSets.Net80, """
            using System.Threading.Tasks;

            public class Transfers
            {
                public async Task MoveAsync()
                {
                    using var scope = [|new System.Transactions.TransactionScope()|];
                    await Task.Yield();
                    scope.Complete();
                }
            }
            """, """
            using System.Threading.Tasks;

            public class Transfers
            {
                public async Task MoveAsync()
                {
                    using var scope = new System.Transactions.TransactionScope(System.Transactions.TransactionScopeAsyncFlowOption.Enabled);
                    await Task.Yield();
                    scope.Complete();
                }
            }
            """);
    }

    [Fact]
    public async Task Incomplete_code_does_not_throw()
    {
        await VerifyAnalyzer.VerifyAsync(ReferenceSets.Net80, """
            using System.Threading.Tasks;
            using System.Transactions;

            public class Transfers
            {
                public async Task MoveAsync()
                {
                    using var scope = new TransactionScope({|CS1026:|}{|CS1002:|}
                }
            }
            """);
    }
}
