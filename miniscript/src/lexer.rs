//! Tokens and the lexer (spec §1).
//!
//! The lexer is lazy, with at most one token of lookahead, because the reference parser's
//! line numbers depend on it: an error that quotes "the current line" reports the line
//! the lexer has reached, which is one past a newline that was merely peeked. The parser
//! reproduces those numbers by asking [`Lexer::line`] at the same moments.
//!
//! Lexer errors come back without a line ([`MsError::line`] is `None`); the parser
//! attaches the line of the statement being parsed, as the reference does.

use crate::error::{ErrorKind, MsError, MsResult};
use std::fmt;

/// Token types, named as the reference names them in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Unknown,
    Keyword,
    Number,
    String,
    Identifier,
    OpAssign,
    OpPlus,
    OpMinus,
    OpTimes,
    OpDivide,
    OpMod,
    OpPower,
    OpEqual,
    OpNotEqual,
    OpGreater,
    OpGreatEqual,
    OpLesser,
    OpLessEqual,
    OpAssignPlus,
    OpAssignMinus,
    OpAssignTimes,
    OpAssignDivide,
    OpAssignMod,
    OpAssignPower,
    LParen,
    RParen,
    LSquare,
    RSquare,
    LCurly,
    RCurly,
    AddressOf,
    Comma,
    Dot,
    Colon,
    Eol,
}

impl TokenKind {
    /// The type name used in `got X where Y is required` messages.
    pub fn name(self) -> &'static str {
        use TokenKind::*;
        match self {
            Unknown => "Unknown",
            Keyword => "Keyword",
            Number => "Number",
            String => "String",
            Identifier => "Identifier",
            OpAssign => "OpAssign",
            OpPlus => "OpPlus",
            OpMinus => "OpMinus",
            OpTimes => "OpTimes",
            OpDivide => "OpDivide",
            OpMod => "OpMod",
            OpPower => "OpPower",
            OpEqual => "OpEqual",
            OpNotEqual => "OpNotEqual",
            OpGreater => "OpGreater",
            OpGreatEqual => "OpGreatEqual",
            OpLesser => "OpLesser",
            OpLessEqual => "OpLessEqual",
            OpAssignPlus => "OpAssignPlus",
            OpAssignMinus => "OpAssignMinus",
            OpAssignTimes => "OpAssignTimes",
            OpAssignDivide => "OpAssignDivide",
            OpAssignMod => "OpAssignMod",
            OpAssignPower => "OpAssignPower",
            LParen => "LParen",
            RParen => "RParen",
            LSquare => "LSquare",
            RSquare => "RSquare",
            LCurly => "LCurly",
            RCurly => "RCurly",
            AddressOf => "AddressOf",
            Comma => "Comma",
            Dot => "Dot",
            Colon => "Colon",
            Eol => "EOL",
        }
    }
}

/// The 20 reserved words (spec §1). `end X` and `else if` are merged into one keyword
/// token by the lexer.
pub const KEYWORDS: [&str; 20] = [
    "break", "continue", "else", "end", "for", "function", "if", "in", "isa", "new", "null",
    "then", "repeat", "return", "while", "and", "or", "not", "true", "false",
];

pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Identifier characters: ASCII letters, digits, `_`, and anything above U+009F (the
/// reference's rule, so that most non-Latin letters work).
pub fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric() || c > '\u{9F}'
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// Text for number, string (already unescaped), identifier, keyword, unknown and
    /// EOL tokens (`"\n"`, `";"`, ...); `None` for operators and for end of input.
    pub text: Option<String>,
    /// Whitespace came right before this token (decides `f [1]` vs `f[1]`, spec §2.3).
    pub after_space: bool,
    /// Line and 1-based column (in characters) of the first character.
    pub line: u32,
    pub col: u32,
    /// Byte range of the token in the source.
    pub start: u32,
    pub end: u32,
}

impl Token {
    /// Is this the keyword `kw` (which may be a merged one such as `end if`)?
    pub fn is_kw(&self, kw: &str) -> bool {
        self.kind == TokenKind::Keyword && self.text.as_deref() == Some(kw)
    }

    /// Any end-of-line token, including end of input.
    pub fn is_eol(&self) -> bool {
        self.kind == TokenKind::Eol
    }

    /// The end-of-input token (an EOL without text).
    pub fn is_end(&self) -> bool {
        self.kind == TokenKind::Eol && self.text.is_none()
    }
}

