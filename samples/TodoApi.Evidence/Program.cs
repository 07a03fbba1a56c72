using TodoApi.Evidence;

// dotnet run --project samples/TodoApi.Evidence [-- --workers 16 --operations 400 --format table|tsv]
var options = EvidenceOptions.Parse(args);
var rows = await Demonstration.RunAsync(options, Console.Error);
Console.Out.Write(options.Format == "tsv" ? Report.Tsv(rows) : Report.Table(rows));

// Evidence, not a test: a broken twin that did not fail, or a fixed twin that did, is worth a non-zero exit.
return rows.All(row => row.Skipped is not null || (row.BrokenFailures > 0 && row.FixedFailures == 0)) ? 0 : 1;
