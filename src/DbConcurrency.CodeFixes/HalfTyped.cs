using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.CodeFixes;

/// <summary>
/// Code still being typed. A fix that rewrites statements of a member that does not parse moves the broken piece
/// where the parser reads it differently, and leaves errors the user did not write: no such fix is offered until
/// the member parses.
/// </summary>
internal static class HalfTyped
{
    /// <summary>True when the member (method, accessor, property, top-level statement) holding <paramref name="node"/> has a syntax error.</summary>
    public static bool IsIn(SyntaxNode node)
    {
        var member = node.FirstAncestorOrSelf<MemberDeclarationSyntax>(m => m is not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax) ?? node;
        return member.ContainsDiagnostics && member.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
    }
}
