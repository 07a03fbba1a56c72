using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// What an instance keeps for the whole of its life: an instance field, an auto-property, a primary constructor parameter.
/// One object for every call of every method on that instance: the provider a singleton resolves from, the context a
/// helper queries, the repository every run of a delegate calls.
/// </summary>
internal static class HeldByInstance
{
    /// <summary>The field or auto-property of <c>this</c>, or primary constructor parameter, <paramref name="reference"/> reads; null for anything else.</summary>
    public static ISymbol? Read(IOperation reference, CancellationToken cancellationToken)
    {
        while (reference is IConversionOperation conversion)
        {
            reference = conversion.Operand;
        }

        return reference switch
        {
            IFieldReferenceOperation { Instance: IInstanceReferenceOperation, Field: var field } => field,
            IPropertyReferenceOperation { Instance: IInstanceReferenceOperation, Property: var property } when DatabaseMember.IsAutoProperty(property) => property,
            IParameterReferenceOperation { Parameter: { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor } parameter }
                when DependencyInjectionApis.IsPrimaryConstructor(constructor, cancellationToken) => parameter,
            _ => null,
        };
    }

    /// <summary>
    /// The constructor parameter <paramref name="value"/> stores, as a constructor or initializer writes it
    /// (<c>_db = db;</c>, <c>_db = db ?? throw new ArgumentNullException(nameof(db));</c>); null for anything else.
    /// </summary>
    public static IParameterSymbol? StoredParameter(IOperation value)
    {
        while (true)
        {
            switch (value)
            {
                case IConversionOperation conversion:
                    value = conversion.Operand;
                    continue;

                case ICoalesceOperation coalesce:
                    value = coalesce.Value;
                    continue;

                case IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } reference:
                    return reference.Parameter;

                default:
                    return null;
            }
        }
    }

    /// <summary>
    /// The field or property (its definition) a constructor stores a constructor parameter in with
    /// <paramref name="assignment"/>, as <see cref="StoredParameter"/> reads the value; null for anything else.
    /// </summary>
    public static ISymbol? MemberStoredBy(ISimpleAssignmentOperation assignment, out IParameterSymbol parameter)
    {
        parameter = StoredParameter(assignment.Value)!;
        return parameter is null
            ? null
            : assignment.Target switch
            {
                IFieldReferenceOperation field => field.Field.OriginalDefinition,
                IPropertyReferenceOperation property => property.Property.OriginalDefinition,
                _ => null,
            };
    }

    /// <summary>True when <paramref name="symbol"/> is an instance field, auto-property or primary constructor parameter of <paramref name="owner"/>.</summary>
    public static bool IsKeptBy(ISymbol symbol, INamedTypeSymbol owner, CancellationToken cancellationToken) => symbol switch
    {
        IFieldSymbol { IsStatic: false } field => SymbolEqualityComparer.Default.Equals(field.ContainingType.OriginalDefinition, owner),
        IPropertySymbol { IsStatic: false } property => SymbolEqualityComparer.Default.Equals(property.ContainingType.OriginalDefinition, owner)
                                                        && DatabaseMember.IsAutoProperty(property),
        IParameterSymbol { ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } constructor }
            => SymbolEqualityComparer.Default.Equals(constructor.ContainingType.OriginalDefinition, owner)
               && DependencyInjectionApis.IsPrimaryConstructor(constructor, cancellationToken),
        _ => false,
    };
}
