using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Which entity properties EF Core checks for concurrent changes when it saves: <c>[ConcurrencyCheck]</c> on the
/// property, a <c>[Timestamp]</c> row version anywhere on the entity, or the fluent <c>IsConcurrencyToken()</c>,
/// <c>IsRowVersion()</c> and Npgsql's <c>UseXminAsConcurrencyToken()</c> in the model configuration. The fluent
/// part is read from the whole compilation once, the first time a rule asks.
/// </summary>
internal sealed class ConcurrencyTokens
{
    private const string AnyProperty = "*";

    // IsConcurrencyToken, UseXminAsConcurrencyToken and IsRowVersion contain these: the files to look in, found by text.
    private static readonly ImmutableArray<string> ConfigurationWords = ImmutableArray.Create("ConcurrencyToken", "IsRowVersion");

    private readonly SemanticModels _models;
    private readonly object _gate = new();
    private HashSet<(ITypeSymbol Entity, string Property)>? _configured;

    public ConcurrencyTokens(SemanticModels models) => _models = models;

    public bool Protects(IPropertySymbol property, CancellationToken cancellationToken)
    {
        if (HasAttribute(property, "ConcurrencyCheckAttribute") || HasAttribute(property, "TimestampAttribute"))
        {
            return true;
        }

        for (var type = property.ContainingType; type is not null; type = type.BaseType)
        {
            foreach (var member in type.GetMembers())
            {
                if (member is IPropertySymbol other && HasAttribute(other, "TimestampAttribute"))
                {
                    return true;
                }
            }
        }

        var configured = Configured(cancellationToken);
        for (var type = property.ContainingType; type is not null; type = type.BaseType)
        {
            if (configured.Contains((type.OriginalDefinition, AnyProperty)) || configured.Contains((type.OriginalDefinition, property.Name)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAttribute(ISymbol symbol, string name)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    private HashSet<(ITypeSymbol Entity, string Property)> Configured(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _configured ??= Scan(cancellationToken);
        }
    }

    private HashSet<(ITypeSymbol, string)> Scan(CancellationToken cancellationToken)
    {
        var found = new HashSet<(ITypeSymbol, string)>(TokenComparer.Instance);
        foreach (var tree in _models.Compilation.SyntaxTrees)
        {
            foreach (var token in IdentifierSearch.Find(tree, ConfigurationWords, cancellationToken))
            {
                if (token.ValueText is not ("IsConcurrencyToken" or "IsRowVersion" or "UseXminAsConcurrencyToken")
                    || token.Parent is not SimpleNameSyntax { Parent: MemberAccessExpressionSyntax { Parent: InvocationExpressionSyntax call } access } name
                    || access.Name != name
                    || call.Expression != access)
                {
                    continue;
                }

                if (_models.For(tree).GetOperation(call, cancellationToken) is IInvocationOperation invocation)
                {
                    Record(invocation, found);
                }
            }
        }

        return found;
    }

    // builder.Entity<Page>().Property(p => p.Views).IsConcurrencyToken(): the entity from the builder's type
    // argument, the property from the lambda or the name; a row version or xmin protects every property.
    private static void Record(IInvocationOperation invocation, HashSet<(ITypeSymbol, string)> found)
    {
        var receiver = invocation.Instance ?? (invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null);
        receiver = receiver is null ? null : FunctionBody.Unwrap(receiver);
        var rowVersion = invocation.TargetMethod.Name != "IsConcurrencyToken";
        if (invocation.TargetMethod.Name == "UseXminAsConcurrencyToken")
        {
            if (EntityOf(receiver?.Type) is { } entity)
            {
                found.Add((entity, AnyProperty));
            }

            return;
        }

        if (receiver is not IInvocationOperation { TargetMethod.Name: "Property" } property || EntityOf(property.Instance?.Type) is not { } owner)
        {
            return;
        }

        if (rowVersion)
        {
            found.Add((owner, AnyProperty));
            return;
        }

        foreach (var argument in property.Arguments)
        {
            switch (FunctionBody.Unwrap(argument.Value))
            {
                case { ConstantValue: { HasValue: true, Value: string name } }:
                    found.Add((owner, name));
                    break;

                // p => p.Views, as a delegate or an expression tree.
                case var lambda:
                    foreach (var operation in lambda.DescendantsAndSelf())
                    {
                        if (operation is IPropertyReferenceOperation member)
                        {
                            found.Add((owner, member.Property.Name));
                            break;
                        }
                    }

                    break;
            }
        }
    }

    // EntityTypeBuilder<Page> (and its owned/nested variants): the entity is the type argument.
    private static ITypeSymbol? EntityOf(ITypeSymbol? builder)
        => builder is INamedTypeSymbol { IsGenericType: true } named && named.Name.EndsWith("Builder", StringComparison.Ordinal)
            ? named.TypeArguments[0].OriginalDefinition
            : null;

    private sealed class TokenComparer : IEqualityComparer<(ITypeSymbol Entity, string Property)>
    {
        public static readonly TokenComparer Instance = new();

        public bool Equals((ITypeSymbol Entity, string Property) x, (ITypeSymbol Entity, string Property) y)
            => SymbolEqualityComparer.Default.Equals(x.Entity, y.Entity) && string.Equals(x.Property, y.Property, StringComparison.Ordinal);

        public int GetHashCode((ITypeSymbol Entity, string Property) obj)
            => SymbolEqualityComparer.Default.GetHashCode(obj.Entity) ^ StringComparer.Ordinal.GetHashCode(obj.Property);
    }
}
