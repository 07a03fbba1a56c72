using System;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>What a read statement selects: enough of a SELECT to tell whether a later UPDATE writes back what it read.</summary>
internal sealed class SqlRead
{
    public SqlRead(string table, ImmutableArray<string> columns, bool selectsAll, bool locks)
    {
        Table = table;
        Columns = columns;
        SelectsAll = selectsAll;
        Locks = locks;
    }

    /// <summary>The table read, without schema or quotes, as written.</summary>
    public string Table { get; }

    /// <summary>Column names the select list mentions (functions and aliases left out).</summary>
    public ImmutableArray<string> Columns { get; }

    public bool SelectsAll { get; }

    /// <summary>Takes a row lock: <c>FOR UPDATE</c>, <c>FOR SHARE</c>, <c>WITH (UPDLOCK)</c>, <c>HOLDLOCK</c>….</summary>
    public bool Locks { get; }

    public bool Mentions(string column)
    {
        if (SelectsAll)
        {
            return true;
        }

        foreach (var name in Columns)
        {
            if (SqlText.SameName(name, column))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One <c>column = expression</c> of an UPDATE's SET list.</summary>
internal sealed class SqlAssignment
{
    public SqlAssignment(string column, ImmutableArray<string> parameters, bool readsItself, int start, int length)
    {
        Column = column;
        Parameters = parameters;
        ReadsItself = readsItself;
        Start = start;
        Length = length;
    }

    public string Column { get; }

    /// <summary>Parameter names in the new value, without their prefix (<c>@</c>, <c>:</c>); positional ones as <c>$1</c>.</summary>
    public ImmutableArray<string> Parameters { get; }

    /// <summary><c>x = x + @d</c>: the database computes the new value from the current one, atomically.</summary>
    public bool ReadsItself { get; }

    /// <summary>Where the assignment starts in the SQL text, and how long it is.</summary>
    public int Start { get; }

    public int Length { get; }
}

/// <summary>What an UPDATE statement writes, and what its WHERE clause compares.</summary>
internal sealed class SqlWrite
{
    public SqlWrite(string table, ImmutableArray<SqlAssignment> assignments, ImmutableArray<string> whereColumns)
    {
        Table = table;
        Assignments = assignments;
        WhereColumns = whereColumns;
    }

    public string Table { get; }

    public ImmutableArray<SqlAssignment> Assignments { get; }

    public ImmutableArray<string> WhereColumns { get; }

    /// <summary>
    /// <c>… WHERE id = @id AND views = @old</c> or <c>AND version = @version</c>: the write only lands when the row
    /// still holds what was read, the optimistic-concurrency idiom.
    /// </summary>
    public bool ComparesBeforeWriting(string column)
    {
        foreach (var name in WhereColumns)
        {
            if (SqlText.SameName(name, column) || SqlText.IsVersionColumn(name))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// A small, forgiving reader of SQL text: it tokenizes (quoted names, strings, comments, parameters of every
/// provider's style) and recognizes the shapes DBC007 needs. Anything it does not understand yields nothing,
/// so unusual SQL makes the rule silent rather than wrong.
/// </summary>
internal static class SqlText
{
    private enum TokenKind
    {
        Word,
        QuotedName,
        Parameter,
        Literal,
        Symbol,
    }

    private readonly struct Token
    {
        public Token(TokenKind kind, string text, int start, int end, int depth)
        {
            Kind = kind;
            Text = text;
            Start = start;
            End = end;
            Depth = depth;
        }

        public TokenKind Kind { get; }

        /// <summary>The name without quotes or parameter prefix; the symbol itself for punctuation.</summary>
        public string Text { get; }

        public int Start { get; }

        public int End { get; }

        public int Depth { get; }

        public bool Is(string keyword) => Kind == TokenKind.Word && string.Equals(Text, keyword, StringComparison.OrdinalIgnoreCase);

        public bool IsName => Kind is TokenKind.Word or TokenKind.QuotedName;
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "select", "distinct", "top", "from", "where", "and", "or", "not", "null", "is", "as", "case", "when", "then", "else",
        "end", "like", "ilike", "in", "between", "exists", "limit", "offset", "order", "by", "group", "having", "join",
        "inner", "left", "right", "outer", "on", "for", "update", "set", "with", "nolock", "true", "false", "asc", "desc",
        "cast", "coalesce", "isnull", "ifnull", "nullif", "returning", "output", "inserted", "deleted", "only", "escape",
    };

    private static readonly HashSet<string> LockHints = new(StringComparer.OrdinalIgnoreCase)
    {
        "updlock", "xlock", "holdlock", "serializable", "repeatableread", "tablockx",
    };

    public static bool SameName(string left, string right) => string.Equals(left, right, StringComparison.OrdinalIgnoreCase);

    /// <summary>Columns whose only job is optimistic concurrency: a WHERE on one of them makes the UPDATE a compare-and-swap.</summary>
    public static bool IsVersionColumn(string name)
        => SameName(name, "version") || SameName(name, "row_version") || SameName(name, "rowversion") || SameName(name, "xmin")
            || SameName(name, "timestamp") || SameName(name, "concurrency_stamp") || SameName(name, "concurrencystamp");

    /// <summary>The first SELECT … FROM table in <paramref name="sql"/>, if any statement reads one table.</summary>
    public static SqlRead? ReadOf(string sql)
    {
        var tokens = Tokenize(sql);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!tokens[i].Is("from"))
            {
                continue;
            }

            var select = i - 1;
            while (select >= 0 && !tokens[select].Is("select"))
            {
                select--;
            }

            if (select < 0 || i + 1 >= tokens.Count || !tokens[i + 1].IsName)
            {
                return null;
            }

            var table = QualifiedNameEnd(tokens, i + 1, out _);
            var columns = ImmutableArray.CreateBuilder<string>();
            var selectsAll = false;
            for (var j = select + 1; j < i; j++)
            {
                var token = tokens[j];
                if (token.Kind == TokenKind.Symbol && token.Text == "*" && (j == select + 1 || tokens[j - 1].Text is "," or "."))
                {
                    selectsAll = true;
                }
                else if (token.IsName && !IsKeyword(token) && !IsFunctionName(tokens, j) && !(j > 0 && tokens[j - 1].Is("as")) && !IsQualifier(tokens, j))
                {
                    columns.Add(token.Text);
                }
            }

            return new SqlRead(table, columns.ToImmutable(), selectsAll, HasLock(tokens));
        }

        return null;
    }

    /// <summary>Every UPDATE statement in <paramref name="sql"/> (a batch may hold several).</summary>
    public static ImmutableArray<SqlWrite> WritesOf(string sql)
    {
        var tokens = Tokenize(sql);
        var writes = ImmutableArray<SqlWrite>.Empty;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Is("update") && (i == 0 || tokens[i - 1].Text == ";" || tokens[i - 1].Is("then")) && TryReadUpdate(tokens, i, out var write))
            {
                writes = writes.Add(write);
            }
        }

        return writes;
    }

    /// <summary><c>SET TRANSACTION ISOLATION LEVEL SERIALIZABLE</c> and the like: the batch raises its own isolation.</summary>
    public static bool RaisesIsolation(string sql)
    {
        var tokens = Tokenize(sql);
        for (var i = 0; i + 2 < tokens.Count; i++)
        {
            if (tokens[i].Is("isolation") && tokens[i + 1].Is("level"))
            {
                var level = tokens[i + 2];
                return level.Is("serializable") || level.Is("snapshot") || (level.Is("repeatable") && i + 3 < tokens.Count && tokens[i + 3].Is("read"));
            }
        }

        return false;
    }

    private static bool TryReadUpdate(List<Token> tokens, int update, out SqlWrite write)
    {
        write = null!;
        var index = update + 1;
        if (index < tokens.Count && tokens[index].Is("only"))
        {
            index++;
        }

        if (index >= tokens.Count || !tokens[index].IsName)
        {
            return false;
        }

        var table = QualifiedNameEnd(tokens, index, out index);
        while (index < tokens.Count && !tokens[index].Is("set") && tokens[index].Text != ";")
        {
            index++;
        }

        if (index >= tokens.Count || !tokens[index].Is("set"))
        {
            return false;
        }

        var depth = tokens[index].Depth;
        var assignments = ImmutableArray.CreateBuilder<SqlAssignment>();
        index++;
        while (index < tokens.Count)
        {
            // column = value, the column possibly qualified (t.views).
            if (!tokens[index].IsName)
            {
                return false;
            }

            var start = tokens[index].Start;
            var column = QualifiedNameEnd(tokens, index, out index);
            if (index >= tokens.Count || tokens[index].Text != "=")
            {
                return false;
            }

            index++;
            var parameters = ImmutableArray.CreateBuilder<string>();
            var readsItself = false;
            var end = start;
            for (; index < tokens.Count; index++)
            {
                var token = tokens[index];
                if (token.Depth == depth && (token.Text is "," or ";" || token.Is("where") || token.Is("from") || token.Is("returning") || token.Is("output")))
                {
                    break;
                }

                if (token.Kind == TokenKind.Parameter)
                {
                    parameters.Add(token.Text);
                }
                else if (token.IsName && SameName(token.Text, column) && !IsQualifier(tokens, index))
                {
                    readsItself = true;
                }

                end = token.End;
            }

            assignments.Add(new SqlAssignment(column, parameters.ToImmutable(), readsItself, start, end - start));
            if (index < tokens.Count && tokens[index].Text == ",")
            {
                index++;
                continue;
            }

            break;
        }

        var whereColumns = ImmutableArray.CreateBuilder<string>();
        for (; index < tokens.Count && tokens[index].Text != ";"; index++)
        {
            if (tokens[index].Is("where"))
            {
                for (index++; index < tokens.Count && tokens[index].Text != ";"; index++)
                {
                    if (tokens[index].IsName && !IsKeyword(tokens[index]) && !IsQualifier(tokens, index) && !IsFunctionName(tokens, index))
                    {
                        whereColumns.Add(tokens[index].Text);
                    }
                }

                break;
            }
        }

        write = new SqlWrite(table, assignments.ToImmutable(), whereColumns.ToImmutable());
        return assignments.Count > 0;
    }

    /// <summary>Reads <c>name</c>, <c>schema.name</c> or <c>"db"."schema"."name"</c> from <paramref name="index"/>; returns the last part.</summary>
    private static string QualifiedNameEnd(List<Token> tokens, int index, out int next)
    {
        var name = tokens[index].Text;
        next = index + 1;
        while (next + 1 < tokens.Count && tokens[next].Text == "." && tokens[next + 1].IsName)
        {
            name = tokens[next + 1].Text;
            next += 2;
        }

        return name;
    }

    private static bool IsKeyword(Token token) => token.Kind == TokenKind.Word && Keywords.Contains(token.Text);

    private static bool IsFunctionName(List<Token> tokens, int index)
        => index + 1 < tokens.Count && tokens[index + 1].Text == "(";

    // The "p" of p.views: the column is the part after the dot.
    private static bool IsQualifier(List<Token> tokens, int index)
        => index + 1 < tokens.Count && tokens[index + 1].Text == ".";

    private static bool HasLock(List<Token> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Is("for") && i + 1 < tokens.Count
                && (tokens[i + 1].Is("update") || tokens[i + 1].Is("share") || tokens[i + 1].Is("no") || tokens[i + 1].Is("key")))
            {
                return true;
            }

            if (token.Kind == TokenKind.Word && LockHints.Contains(token.Text))
            {
                return true;
            }

            // MySQL: SELECT … LOCK IN SHARE MODE.
            if (token.Is("lock") && i + 1 < tokens.Count && tokens[i + 1].Is("in"))
            {
                return true;
            }
        }

        return false;
    }

