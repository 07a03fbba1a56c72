using System;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The per-compilation entry point to the type model. Settings can differ per syntax tree
/// (<c>.editorconfig</c> sections), so the catalog hands out one <see cref="DatabaseTypes"/> per
/// distinct pair of configured values; nearly every tree shares the default one.
/// </summary>
internal sealed class DatabaseTypeCatalog
{
    // Every rule starts with the same catalog: it is made once per compilation (with the same options) and
    // shared, with the classifications it caches. Weak keys: it goes when the IDE drops the compilation.
    private static readonly ConditionalWeakTable<Compilation, Shared> PerCompilation = new();

    private readonly Compilation _compilation;
    private readonly AnalyzerConfigOptionsProvider _options;
    private readonly DatabaseTypes _default;
    private readonly ConcurrentDictionary<(string? Unsafe, string? Safe), DatabaseTypes> _configured = new();
    private readonly Func<(string? Unsafe, string? Safe), DatabaseTypes> _createConfigured;
    private readonly ConcurrentDictionary<SyntaxTree, DatabaseTypes> _byTree = new();
    private readonly Func<SyntaxTree, DatabaseTypes> _forTree;

    private DatabaseTypeCatalog(Compilation compilation, AnalyzerConfigOptionsProvider options, DatabaseTypes @default)
    {
        _compilation = compilation;
        _options = options;
        _default = @default;
        GeneratedCode = new GeneratedCode(options);

        // Made once: a lambda at the call site would allocate a closure for every symbol asked about.
        _createConfigured = CreateConfigured;
        _forTree = ForTree;
    }

    /// <summary>
    /// The catalog for <paramref name="compilation"/>, or null when it can hold no database object
    /// (<see cref="DatabaseUse"/>) and the user configured none: then no rule has anything to look for.
    /// </summary>
    public static DatabaseTypeCatalog? TryCreate(Compilation compilation, AnalyzerConfigOptionsProvider options)
    {
        var shared = PerCompilation.GetValue(compilation, static _ => new Shared());
        lock (shared)
        {
            if (!ReferenceEquals(shared.Options, options))
            {
                shared.Options = options;
                shared.Catalog = CreateCore(compilation, options);
            }

            return shared.Catalog;
        }
    }

    private static DatabaseTypeCatalog? CreateCore(Compilation compilation, AnalyzerConfigOptionsProvider options)
    {
        if (!DatabaseUse.IsPossible(compilation) && !AnalyzerSettings.HasAnyUnsafeTypes(compilation, options))
        {
            return null;
        }

        var global = options.GlobalOptions;
        var @default = DatabaseTypes.Create(
            compilation,
            AnalyzerSettings.ParseTypeNames(AnalyzerSettings.Read(global, AnalyzerSettings.UnsafeTypesKey)),
            AnalyzerSettings.ParseTypeNames(AnalyzerSettings.Read(global, AnalyzerSettings.SafeTypesKey)));

        if (!@default.HasUnsafeTypes && !AnalyzerSettings.HasAnyUnsafeTypes(compilation, options))
        {
            return null;
        }

        return new DatabaseTypeCatalog(compilation, options, @default);
    }

    /// <summary>
    /// Runs <paramref name="start"/> at the start of every compilation that references a database type (or
    /// configures one), with its catalog: how every rule plugs into the driver, and bails out of the rest.
    /// </summary>
    public static void RegisterCompilationStart(AnalysisContext context, Action<CompilationStartAnalysisContext, DatabaseTypeCatalog> start)
        => context.RegisterCompilationStartAction(compilationStart =>
        {
            if (TryCreate(compilationStart.Compilation, compilationStart.Options.AnalyzerConfigOptionsProvider) is { } catalog)
            {
                start(compilationStart, catalog);
            }
        });

    /// <summary>Which code is generated: judged once per tree for every rule.</summary>
    public GeneratedCode GeneratedCode { get; }

    /// <summary>The type model that applies to code in <paramref name="tree"/>.</summary>
    public DatabaseTypes For(SyntaxTree? tree)
        => tree is null ? _default : _byTree.GetOrAdd(tree, _forTree);

    // Asked for every member and operation: the options lookup is made once per tree.
    private DatabaseTypes ForTree(SyntaxTree tree)
    {
        var options = _options.GetOptions(tree);
        var unsafeValue = AnalyzerSettings.Read(options, AnalyzerSettings.UnsafeTypesKey);
        var safeValue = AnalyzerSettings.Read(options, AnalyzerSettings.SafeTypesKey);
        if (unsafeValue is null && safeValue is null)
        {
            return _default;
        }

        return _configured.GetOrAdd((unsafeValue, safeValue), _createConfigured);
    }

    private DatabaseTypes CreateConfigured((string? Unsafe, string? Safe) key)
        => DatabaseTypes.Create(
            _compilation,
            AnalyzerSettings.ParseTypeNames(key.Unsafe ?? AnalyzerSettings.Read(_options.GlobalOptions, AnalyzerSettings.UnsafeTypesKey)),
            AnalyzerSettings.ParseTypeNames(key.Safe ?? AnalyzerSettings.Read(_options.GlobalOptions, AnalyzerSettings.SafeTypesKey)));

    /// <summary>The catalog made for a compilation, and the options it was made with (the same for every rule in practice).</summary>
    private sealed class Shared
    {
        public AnalyzerConfigOptionsProvider? Options { get; set; }

        public DatabaseTypeCatalog? Catalog { get; set; }
    }
}
