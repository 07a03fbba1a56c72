using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Which classes can lead to a database object through their constructors, worked out from names in the syntax
/// alone: a class can when a field, property, constructor parameter or constraint names a database type, or when
/// a constructor parameter names a class that can (itself, a base or an interface of it: what it may be registered
/// as), or a service a registration's factory builds from one. Names, not symbols: the answer needs no binding
/// and completes no other type's members, and each file's names are read once, not once per compilation. A name
/// shared by two types makes both candidates; the lifetime model then answers exactly for those few.
/// </summary>
internal sealed class CaptureReach
{
    private static readonly ConditionalWeakTable<SyntaxTree, List<ClassShape>> ShapeCache = new();
    private static readonly ConditionalWeakTable<SyntaxTree, List<ClassShape>>.CreateValueCallback ReadShapes = Read;

    private CaptureReach(HashSet<string> holders, HashSet<string> names, Dictionary<string, HashSet<string>> dependents)
    {
        Holders = holders;
        Names = names;
        Dependents = dependents;
    }

    /// <summary>Names of the classes that can lead to a database object.</summary>
    public HashSet<string> Holders { get; }

    /// <summary>Names a constructor parameter's type can have and still lead to one.</summary>
    public HashSet<string> Names { get; }

    /// <summary>Class names by the names their constructors take, each once (a code base may have a Handler per feature).</summary>
    public Dictionary<string, HashSet<string>> Dependents { get; }