    // Punctuation is most of a statement's tokens: its one-character texts are made once.
    private static readonly string[] SymbolTexts = CreateSymbolTexts();

    private static string[] CreateSymbolTexts()
    {
        var texts = new string[128];
        for (var c = 0; c < texts.Length; c++)
        {
            texts[c] = ((char)c).ToString();
        }

        return texts;
    }

    private static List<Token> Tokenize(string sql)
    {
        var tokens = new List<Token>();
        var depth = 0;
        var positional = 0;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + 2;
            }
            else if (c == '\'')
            {
                i = SkipQuoted(sql, i, '\'');
                tokens.Add(new Token(TokenKind.Literal, string.Empty, start, i, depth));
            }
            else if (c is '"' or '`' or '[')
            {
                var close = c == '[' ? ']' : c;
                i = SkipQuoted(sql, i, close);
                var inner = sql.Substring(start + 1, Math.Max(0, i - start - 2));
                tokens.Add(new Token(TokenKind.QuotedName, inner, start, i, depth));
            }
            else if ((c is '@' or ':' or '$') && i + 1 < sql.Length && IsNamePart(sql[i + 1]) && !(c == ':' && i > 0 && sql[i - 1] == ':'))
            {
                i++;
                while (i < sql.Length && IsNamePart(sql[i]))
                {
                    i++;
                }

                var name = sql.Substring(start + 1, i - start - 1);
                tokens.Add(new Token(TokenKind.Parameter, c == '$' ? "$" + name : name, start, i, depth));
            }
            else if (c == '?')
            {
                i++;
                positional++;
                tokens.Add(new Token(TokenKind.Parameter, "$" + positional.ToString(System.Globalization.CultureInfo.InvariantCulture), start, i, depth));
            }
            else if (IsNamePart(c))
            {
                while (i < sql.Length && IsNamePart(sql[i]))
                {
                    i++;
                }

                var word = sql.Substring(start, i - start);
                tokens.Add(new Token(char.IsDigit(c) ? TokenKind.Literal : TokenKind.Word, word, start, i, depth));
            }
            else
            {
                if (c == ')')
                {
                    depth = Math.Max(0, depth - 1);
                }

                tokens.Add(new Token(TokenKind.Symbol, c < SymbolTexts.Length ? SymbolTexts[c] : c.ToString(), start, i + 1, depth));
                if (c == '(')
                {
                    depth++;
                }

                i++;
            }
        }

        return tokens;
    }

    private static bool IsNamePart(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static int SkipQuoted(string sql, int start, char close)
    {
        var i = start + 1;
        while (i < sql.Length)
        {
            if (sql[i] == close)
            {
                // '' inside a string, "" inside a quoted name: an escaped quote.
                if (i + 1 < sql.Length && sql[i + 1] == close && close != ']')
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return sql.Length;
    }
}
