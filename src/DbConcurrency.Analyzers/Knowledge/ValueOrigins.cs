using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Where a value came from, within one file: a local to its declaration or assignment in the same body, a
/// field or property of the type to its initializer or an assignment in the type's declarations, through
/// awaits and conversions. A parameter, or anything from another file, has no origin here: the caller
/// treats it as unknown. Used on the rare path of a message subscription, never per node.
/// </summary>
internal readonly struct ValueOrigins
{
    // processor → client call → options local: a handful of hops covers the code people write.
    private const int MaxHops = 4;

    private readonly SemanticModel? _model;
    private readonly CancellationToken _cancellationToken;

    public ValueOrigins(IOperation anchor, CancellationToken cancellationToken)
    {
        _model = anchor.SemanticModel;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The creation or call that produced <paramref name="value"/>, or null when it cannot be seen.</summary>
    public IOperation? Of(IOperation value) => Of(value, MaxHops);

    /// <summary>
    /// A concurrency setting on an options object: written in its creation (initializer or constructor
    /// argument), or assigned to the local holding it. Null when the object is seen and the setting is not
    /// (the library's default applies); unknown when the object itself cannot be seen.
    /// </summary>
    public (HandlerConcurrency Concurrency, string Shown)? Setting(IOperation options, string name)
    {
        var holder = FunctionBody.Unwrap(options);
        if (Of(holder) is not IObjectCreationOperation creation)
        {
            return (HandlerConcurrency.Unknown, " set elsewhere");
        }

        var parameter = char.ToLowerInvariant(name[0]) + name.Substring(1);
        (HandlerConcurrency Concurrency, string Shown)? found = null;
        foreach (var argument in creation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.Explicit && argument.Parameter?.Name == parameter)
            {
                found = MessageHandlers.Strongest(found, MessageHandlers.Classify(argument.Value));
            }
        }

        if (creation.Initializer is { } initializer)
        {
            foreach (var member in initializer.Initializers)
            {
                if (member is ISimpleAssignmentOperation { Target: IMemberReferenceOperation target } assignment && target.Member.Name == name)
                {
                    found = MessageHandlers.Strongest(found, MessageHandlers.Classify(assignment.Value));
                }
            }
        }

        if (holder is ILocalReferenceOperation local)
        {
            foreach (var operation in Root(holder).Descendants())
            {
                if (operation is ISimpleAssignmentOperation { Target: IMemberReferenceOperation { Member: var member, Instance: ILocalReferenceOperation written } } assignment
                    && member.Name == name
                    && SymbolEqualityComparer.Default.Equals(written.Local, local.Local))
                {
                    found = MessageHandlers.Strongest(found, MessageHandlers.Classify(assignment.Value));
                }
            }
        }

        return found;
    }

    private IOperation? Of(IOperation value, int hops)
    {
        value = FunctionBody.Unwrap(value);
        if (hops == 0)
        {
            return null;
        }

        return value switch
        {
            ILocalReferenceOperation local => AssignedLocal(local) is { } assigned ? Of(assigned, hops - 1) : null,
            IFieldReferenceOperation { Instance: null or IInstanceReferenceOperation } field => AssignedMember(field.Field) is { } assigned ? Of(assigned, hops - 1) : null,
            IPropertyReferenceOperation { Instance: null or IInstanceReferenceOperation } property => AssignedMember(property.Property) is { } assigned ? Of(assigned, hops - 1) : null,
            IParameterReferenceOperation or IMemberReferenceOperation => null,
            _ => value,
        };
    }

    /// <summary>The first value the body gives the local: its declaration's, or an assignment's.</summary>
    private static IOperation? AssignedLocal(ILocalReferenceOperation reference)
    {
        foreach (var operation in Root(reference).Descendants())
        {
            switch (operation)
            {
                case IVariableDeclaratorOperation declarator when SymbolEqualityComparer.Default.Equals(declarator.Symbol, reference.Local):
                    if (declarator.Initializer?.Value is { } initial)
                    {
                        return initial;
                    }

                    break;

                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation target } assignment
                    when SymbolEqualityComparer.Default.Equals(target.Local, reference.Local):
                    return assignment.Value;
            }
        }

        return null;
    }

    /// <summary>The first value the type's declarations in this file give the member: an initializer, or an assignment.</summary>
    private IOperation? AssignedMember(ISymbol member)
    {
        if (_model is null || member.ContainingType is not { } type)
        {
            return null;
        }

        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.SyntaxTree != _model.SyntaxTree)
            {
                continue;
            }

            foreach (var node in reference.GetSyntax(_cancellationToken).DescendantNodes())
            {
                var (value, declaration) = node switch
                {
                    VariableDeclaratorSyntax { Initializer.Value: { } initial } declarator when declarator.Identifier.ValueText == member.Name => (initial, node),
                    PropertyDeclarationSyntax { Initializer.Value: { } initial } property when property.Identifier.ValueText == member.Name => (initial, node),
                    AssignmentExpressionSyntax assignment when Names(assignment.Left, member.Name) => ((ExpressionSyntax)assignment, null),
                    _ => (null, null),
                };

                if (value is null)
                {
                    continue;
                }

                if (declaration is null)
                {
                    if (_model.GetOperation(value, _cancellationToken) is ISimpleAssignmentOperation { Target: IMemberReferenceOperation target } assignment
                        && SymbolEqualityComparer.Default.Equals(target.Member.OriginalDefinition, member.OriginalDefinition))
                    {
                        return assignment.Value;
                    }
                }
                else if (SymbolEqualityComparer.Default.Equals(_model.GetDeclaredSymbol(declaration, _cancellationToken)?.OriginalDefinition, member.OriginalDefinition)
                         && _model.GetOperation(value, _cancellationToken) is { } initializer)
                {
                    return initializer;
                }
            }
        }

        return null;
    }

    private static bool Names(ExpressionSyntax target, string name) => target switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText == name,
        MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax, Name: var accessed } => accessed.Identifier.ValueText == name,
        _ => false,
    };

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is { } parent)
        {
            operation = parent;
        }

        return operation;
    }
}
