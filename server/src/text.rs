//! Conversions between byte offsets and line/column positions.
//!
//! Architecture invariant: this is the only module that knows how columns are counted. The analysis
//! speaks in byte offsets; the language server negotiates UTF-8 or UTF-16 columns with the client, and
//! the command line prints columns in characters. All three go through the functions below, so CRLF,
//! tabs and non-ASCII text are handled the same way everywhere.

use ropey::Rope;

/// How the column of a position is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Bytes of UTF-8 (LSP `utf-8`).
    Utf8,
    /// UTF-16 code units (LSP `utf-16`, the protocol's default).
    #[default]
    Utf16,
    /// Unicode scalar values, which is what people call characters (LSP `utf-32`, CLI columns).
    Utf32,
}

/// A zero-based line and a zero-based column counted in some [`Encoding`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

/// Returns the line and column of `byte`, clamped to the end of the text and rounded down to the
/// start of the character it falls into.
pub fn byte_to_linecol(rope: &Rope, byte: usize, enc: Encoding) -> LineCol {
    let byte = byte.min(rope.len_bytes());
    let line = rope.byte_to_line(byte);
    let line_char = rope.line_to_char(line);
    let char_idx = rope.byte_to_char(byte);
    let col = match enc {
        Encoding::Utf8 => rope.char_to_byte(char_idx) - rope.line_to_byte(line),
        Encoding::Utf16 => rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_char),
        Encoding::Utf32 => char_idx - line_char,
    };
    LineCol { line, col }
}

/// Returns the byte offset of a line and column. Positions past the end of a line land on the end of
/// that line (before its line break), positions past the last line land on the end of the text, and
/// positions inside a character (the middle of a surrogate pair or of a UTF-8 sequence) land on its start.
/// Clients do send such positions; clamping is what the protocol asks for and it can never panic.
pub fn linecol_to_byte(rope: &Rope, pos: LineCol, enc: Encoding) -> usize {
    if pos.line >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line_start_char = rope.line_to_char(pos.line);
    let line = rope.line(pos.line);
    let content_chars = line.len_chars() - line_break_chars(&line);
    let line_end_char = line_start_char + content_chars;
    let char_idx = match enc {
        Encoding::Utf8 => {
            let start = rope.line_to_byte(pos.line);
            let end = rope.char_to_byte(line_end_char);
            rope.byte_to_char((start + pos.col).min(end))
        }
        Encoding::Utf16 => {
            let start = rope.char_to_utf16_cu(line_start_char);
            let end = rope.char_to_utf16_cu(line_end_char);
            rope.utf16_cu_to_char((start + pos.col).min(end))
        }
        Encoding::Utf32 => (line_start_char + pos.col).min(line_end_char),
    };
    rope.char_to_byte(char_idx)
}

/// The number of characters the line break at the end of `line` takes: 0, 1 or 2 (`\r\n`).
fn line_break_chars(line: &ropey::RopeSlice<'_>) -> usize {
    let n = line.len_chars();
    if n == 0 {
        return 0;
    }
    match line.char(n - 1) {
        '\n' if n >= 2 && line.char(n - 2) == '\r' => 2,
        '\n' | '\r' => 1,
        _ => 0,
    }
}

/// Where each line of a text starts, split as [`byte_to_linecol`]'s rope splits them (`\n`, `\r\n`
/// and `\r`): the same positions without building a rope of the whole text, for a caller that needs
/// only a few positions of a file it does not edit. It keeps one offset per line, not the text.
#[derive(Clone, Debug, Default)]
pub struct LineStarts(Vec<usize>);

impl LineStarts {
    pub fn new(text: &str) -> LineStarts {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            // A `\r` ends a line unless a `\n` follows, which then ends the same line.
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        starts.shrink_to_fit();
        LineStarts(starts)
    }

    /// The zero-based line of `byte` (clamped to the end of the text the starts were taken of).
    pub fn line(&self, byte: usize) -> usize {
        self.0.partition_point(|&s| s <= byte).saturating_sub(1)
    }

    /// What [`byte_to_linecol`] gives for `byte` in `text`, which must be the text these starts
    /// were taken of.
    pub fn linecol(&self, text: &str, byte: usize, enc: Encoding) -> LineCol {
        let mut byte = byte.min(text.len());
        // Rounded down to the start of the character it falls into.
        while !text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line = self.line(byte);
        let before = text.get(self.0[line]..byte).unwrap_or("");
        let col = match enc {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
            Encoding::Utf32 => before.chars().count(),
        };
        LineCol { line, col }
    }
}

/// Tree-sitter's point for a byte offset: the row and the byte column within it.
pub fn byte_to_point(rope: &Rope, byte: usize) -> tree_sitter::Point {
    let byte = byte.min(rope.len_bytes());
    let row = rope.byte_to_line(byte);
    tree_sitter::Point { row, column: byte - rope.line_to_byte(row) }
}

