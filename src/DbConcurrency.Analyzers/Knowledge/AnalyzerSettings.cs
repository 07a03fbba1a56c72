using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>The <c>.editorconfig</c> keys users set to teach the analyzers about their own types.</summary>
internal static class AnalyzerSettings
{
    /// <summary>Comma-separated full metadata names of extra non-thread-safe types (wrappers, units of work).</summary>
    public const string UnsafeTypesKey = "dotnet_code_quality.DBC.unsafe_types";

    /// <summary>Comma-separated full metadata names of types that are never database objects.</summary>
    public const string SafeTypesKey = "dotnet_code_quality.DBC.safe_types";

    /// <summary>
    /// The keys a rule reads besides its severity. The README's Configurable column and each rule page's
    /// Configuration section are checked against this by a test that sets them and watches the rules.
    /// </summary>
    public static ImmutableArray<string> KeysReadBy(string ruleId) => ruleId switch
    {
        DiagnosticIds.TransactionScopeWithoutAsyncFlow => ImmutableArray<string>.Empty,
        DiagnosticIds.ConcurrentDelegateCapture => ImmutableArray.Create(ConcurrentApis.ConcurrentMethodsKey, MessageHandlers.UnknownConcurrencyKey, UnsafeTypesKey, SafeTypesKey),
        _ => ImmutableArray.Create(UnsafeTypesKey, SafeTypesKey),
    };

    public static string? Read(AnalyzerConfigOptions options, string key)
        => options.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>
    /// Splits a configured list into metadata names. Accepts documentation-comment IDs (<c>T:Name</c>) as
    /// well; anything malformed is skipped, never thrown on: the value comes straight from user files.
    /// </summary>
    public static ImmutableArray<string> ParseTypeNames(string? value)
    {
        if (value is null)
        {
            return ImmutableArray<string>.Empty;
        }

        var builder = ImmutableArray.CreateBuilder<string>();
        foreach (var part in value.Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part.Trim();
            if (name.StartsWith("T:", StringComparison.Ordinal))
            {
                name = name.Substring(2);
            }

            if (name.Length > 0 && name.IndexOfAny(InvalidNameCharacters) < 0)
            {
                builder.Add(name);
            }
        }

        return builder.ToImmutable();
    }

    public static bool HasAnyUnsafeTypes(Compilation compilation, AnalyzerConfigOptionsProvider provider)
        => IsSetAnywhere(compilation, provider, UnsafeTypesKey);

    /// <summary>True when <paramref name="key"/> is set globally or for any tree: when it is not, no callback need look it up.</summary>
    public static bool IsSetAnywhere(Compilation compilation, AnalyzerConfigOptionsProvider provider, string key)
    {
        if (Read(provider.GlobalOptions, key) is not null)
        {
            return true;
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (Read(provider.GetOptions(tree), key) is not null)
            {
                return true;
            }
        }

        return false;
    }

    private static readonly char[] Separators = { ',', ';' };

    private static readonly char[] InvalidNameCharacters = { ' ', '\t', '(', ')', '<', '>', '[', ']', '*', '&' };
}
