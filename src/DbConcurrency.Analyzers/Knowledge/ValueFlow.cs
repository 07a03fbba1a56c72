using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Which values in one body come from which database read: the read itself, then every local assigned from an
/// expression that uses a value from it (<c>var views = (long)cmd.ExecuteScalar(); var next = views + 1;</c>),
/// readers and rows included (<c>reader.GetInt64(0)</c>, <c>row.Balance</c>), and loop variables over them.
/// Flow-insensitive within the body: enough for the straight-line code read-modify-write cycles are written in.
/// </summary>
internal sealed class ValueFlow
{
    private readonly FunctionBody _body;
    private readonly Dictionary<ILocalSymbol, IOperation> _locals = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<SyntaxNode, IOperation> _sourceBySyntax = new();

    public ValueFlow(FunctionBody body) => _body = body;

    public void AddSource(IOperation read)
    {
        _sourceBySyntax[read.Syntax] = read;
    }

    /// <summary>Follows assignments until no new local is found (two rounds cover loops that assign before use).</summary>
    public void Propagate()
    {
        for (var round = 0; round < 3; round++)
        {
            var before = _locals.Count;
            foreach (var operation in _body.Operations)
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation { Initializer.Value: { } value } declarator:
                        Assign(declarator.Symbol, value);
                        break;
                    case IVariableDeclaratorOperation declarator when declarator.Parent is IVariableDeclarationOperation { Initializer.Value: { } shared }:
                        Assign(declarator.Symbol, shared);
                        break;
                    case IAssignmentOperation { Target: ILocalReferenceOperation target } assignment:
                        Assign(target.Local, assignment.Value);
                        break;
                    case IForEachLoopOperation loop when SourceOf(loop.Collection) is { } source:
                        foreach (var local in loop.Locals)
                        {
                            _locals[local] = source;
                        }

                        break;
                }
            }

            if (_locals.Count == before)
            {
                return;
            }
        }
    }

    /// <summary>The read <paramref name="value"/> carries a value from, if any.</summary>
    public IOperation? SourceOf(IOperation value)
    {
        foreach (var operation in value.DescendantsAndSelf())
        {
            if (operation is IInvocationOperation && _sourceBySyntax.TryGetValue(operation.Syntax, out var read))
            {
                return read;
            }

            if (operation is ILocalReferenceOperation local && _locals.TryGetValue(local.Local, out var source))
            {
                return source;
            }
        }

        return null;
    }

    /// <summary>
    /// For an object passed whole as Dapper parameters: the read it came from, when the property bound to
    /// <paramref name="member"/> was changed from its own value (<c>account.Balance -= amount</c>).
    /// </summary>
    public IOperation? SourceOfChangedMember(IOperation parameters, string member)
    {
        if (FunctionBody.SymbolOf(parameters) is not ILocalSymbol owner || !_locals.TryGetValue(owner, out var source))
        {
            return null;
        }

        foreach (var operation in _body.Operations)
        {
            if (LostUpdates.SelfChange(operation, _body) is { } change
                && SqlText.SameName(change.Property.Name, member)
                && FunctionBody.Refers(change.Instance, owner))
            {
                return source;
            }
        }

        return null;
    }

    private void Assign(ILocalSymbol local, IOperation value)
    {
        if (!_locals.ContainsKey(local) && SourceOf(value) is { } source)
        {
            _locals[local] = source;
        }
    }
}