    /// <param name="databaseTypeNames">The simple names of the catalog's database types.</param>
    /// <param name="factories">The names each registration with a factory lambda mentions.</param>
    public static CaptureReach Create(IEnumerable<SyntaxTree> trees, IEnumerable<string> databaseTypeNames, IReadOnlyList<HashSet<string>> factories)
    {
        var classes = new List<ClassShape>();
        foreach (var tree in trees)
        {
            classes.AddRange(ShapeCache.GetValue(tree, ReadShapes));
        }

        // Source classes deriving from a database type (AppDbContext : DbContext) are database types by name too.
        var database = new HashSet<string>(databaseTypeNames, StringComparer.Ordinal);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var shape in classes)
            {
                if (!database.Contains(shape.Name) && NamesDatabaseType(shape.Bases, database))
                {
                    grew |= database.Add(shape.Name);
                }
            }
        }

        var holders = new HashSet<string>(StringComparer.Ordinal);
        var names = new HashSet<string>(database, StringComparer.Ordinal);
        var dependents = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var pending = new Queue<ClassShape>();
        foreach (var shape in classes)
        {
            foreach (var dependency in shape.Dependencies)
            {
                if (!dependents.TryGetValue(dependency, out var takers))
                {
                    dependents[dependency] = takers = new HashSet<string>(StringComparer.Ordinal);
                }

                takers.Add(shape.Name);
            }

            if (NamesDatabaseType(shape.Dependencies, database) || NamesDatabaseType(shape.MemberTypes, database))
            {
                holders.Add(shape.Name);
                pending.Enqueue(shape);
            }
        }

        var byName = new Dictionary<string, List<ClassShape>>(StringComparer.Ordinal);
        foreach (var shape in classes)
        {
            if (!byName.TryGetValue(shape.Name, out var list))
            {
                byName[shape.Name] = list = new List<ClassShape>();
            }

            list.Add(shape);
        }

        var unusedFactories = new List<HashSet<string>>(factories);
        do
        {
            while (pending.Count > 0)
            {
                var holder = pending.Dequeue();
                Add(holder.Name);
                foreach (var name in holder.Bases)
                {
                    Add(name);
                }
            }

            // A factory that names something that leads on builds a service that may: every name it mentions leads on.
            for (var i = unusedFactories.Count - 1; i >= 0; i--)
            {
                var factory = unusedFactories[i];
                if (factory.Overlaps(names) || NamesDatabaseType(factory, database))
                {
                    unusedFactories.RemoveAt(i);
                    foreach (var name in factory)
                    {
                        Add(name);
                    }
                }
            }
        }
        while (pending.Count > 0);

        return new CaptureReach(holders, names, dependents);

        void Add(string name)
        {
            if (!names.Add(name) || !dependents.TryGetValue(name, out var takers))
            {
                return;
            }

            foreach (var taker in takers)
            {
                if (holders.Add(taker) && byName.TryGetValue(taker, out var shapes))
                {
                    foreach (var shape in shapes)
                    {
                        pending.Enqueue(shape);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The names of the classes of <paramref name="trees"/> by each name their declarations list among their bases: the
    /// classes that may implement an interface of that name, read from the same per-file shapes, without binding.
    /// </summary>
    public static Dictionary<string, HashSet<string>> ClassesByBaseName(IEnumerable<SyntaxTree> trees)
    {
        var byBase = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            foreach (var shape in ShapeCache.GetValue(tree, ReadShapes))
            {
                foreach (var baseName in shape.Bases)
                {
                    if (!byBase.TryGetValue(baseName, out var classes))
                    {
                        byBase[baseName] = classes = new HashSet<string>(StringComparer.Ordinal);
                    }

                    classes.Add(shape.Name);
                }
            }
        }

        return byBase;
    }

    /// <summary>
    /// True when one of <paramref name="mentioned"/> is a database type's name, or a name that leads to one: what a
    /// registration must mention to register, build or resolve a database object.
    /// </summary>
    public bool LeadsOn(IEnumerable<string> mentioned) => NamesDatabaseType(mentioned, Names);

    /// <summary>
    /// A name of the catalog (or of a source class deriving from one), or shaped like a provider's own type
    /// (<c>NpgsqlConnection</c>, <c>SqliteCommand</c>, <c>MySqlDataReader</c>), which derive from the catalog's.
    /// </summary>
    private static bool NamesDatabaseType(IEnumerable<string> names, HashSet<string> database)
    {
        foreach (var name in names)
        {
            if (database.Contains(name)
                || name.EndsWith("Connection", StringComparison.Ordinal)
                || name.EndsWith("Command", StringComparison.Ordinal)
                || name.EndsWith("Reader", StringComparison.Ordinal)
                || name.EndsWith("Transaction", StringComparison.Ordinal)
                || name.EndsWith("Batch", StringComparison.Ordinal)
                || name.EndsWith("Context", StringComparison.Ordinal)
                || name.EndsWith("Session", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // Never changed once read: a tree's shapes are shared by every compilation that has the tree.
    private static List<ClassShape> Read(SyntaxTree tree)
    {
        var shapes = new List<ClassShape>();
        var root = (CompilationUnitSyntax)tree.GetRoot();
        ReadAliases(root.Usings, shapes);
        ReadMembers(root.Members, shapes);
        return shapes;
    }

    /// <summary>
    /// <c>using Conn = Npgsql.NpgsqlConnection;</c> (global or not): the alias stands for what it names, so it is read
    /// as a class deriving from and taking its target. A member of type <c>Conn</c> then names a database type, and a
    /// constructor taking an alias of a class that leads on leads on too. Aliases count everywhere, as names do.
    /// </summary>
    private static void ReadAliases(SyntaxList<UsingDirectiveSyntax> usings, List<ClassShape> shapes)
    {
        foreach (var directive in usings)
        {
            if (directive is { Alias.Name: var alias, NamespaceOrType: { } target })
            {
                var names = new List<string>();
                AddNames(target, names);
                shapes.Add(new ClassShape(alias.Identifier.ValueText, names, names, new List<string>()));
            }
        }
    }

    // Declarations only, down namespaces and nested types: nothing inside a member can declare a class.
    private static void ReadMembers(SyntaxList<MemberDeclarationSyntax> members, List<ClassShape> shapes)
    {
        foreach (var member in members)
        {
            switch (member)
            {
                case BaseNamespaceDeclarationSyntax space:
                    ReadAliases(space.Usings, shapes);
                    ReadMembers(space.Members, shapes);
                    break;
                case ClassDeclarationSyntax or RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.StructKeyword }:
                    shapes.Add(ReadClass((TypeDeclarationSyntax)member));
                    ReadMembers(((TypeDeclarationSyntax)member).Members, shapes);
                    break;
                case TypeDeclarationSyntax type:
                    ReadMembers(type.Members, shapes);
                    break;
            }
        }
    }

    private static ClassShape ReadClass(TypeDeclarationSyntax type)
    {
        var bases = new List<string>();
        foreach (var baseType in type.BaseList?.Types ?? default)
        {
            AddNames(baseType.Type, bases);
        }

        var dependencies = new List<string>();
        var members = new List<string>();
        if (type.ParameterList is { } primary)
        {
            AddParameters(primary, dependencies);
        }

        foreach (var clause in type.ConstraintClauses)
        {
            foreach (var constraint in clause.Constraints)
            {
                if (constraint is TypeConstraintSyntax { Type: var constrained })
                {
                    AddNames(constrained, members);
                }
            }
        }

        foreach (var member in type.Members)
        {
            switch (member)
            {
                case ConstructorDeclarationSyntax constructor:
                    AddParameters(constructor.ParameterList, dependencies);
                    break;
                case FieldDeclarationSyntax field:
                    AddNames(field.Declaration.Type, members);
                    break;
                case PropertyDeclarationSyntax property:
                    AddNames(property.Type, members);
                    break;
            }
        }

        return new ClassShape(type.Identifier.ValueText, bases, dependencies, members);
    }

    private static void AddParameters(ParameterListSyntax parameters, List<string> names)
    {
        foreach (var parameter in parameters.Parameters)
        {
            if (parameter.Type is { } type)
            {
                AddNames(type, names);
            }
        }
    }

    // Every name in the type: Lazy<NpgsqlConnection> and IEnumerable<IHandler> name what they hold. Read by hand, not
    // with a walk of descendants: a class has a few, each a name or two, and every class of a compilation is read.
    private static void AddNames(TypeSyntax type, List<string> names)
    {
        switch (type)
        {
            case GenericNameSyntax generic:
                AddName(generic.Identifier.ValueText, names);
                foreach (var argument in generic.TypeArgumentList.Arguments)
                {
                    AddNames(argument, names);
                }

                break;
            case SimpleNameSyntax simple:
                AddName(simple.Identifier.ValueText, names);
                break;
            case QualifiedNameSyntax qualified:
                AddNames(qualified.Left, names);
                AddNames(qualified.Right, names);
                break;
            case AliasQualifiedNameSyntax aliased:
                AddNames(aliased.Name, names);
                break;
            case NullableTypeSyntax nullable:
                AddNames(nullable.ElementType, names);
                break;
            case ArrayTypeSyntax array:
                AddNames(array.ElementType, names);
                break;
            case TupleTypeSyntax tuple:
                foreach (var element in tuple.Elements)
                {
                    AddNames(element.Type, names);
                }

                break;
            case RefTypeSyntax reference:
                AddNames(reference.Type, names);
                break;
            case PointerTypeSyntax pointer:
                AddNames(pointer.ElementType, names);
                break;
        }
    }

    private static void AddName(string name, List<string> names)
    {
        if (!names.Contains(name))
        {
            names.Add(name);
        }
    }

    /// <summary>What one class declaration says by name: its bases, what its constructors take, what its fields and properties are.</summary>
    private sealed class ClassShape
    {
        public ClassShape(string name, List<string> bases, List<string> dependencies, List<string> memberTypes)
        {
            Name = name;
            Bases = bases;
            Dependencies = dependencies;
            MemberTypes = memberTypes;
        }

        public string Name { get; }

        public List<string> Bases { get; }

        public List<string> Dependencies { get; }

        public List<string> MemberTypes { get; }
    }
}
