//! The compiler error messages of spec §9 with their line numbers, as the
//! reference parser reports them: one (source, message) pair per case.

/// (source, message without its `Compiler Error: ` / `Lexer Error: ` prefix).
pub(super) const COMPILER_MESSAGES: &[(&str, &str)] = &[
    // got X where Y is required: line after the offending token.
    ("x = (1", "got EOL where RParen is required [line 1]"),
    (
        "x = (1\ny = 2",
        "got EOL(\n) where RParen is required [line 2]",
    ),
    (
        "print 1 2",
        "got Number(2) where Comma or EOL is required [line 1]",
    ),
    (
        "x = [1,\n2\n]",
        "got EOL(\n) where Comma or RSquare is required [line 3]",
    ),
    (
        "x = {1:2 3}",
        "got Number(3) where Comma or RCurly is required [line 1]",
    ),
    (
        "x = {1 2}",
        "got Number(2) where Colon is required [line 1]",
    ),
    (
        "f(1 2)",
        "got Number(2) where Comma or RParen is required [line 1]",
    ),
    (
        "if x\ny",
        "got EOL(\n) where Keyword(then) is required [line 2]",
    ),
    (
        "if x; y",
        "got EOL(;) where Keyword(then) is required [line 1]",
    ),
    (
        "for 1 in x",
        "got Number(1) where Identifier is required [line 1]",
    ),
    (
        "for i of x",
        "got Identifier(of) where Keyword(in) is required [line 1]",
    ),
    ("x = a.1", "got Number(.1) where EOL is required [line 1]"),
    (
        "x = a.(1)",
        "got LParen where Identifier is required [line 1]",
    ),
    (
        "f = function x",
        "got Identifier(x) where LParen is required [line 1]",
    ),
    (
        "f = function(a b)",
        "got Identifier(b) where Comma is required [line 1]",
    ),
    (
        "f = function(1)",
        "got Number(1) where an identifier is required [line 1]",
    ),
    (
        "f = function(",
        "got EOL where an identifier is required [line 1]",
    ),
    (
        "if x then y 1 2",
        "got Number(2) where Comma or EOL is required [line 1]",
    ),
    (
        "if x then y = 1 2",
        "got Number(2) where Keyword(else) or EOL is required [line 1]",
    ),
    ("x = 5 $", "got Unknown($) where EOL is required [line 1]"),
    ("x = 1 !", "got Unknown(!) where EOL is required [line 1]"),
    (
        "x = \"a\" \"\"",
        "got String() where EOL is required [line 1]",
    ),
    ("return 1 2", "got Number(2) where EOL is required [line 1]"),
    (
        "while x y",
        "got Identifier(y) where EOL is required [line 1]",
    ),
    (
        "if x then\nelse y\nend if",
        "got Identifier(y) where EOL is required [line 2]",
    ),
    (
        "if x then\nend if 3",
        "got Number(3) where EOL is required [line 2]",
    ),
    ("while x = 1", "got OpAssign where EOL is required [line 1]"),
    // Primary errors and numeric literals use the statement's line.
    (
        "x = ",
        "got EOL where number, string, or identifier is required [line 1]",
    ),
    (
        "x = 1 +\n\n  )",
        "got RParen where number, string, or identifier is required [line 1]",
    ),
    (
        "x = 2^-1",
        "got OpMinus where number, string, or identifier is required [line 1]",
    ),
    (
        "x = not not y",
        "got Keyword(not) where number, string, or identifier is required [line 1]",
    ),
    (
        "x = --y",
        "got OpMinus where number, string, or identifier is required [line 1]",
    ),
    (
        "x = 1 + not 0",
        "got Keyword(not) where number, string, or identifier is required [line 1]",
    ),
    (
        "x = new new y",
        "got Keyword(new) where number, string, or identifier is required [line 1]",
    ),
    (
        "x = @@y",
        "got AddressOf where number, string, or identifier is required [line 1]",
    ),
    (
        "x = a isa b isa c",
        "got Keyword(isa) where EOL is required [line 1]",
    ),
    (
        "x = [,]",
        "got Comma where number, string, or identifier is required [line 1]",
    ),
    (
        "f(\n)",
        "got RParen where number, string, or identifier is required [line 1]",
    ),
    (
        "f(1,)",
        "got RParen where number, string, or identifier is required [line 1]",
    ),
    ("x = 1.2.3", "invalid numeric literal: 1.2.3 [line 1]"),
    ("x = 1\ny = 1e", "invalid numeric literal: 1e [line 2]"),
    ("x = 1e+", "invalid numeric literal: 1e+ [line 1]"),
    (
        "x = 3.foo",
        "got Identifier(foo) where EOL is required [line 1]",
    ),
    // Statement-level messages.
    (
        "if x = 1 then y",
        "found = instead of == in if condition [line 1]",
    ),
    (
        "if x then\nelse if y = 2 then\nend if",
        "found = instead of == in if condition [line 2]",
    ),
    (
        "null",
        "unexpected keyword 'null' at start of line [line 1]",
    ),
    (
        "x\nfunction()",
        "unexpected keyword 'function' at start of line [line 2]",
    ),
    (
        "new x",
        "unexpected keyword 'new' at start of line [line 1]",
    ),
    (
        "then",
        "unexpected keyword 'then' at start of line [line 1]",
    ),
    (
        "end then",
        "unexpected keyword 'end then' at start of line [line 1]",
    ),
    (
        "repeat",
        "unexpected keyword 'repeat' at start of line [line 1]",
    ),
    (
        "if x then in",
        "unexpected keyword 'in' at start of line [line 1]",
    ),
    ("end while", "'end while' without matching 'while' [line 1]"),
    ("end for", "'end for' without matching 'for' [line 1]"),
    ("end if", "'end if' without matching 'if' [line 1]"),
    (
        "while x\nif y then\nend while",
        "'end while' skips expected 'else' [line 3]",
    ),
    (
        "for i in x\nif y then\nelse\nend for",
        "'end for' skips expected 'end if' [line 4]",
    ),
    (
        "if x then\nelse\nelse\nend if",
        "'else' skips expected 'end if' [line 3]",
    ),
    (
        "while x\nelse\nend while",
        "'else' skips expected 'end while' [line 2]",
    ),
    ("while x\nend if", "'end if' without matching 'if' [line 2]"),
    ("else", "'else' without matching block starter [line 1]"),
    (
        "x = 1\nelse if y then",
        "'else' without matching block starter [line 2]",
    ),
    (
        "end function",
        "'end function' without matching block starter [line 1]",
    ),
    ("if x then\n  y", "'if' without matching 'end if' [line 3]"),
    (
        "if x then\nelse\n",
        "'if' without matching 'end if' [line 4]",
    ),
    (
        "while x\n  y",
        "'while' without matching 'end while' [line 3]",
    ),
    ("while x\n  break", "unmatched block opener [line 3]"),
    (
        "f = function()\n  x = 1",
        "'function' without matching 'end function' [line 3]",
    ),
    (
        "f = function()\n  if x then\nend function",
        "'if' without matching 'end if' [line 3]",
    ),
    (
        "f = function()\n  for i in x\n\nend function\n",
        "'for' without matching 'end for' [line 4]",
    ),
    ("continue", "'continue' without open loop block [line 1]"),
    (
        "while 1\nf = function()\nbreak\nend function\nend while",
        "'break' without open loop block [line 3]",
    ),
    (
        "if x then break",
        "'break' without open loop block [line 1]",
    ),
    (
        "if true then\n  for i in \"abc\" do",
        "got Identifier(do) where EOL is required [line 2]",
    ),
    (
        "if x then while y else z",
        "'else' skips expected 'end while' [line 1]",
    ),
    (
        "if x then for i in y z",
        "got Identifier(z) where Keyword(else) or EOL is required [line 1]",
    ),
    (
        "if x then y else while z",
        "loop is invalid within single-line 'if' [line 1]",
    ),
    (
        "if x then if y then\nz",
        "invalid control structure within single-line 'if' [line 1]",
    ),
    (
        "if x then else",
        "invalid control structure within single-line 'if' [line 1]",
    ),
    (
        "while 1\nif x then end while\nend while",
        "'end while' skips expected 'else' [line 2]",
    ),
    (
        "if x then end for",
        "'end for' without matching 'for' [line 1]",
    ),
    (
        "for i in null",
        "sequence expression expected for 'for' loop [line 1]",
    ),
    (
        "for i in (null)\nx",
        "sequence expression expected for 'for' loop [line 2]",
    ),
    (
        "f = function(a=1+1)",
        "parameter default value must be a literal value [line 1]",
    ),
    (
        "f = function(a=[1])",
        "parameter default value must be a literal value [line 1]",
    ),
    (
        "f = function(a=b)",
        "parameter default value must be a literal value [line 1]",
    ),
    (
        "f = function(a=-b)",
        "parameter default value must be a literal value [line 1]",
    ),
    (
        "x = [function(), function()]",
        "can't start two functions in one statement [line 1]",
    ),
    (
        "f = function(a=function())",
        "can't start two functions in one statement [line 1]",
    ),
    (
        "if x then f = function()\nend function",
        "'end if' without matching 'if' [line 1]",
    ),
    (
        "if x then f = function() else y",
        "'else' without matching block starter [line 1]",
    ),
    (
        "if x then y else f = function()",
        "'end if' without matching 'if' [line 1]",
    ),
    ("x[1:2] = 5", "invalid assignment (not an lvalue) [line 1]"),
    (
        "x[1:2] = 5\ny = 1",
        "invalid assignment (not an lvalue) [line 2]",
    ),
    ("f(1) = 2", "invalid assignment (not an lvalue) [line 1]"),
    ("(x) = 5", "invalid assignment (not an lvalue) [line 1]"),
    ("(m[1]) = 5", "invalid assignment (not an lvalue) [line 1]"),
    ("a + b = 1", "invalid assignment (not an lvalue) [line 1]"),
    ("[1] = 1", "invalid assignment (not an lvalue) [line 1]"),
    ("x.y(1) += 1", "invalid assignment (not an lvalue) [line 1]"),
    // Lexer errors carry the statement's line.
    ("x = 1 +\n\"abc", "missing closing quote (\") [line 1]"),
    // A bad first token of a statement: the reference gives no line.
    ("x = 1\n\"abc", "missing closing quote (\")"),
    (
        "end",
        "'end' without following keyword ('if', 'function', etc.)",
    ),
    (
        "while x\n  y\nend",
        "'end' without following keyword ('if', 'function', etc.)",
    ),
    (
        "if x then\nend iff",
        "'end' without following keyword ('if', 'function', etc.)",
    ),
];
