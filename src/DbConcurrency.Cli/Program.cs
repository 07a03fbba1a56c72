using DbConcurrency.Cli;

// dbconcurrency scan <sln|csproj|folder> [--format text|sarif|github] [--output file] [--fix]
// Exit codes: 0 no findings, 1 findings, 2 the input could not be loaded or the arguments are wrong.
return await ScanCommand.RunAsync(args, Console.Out, Console.Error);