/// `Type` or `Type(text)`, exactly as in the reference's messages (a newline EOL prints
/// the raw newline between the parentheses).
impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.text {
            Some(t) => write!(f, "{}({})", self.kind.name(), t),
            None => f.write_str(self.kind.name()),
        }
    }
}

pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// The reference's `lineNum`: advanced whenever a newline token is lexed, peeked
    /// or not.
    line: u32,
    /// Byte offset and column of a known point on the current line, so that columns
    /// are computed incrementally (long lines stay linear).
    col_mark: usize,
    col_at_mark: u32,
    pending: Option<Token>,
    /// Line on which the token being lexed began, for lexer errors raised outside any
    /// statement.
    token_line: u32,
}

fn lex_error(msg: &str) -> MsError {
    MsError {
        kind: ErrorKind::Lexer,
        message: msg.to_string(),
        line: None,
        file: None,
    }
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut lx = Lexer {
            src,
            pos: 0,
            line: 1,
            col_mark: 0,
            col_at_mark: 1,
            pending: None,
            token_line: 1,
        };
        // A `#!` first line (Unix script header) is skipped like a comment; byte offsets
        // stay those of the original source.
        if src.starts_with("#!") {
            lx.pos = src.find(['\n', '\r']).unwrap_or(src.len());
        }
        lx
    }

    /// The lexer's current line: the line of the last token lexed, or the next line if
    /// that token was a newline.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Line on which the most recently attempted token began.
    #[cfg_attr(not(feature = "internals"), allow(dead_code))] // the tools crate
    pub fn token_line(&self) -> u32 {
        self.token_line
    }

    /// Is the character right after the last lexed token a space, a tab, or the end of
    /// input? Used by the statement-start minus rule (spec §2.5), with the `-` peeked.
    pub fn is_at_whitespace(&self) -> bool {
        matches!(
            self.src.as_bytes().get(self.pos),
            None | Some(b' ') | Some(b'\t')
        )
    }

    pub fn peek(&mut self) -> MsResult<&Token> {
        let t = match self.pending.take() {
            Some(t) => t,
            None => self.lex()?,
        };
        Ok(self.pending.insert(t))
    }

    pub fn next_token(&mut self) -> MsResult<Token> {
        match self.pending.take() {
            Some(t) => Ok(t),
            None => self.lex(),
        }
    }

    /// Column (1-based, in characters) of byte offset `at`, which must not precede the
    /// last position asked about on this line.
    fn col_of(&mut self, at: usize) -> u32 {
        if at < self.col_mark {
            // Only reachable if the source is re-scanned; recount from the line start.
            let line_start = self.src[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            self.col_mark = line_start;
            self.col_at_mark = 1;
        }
        let n = self.src[self.col_mark..at].chars().count() as u32;
        self.col_mark = at;
        self.col_at_mark += n;
        self.col_at_mark
    }

    fn new_line_at(&mut self, pos: usize) {
        self.line += 1;
        self.col_mark = pos;
        self.col_at_mark = 1;
    }

    fn peek_byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    /// Skips spaces and tabs, then one `//` comment (up to, not including, the line
    /// break).
    fn skip_whitespace_and_comment(&mut self) {
        let b = self.src.as_bytes();
        while self.pos < b.len() && (b[self.pos] == b' ' || b[self.pos] == b'\t') {
            self.pos += 1;
        }
        if b[self.pos..].starts_with(b"//") {
            // Stop at `\r` too, so that old-Mac line ends still end a comment.
            self.pos += b[self.pos..]
                .iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .unwrap_or(b.len() - self.pos);
        }
    }

    /// One token, with `end` + keyword merged into a single keyword token.
    fn lex(&mut self) -> MsResult<Token> {
        self.token_line = self.line;
        let mut tok = self.lex_basic()?;
        if tok.is_kw("end") {
            // `end` takes the next token, which must be a keyword; `end end if` nests as
            // in the reference (done with a loop rather than recursion).
            let mut text = String::from("end");
            loop {
                let next = self.lex_basic()?;
                if next.kind != TokenKind::Keyword {
                    return Err(lex_error(
                        "'end' without following keyword ('if', 'function', etc.)",
                    ));
                }
                let word = next.text.unwrap_or_default();
                text.push(' ');
                text.push_str(&word);
                tok.end = next.end;
                if word != "end" {
                    break;
                }
            }
            tok.text = Some(text);
        }
        Ok(tok)
    }

    /// One token without the `end` merging.
    fn lex_basic(&mut self) -> MsResult<Token> {
        let old = self.pos;
        self.skip_whitespace_and_comment();
        let start = self.pos;
        let mut tok = Token {
            kind: TokenKind::Eol,
            text: None,
            after_space: start > old,
            line: self.line,
            col: self.col_of(start),
            start: start as u32,
            end: start as u32,
        };
        let Some(c) = self.src[start..].chars().next() else {
            return Ok(tok);
        };
        self.pos += c.len_utf8();
        let next = self.peek_byte(self.pos);

        // Two-character operators first.
        if next == Some(b'=') {
            let kind = match c {
                '=' => Some(TokenKind::OpEqual),
                '+' => Some(TokenKind::OpAssignPlus),
                '-' => Some(TokenKind::OpAssignMinus),
                '*' => Some(TokenKind::OpAssignTimes),
                '/' => Some(TokenKind::OpAssignDivide),
                '%' => Some(TokenKind::OpAssignMod),
                '^' => Some(TokenKind::OpAssignPower),
                '!' => Some(TokenKind::OpNotEqual),
                '>' => Some(TokenKind::OpGreatEqual),
                '<' => Some(TokenKind::OpLessEqual),
                _ => None,
            };
            if let Some(kind) = kind {
                self.pos += 1;
                tok.kind = kind;
                tok.end = self.pos as u32;
                return Ok(tok);
            }
        }

        let single = match c {
            '+' => Some(TokenKind::OpPlus),
            '-' => Some(TokenKind::OpMinus),
            '*' => Some(TokenKind::OpTimes),
            '/' => Some(TokenKind::OpDivide),
            '%' => Some(TokenKind::OpMod),
            '^' => Some(TokenKind::OpPower),
            '(' => Some(TokenKind::LParen),
            ')' => Some(TokenKind::RParen),
            '[' => Some(TokenKind::LSquare),
            ']' => Some(TokenKind::RSquare),
            '{' => Some(TokenKind::LCurly),
            '}' => Some(TokenKind::RCurly),
            ',' => Some(TokenKind::Comma),
            ':' => Some(TokenKind::Colon),
            '=' => Some(TokenKind::OpAssign),
            '<' => Some(TokenKind::OpLesser),
            '>' => Some(TokenKind::OpGreater),
            '@' => Some(TokenKind::AddressOf),
            _ => None,
        };
        if let Some(kind) = single {
            tok.kind = kind;
            tok.end = self.pos as u32;
            return Ok(tok);
        }

        match c {
            ';' => {
                tok.text = Some(";".into());
            }
            '\n' => {
                tok.text = Some("\n".into());
                self.new_line_at(self.pos);
            }
            '\r' => {
                if next == Some(b'\n') {
                    self.pos += 1;
                    tok.text = Some("\r\n".into());
                } else {
                    tok.text = Some("\r".into());
                }
                self.new_line_at(self.pos);
            }
            '.' if !next.is_some_and(|b| b.is_ascii_digit()) => tok.kind = TokenKind::Dot,
            '.' | '0'..='9' => {
                // Greedy: digits, dots, E/e, and a sign right after E/e. Validity is
                // checked by the parser (`invalid numeric literal`).
                tok.kind = TokenKind::Number;
                let b = self.src.as_bytes();
                let mut last = c as u8;
                while let Some(&d) = b.get(self.pos) {
                    let sign_ok = (d == b'+' || d == b'-') && (last == b'e' || last == b'E');
                    if d.is_ascii_digit() || d == b'.' || d == b'e' || d == b'E' || sign_ok {
                        self.pos += 1;
                        last = d;
                    } else {
                        break;
                    }
                }
                tok.text = Some(self.src[start..self.pos].to_string());
            }
            '"' => {
                tok.kind = TokenKind::String;
                tok.text = Some(self.lex_string_body()?);
            }
            c if is_ident_char(c) => {
                let rest = &self.src[self.pos..];
                self.pos += rest
                    .find(|ch: char| !is_ident_char(ch))
                    .unwrap_or(rest.len());
                let word = &self.src[start..self.pos];
                tok.kind = if is_keyword(word) {
                    TokenKind::Keyword
                } else {
                    TokenKind::Identifier
                };
                tok.text = Some(word.to_string());
                if word == "else" {
                    self.merge_else_if(&mut tok);
                }
            }
            _ => {
                tok.kind = TokenKind::Unknown;
                tok.text = Some(c.to_string());
            }
        }
        tok.end = self.pos as u32;
        Ok(tok)
    }

    /// After `else`: spaces/tabs, then `if` not followed by an identifier character,
    /// make one `else if` keyword.
    fn merge_else_if(&mut self, tok: &mut Token) {
        let b = self.src.as_bytes();
        let mut p = self.pos;
        while p < b.len() && (b[p] == b' ' || b[p] == b'\t') {
            p += 1;
        }
        if b[p..].starts_with(b"if") && !self.src[p + 2..].chars().next().is_some_and(is_ident_char)
        {
            tok.text = Some("else if".into());
            self.pos = p + 2;
        }
    }

    /// The body of a string literal, after its opening quote: `""` stands for one quote;
    /// a line break or the end of input before the closing quote is an error.
    fn lex_string_body(&mut self) -> MsResult<String> {
        let b = self.src.as_bytes();
        let mut text = String::new();
        let mut run = self.pos;
        loop {
            match b.get(self.pos) {
                None | Some(b'\n') | Some(b'\r') => {
                    return Err(lex_error("missing closing quote (\")"))
                }
                Some(b'"') => {
                    text.push_str(&self.src[run..self.pos]);
                    if b.get(self.pos + 1) == Some(&b'"') {
                        text.push('"');
                        self.pos += 2;
                        run = self.pos;
                    } else {
                        self.pos += 1;
                        return Ok(text);
                    }
                }
                Some(_) => self.pos += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<String> {
        let mut lx = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.is_end() {
                return out;
            }
            out.push(t.to_string());
        }
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(
            kinds("42  * 3.14158"),
            ["Number(42)", "OpTimes", "Number(3.14158)"]
        );
        assert_eq!(
            kinds("6*(.1-foo) end if // and a comment!"),
            [
                "Number(6)",
                "OpTimes",
                "LParen",
                "Number(.1)",
                "OpMinus",
                "Identifier(foo)",
                "RParen",
                "Keyword(end if)"
            ]
        );
        assert_eq!(
            kinds("x+=1 a==b c!=d e>=f g<=h i-=j k*=l m/=n o%=p q^=r"),
            [
                "Identifier(x)",
                "OpAssignPlus",
                "Number(1)",
                "Identifier(a)",
                "OpEqual",
                "Identifier(b)",
                "Identifier(c)",
                "OpNotEqual",
                "Identifier(d)",
                "Identifier(e)",
                "OpGreatEqual",
                "Identifier(f)",
                "Identifier(g)",
                "OpLessEqual",
                "Identifier(h)",
                "Identifier(i)",
                "OpAssignMinus",
                "Identifier(j)",
                "Identifier(k)",
                "OpAssignTimes",
                "Identifier(l)",
                "Identifier(m)",
                "OpAssignDivide",
                "Identifier(n)",
                "Identifier(o)",
                "OpAssignMod",
                "Identifier(p)",
                "Identifier(q)",
                "OpAssignPower",
                "Identifier(r)",
            ]
        );
        assert_eq!(
            kinds("@a.b[1]{}:,"),
            [
                "AddressOf",
                "Identifier(a)",
                "Dot",
                "Identifier(b)",
                "LSquare",
                "Number(1)",
                "RSquare",
                "LCurly",
                "RCurly",
                "Colon",
                "Comma"
            ]
        );
        assert_eq!(
            kinds("$ ! !x"),
            ["Unknown($)", "Unknown(!)", "Unknown(!)", "Identifier(x)"]
        );
    }

    #[test]
    fn strings() {
        assert_eq!(
            kinds(r#""foo" "isn't ""real""" "now """" double!" """#),
            [
                "String(foo)",
                "String(isn't \"real\")",
                "String(now \"\" double!)",
                "String()"
            ]
        );
        assert_eq!(kinds(r#""a//b" // c"#), ["String(a//b)"]);
        let mut lx = Lexer::new("\"abc\ndef\"");
        let e = lx.next_token().unwrap_err();
        assert_eq!(e.message, "missing closing quote (\")");
        assert_eq!(e.kind, ErrorKind::Lexer);
        assert!(Lexer::new("\"abc").next_token().is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("1e5 1.23E+9 1.23e-9 007 1. .5"),
            [
                "Number(1e5)",
                "Number(1.23E+9)",
                "Number(1.23e-9)",
                "Number(007)",
                "Number(1.)",
                "Number(.5)"
            ]
        );
        assert_eq!(kinds("3.foo"), ["Number(3.)", "Identifier(foo)"]);
        assert_eq!(kinds("1.2.3 1e"), ["Number(1.2.3)", "Number(1e)"]);
        assert_eq!(kinds("1-2"), ["Number(1)", "OpMinus", "Number(2)"]);
    }

    #[test]
    fn lines_and_eols() {
        let mut lx = Lexer::new("foo\nbar\rbaz\r\nbamf;x");
        let mut seen = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.is_end() {
                break;
            }
            seen.push((t.to_string(), t.line, lx.line()));
        }
        assert_eq!(
            seen,
            [
                ("Identifier(foo)".to_string(), 1, 1),
                ("EOL(\n)".to_string(), 1, 2),
                ("Identifier(bar)".to_string(), 2, 2),
                ("EOL(\r)".to_string(), 2, 3),
                ("Identifier(baz)".to_string(), 3, 3),
                ("EOL(\r\n)".to_string(), 3, 4),
                ("Identifier(bamf)".to_string(), 4, 4),
                ("EOL(;)".to_string(), 4, 4),
                ("Identifier(x)".to_string(), 4, 4),
            ]
        );
    }

    #[test]
    fn keywords_merge() {
        assert_eq!(kinds("end  while"), ["Keyword(end while)"]);
        assert_eq!(kinds("end\tthen"), ["Keyword(end then)"]);
        assert_eq!(kinds("end end if"), ["Keyword(end end if)"]);
        assert_eq!(
            kinds("else if(x)"),
            ["Keyword(else if)", "LParen", "Identifier(x)", "RParen"]
        );
        assert_eq!(kinds("else iffy"), ["Keyword(else)", "Identifier(iffy)"]);
        assert_eq!(kinds("elseif"), ["Identifier(elseif)"]);
        assert_eq!(kinds("end else if"), ["Keyword(end else if)"]);
        for bad in ["end", "end\nif", "end x", "end // if", "end 3"] {
            let mut lx = Lexer::new(bad);
            let e = lx.next_token().unwrap_err();
            assert_eq!(
                e.message, "'end' without following keyword ('if', 'function', etc.)",
                "{bad:?}"
            );
        }
        assert_eq!(
            kinds("self super repeat"),
            ["Identifier(self)", "Identifier(super)", "Keyword(repeat)"]
        );
    }

    #[test]
    fn spans_spaces_and_unicode() {
        let mut lx = Lexer::new("ab  [x]\n  héllo+ü");
        let a = lx.next_token().unwrap();
        assert_eq!((a.start, a.end, a.col, a.after_space), (0, 2, 1, false));
        let sq = lx.next_token().unwrap();
        assert_eq!(
            (sq.kind, sq.col, sq.after_space),
            (TokenKind::LSquare, 5, true)
        );
        for _ in 0..3 {
            lx.next_token().unwrap();
        }
        let h = lx.next_token().unwrap();
        assert_eq!(
            (h.text.as_deref(), h.line, h.col, h.start, h.end),
            (Some("héllo"), 2, 3, 10, 16)
        );
        let plus = lx.next_token().unwrap();
        assert_eq!((plus.col, plus.after_space), (8, false));
        let u = lx.next_token().unwrap();
        assert_eq!((u.kind, u.col), (TokenKind::Identifier, 9));
        // U+0080..U+009F are not identifier characters.
        assert_eq!(kinds("\u{85}"), ["Unknown(\u{85})"]);
    }

    #[test]
    fn shebang_and_comments() {
        assert_eq!(
            kinds("#!/usr/bin/env miniscript\nx"),
            ["EOL(\n)", "Identifier(x)"]
        );
        assert_eq!(
            kinds("x // comment\ny"),
            ["Identifier(x)", "EOL(\n)", "Identifier(y)"]
        );
        assert_eq!(kinds("//c\r\ny"), ["EOL(\r\n)", "Identifier(y)"]);
        assert_eq!(kinds("#x"), ["Unknown(#)", "Identifier(x)"]);
    }

    #[test]
    fn whitespace_after_peek() {
        let mut lx = Lexer::new("f -3");
        lx.next_token().unwrap();
        assert_eq!(lx.peek().unwrap().kind, TokenKind::OpMinus);
        assert!(!lx.is_at_whitespace());
        let mut lx = Lexer::new("f - 3");
        lx.next_token().unwrap();
        lx.peek().unwrap();
        assert!(lx.is_at_whitespace());
        let mut lx = Lexer::new("f -");
        lx.next_token().unwrap();
        lx.peek().unwrap();
        assert!(lx.is_at_whitespace());
    }
}