/// The lengths of the longest common prefix and the longest common suffix of two texts, in bytes
/// (they may overlap where an edit repeats its neighbour). A keystroke leaves all but a few bytes
/// of a file alone: what lies wholly inside either end is the same text in both, at offsets that
/// differ by the change of length in the suffix. Compared a block at a time, which `memcmp`
/// does far faster than a byte loop: it is two passes over the file per keystroke.
pub fn common_ends(a: &str, b: &str) -> (usize, usize) {
    const BLOCK: usize = 256;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len().min(b.len());
    let mut prefix = 0;
    while prefix + BLOCK <= n && a[prefix..prefix + BLOCK] == b[prefix..prefix + BLOCK] {
        prefix += BLOCK;
    }
    while prefix < n && a[prefix] == b[prefix] {
        prefix += 1;
    }
    let (ea, eb) = (a.len(), b.len());
    let mut suffix = 0;
    while suffix + BLOCK <= n && a[ea - suffix - BLOCK..ea - suffix] == b[eb - suffix - BLOCK..eb - suffix] {
        suffix += BLOCK;
    }
    while suffix < n && a[ea - suffix - 1] == b[eb - suffix - 1] {
        suffix += 1;
    }
    (prefix, suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str, byte: usize, enc: Encoding, expect: (usize, usize)) {
        let rope = Rope::from_str(text);
        let lc = byte_to_linecol(&rope, byte, enc);
        assert_eq!((lc.line, lc.col), expect, "byte {byte} in {text:?} with {enc:?}");
        assert_eq!(linecol_to_byte(&rope, lc, enc), byte, "back from {lc:?} in {text:?}");
    }

    #[test]
    fn ascii_and_tabs_count_one_unit_each() {
        let text = "package a\n\tfoo()\n";
        let foo = text.find("foo").unwrap();
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            roundtrip(text, foo, enc, (1, 1));
        }
    }

    #[test]
    fn crlf_lines_do_not_shift_columns() {
        let text = "package a\r\n\r\nfunc f() {\r\n\tx()\r\n}\r\n";
        let x = text.find("x()").unwrap();
        roundtrip(text, x, Encoding::Utf16, (3, 1));
        let rope = Rope::from_str(text);
        // A column past the end of a CRLF line lands before the `\r`, never between `\r` and `\n`.
        let b = linecol_to_byte(&rope, LineCol { line: 0, col: 99 }, Encoding::Utf16);
        assert_eq!(b, "package a".len());
    }

    #[test]
    fn emoji_and_cjk_use_the_negotiated_units() {
        let text = "s := \"😀漢字\"; x()\n";
        let x = text.find("x()").unwrap();
        // 😀 is 4 bytes / 2 UTF-16 units / 1 char; each CJK char is 3 bytes / 1 unit / 1 char.
        roundtrip(text, x, Encoding::Utf8, (0, x));
        roundtrip(text, x, Encoding::Utf16, (0, 6 + 2 + 2 + 3));
        roundtrip(text, x, Encoding::Utf32, (0, 6 + 1 + 2 + 3));
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let text = "ab\ncd";
        let rope = Rope::from_str(text);
        assert_eq!(linecol_to_byte(&rope, LineCol { line: 9, col: 0 }, Encoding::Utf16), 5);
        assert_eq!(linecol_to_byte(&rope, LineCol { line: 1, col: 99 }, Encoding::Utf8), 5);
        assert_eq!(byte_to_linecol(&rope, 99, Encoding::Utf16), LineCol { line: 1, col: 2 });
    }

    #[test]
    fn line_starts_place_every_offset_as_the_rope_does() {
        let texts = [
            "",
            "package a\n\tfoo()\n",
            "a\r\nb\rc\n\r\n\r\rd",
            "\r\n",
            "x😀漢\r\n字\u{2028}y\u{85}z\n\n",
            "no line break at the end",
        ];
        for text in texts {
            let rope = Rope::from_str(text);
            let starts = LineStarts::new(text);
            for byte in 0..=text.len() + 2 {
                for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
                    assert_eq!(
                        starts.linecol(text, byte, enc),
                        byte_to_linecol(&rope, byte, enc),
                        "byte {byte} of {text:?} in {enc:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn positions_inside_a_character_round_down() {
        let text = "😀x";
        let rope = Rope::from_str(text);
        // UTF-16 column 1 is the middle of the surrogate pair.
        assert_eq!(linecol_to_byte(&rope, LineCol { line: 0, col: 1 }, Encoding::Utf16), 0);
        // UTF-8 column 2 is inside the 4-byte sequence.
        assert_eq!(linecol_to_byte(&rope, LineCol { line: 0, col: 2 }, Encoding::Utf8), 0);
        assert_eq!(byte_to_linecol(&rope, 2, Encoding::Utf16), LineCol { line: 0, col: 0 });
    }

    /// `common_ends` equals a byte-by-byte comparison, across the block size and for texts of
    /// which one holds the other.
    #[test]
    fn common_ends_equal_a_byte_by_byte_comparison() {
        let naive = |a: &[u8], b: &[u8]| {
            let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
            let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
            (prefix, suffix)
        };
        let base: String = (0..1500).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
        for at in [0, 1, 255, 256, 257, 700, 1499, 1500] {
            for (removed, inserted) in [(0, "q"), (1, ""), (1, "q"), (3, "xyz"), (0, "")] {
                let end = (at + removed).min(base.len());
                let edited = format!("{}{inserted}{}", &base[..at], &base[end..]);
                let got = common_ends(&base, &edited);
                assert_eq!(got, naive(base.as_bytes(), edited.as_bytes()), "at {at}, -{removed} +{inserted:?}");
                assert_eq!(common_ends(&edited, &base), got);
            }
        }
        assert_eq!(common_ends("", "abc"), (0, 0));
        assert_eq!(common_ends("abc", "abc"), (3, 3));
    }
}
