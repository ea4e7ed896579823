//! Line numbers as an editor shows them. The csv crate numbers a record by the line feeds
//! it has consumed when it begins the record: in a CRLF file (Excel on Windows) that is
//! the line before, after a blank line it is the blank line, and a file with CR line ends
//! (Excel's "CSV (Macintosh)") is all line 1. [`LineStarts`] watches the bytes on their
//! way to the csv reader and remembers where the latest lines begin, so that a record is
//! numbered by the line its first character is on.

use std::collections::VecDeque;
use std::io::Read;

/// A reader that passes bytes through and notes where lines begin (LF, CRLF and a lone
/// CR each end a line).
pub struct LineStarts<R> {
    inner: R,
    /// Bytes passed on so far.
    offset: u64,
    /// Lines of the bytes passed on.
    count: LineCount,
    /// The next byte begins a line.
    at_start: bool,
    /// Where lines that begin with a character (not a line break) begin, and their
    /// numbers: only those ahead of the csv reader are kept, a buffer's worth.
    starts: VecDeque<(u64, u64)>,
}

impl<R> LineStarts<R> {
    /// Watches `inner` from its first byte (line 1).
    pub fn new(inner: R) -> Self {
        LineStarts {
            inner,
            offset: 0,
            count: LineCount::default(),
            at_start: true,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first character at or after byte `offset` that is not a line
    /// break, for an `offset` at the start of the input or right after a line break: where
    /// a record the csv reader began at `offset` really begins (records begin after a
    /// line end, and the reader skips line breaks first). Lines before `offset` are
    /// forgotten, so ask in file order. `None` when those bytes have not been read yet.
    pub fn line_at(&mut self, offset: u64) -> Option<u64> {
        while self.starts.front().is_some_and(|&(at, _)| at < offset) {
            self.starts.pop_front();
        }
        self.starts.front().map(|&(_, line)| line)
    }

    /// The line of the next byte to be read.
    pub fn line(&self) -> u64 {
        self.count.line()
    }

    fn scan(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            if self.at_start && !matches!(bytes[i], b'\r' | b'\n') {
                self.starts.push_back((self.offset + i as u64, self.count.line()));
                self.at_start = false;
            }
            // Up to and including the next line break, counted as [`LineCount`] counts.
            let (end, ends_line) = match memchr::memchr2(b'\r', b'\n', &bytes[i..]) {
                Some(k) => (i + k + 1, true),
                None => (bytes.len(), false),
            };
            self.count.pass(&bytes[i..end]);
            self.at_start |= ends_line;
            i = end;
        }
        self.offset += bytes.len() as u64;
    }
}

/// Counts lines in bytes passed in order (LF, CRLF and a lone CR each end a line), for a
/// reader that sees every byte anyway and so needs no second pass to number its rows.
#[derive(Debug, Clone, Copy)]
pub struct LineCount {
    /// The line of the next byte.
    line: u64,
    /// The last byte passed was a CR.
    after_cr: bool,
}

impl Default for LineCount {
    fn default() -> Self {
        LineCount {
            line: 1,
            after_cr: false,
        }
    }
}

impl LineCount {
    /// The line of the next byte.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Counts the line breaks in `bytes`, the next bytes of the input.
    pub fn pass(&mut self, bytes: &[u8]) {
        let Some(&first) = bytes.first() else { return };
        if memchr::memchr(b'\r', bytes).is_none() {
            // Only LFs: counted in bulk, not visited one by one (reading sampled orders
            // again passes over the whole file between them). A LF first closes the line
            // of a CR that ended the bytes before.
            let lfs = memchr::memchr_iter(b'\n', bytes).count() as u64;
            self.line += lfs - u64::from(self.after_cr && first == b'\n');
            self.after_cr = false;
            return;
        }
        // Where a LF would close the same line as the CR before it.
        let (mut cr, mut next) = (self.after_cr, 0);
        for at in memchr::memchr2_iter(b'\r', b'\n', bytes) {
            let b = bytes[at];
            if !(b == b'\n' && cr && at == next) {
                self.line += 1;
            }
            (cr, next) = (b == b'\r', at + 1);
        }
        if let Some(&last) = bytes.last() {
            self.after_cr = last == b'\r';
        }
    }

    /// Passes a line that holds no line break but its last byte, `end` (what a row read
    /// whole from the buffer is): the line ends, and no search is needed to know it.
    pub fn pass_line(&mut self, end: u8) {
        self.line += 1;
        self.after_cr = end == b'\r';
    }
}

impl<R: Read> Read for LineStarts<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of the first character at or after each offset, by a plain count.
    fn plain(text: &[u8], offset: usize) -> Option<u64> {
        let first = (offset..text.len()).find(|&i| !matches!(text[i], b'\r' | b'\n'))?;
        let mut line = 1;
        for i in 0..first {
            let crlf = text[i] == b'\n' && i > 0 && text[i - 1] == b'\r';
            if matches!(text[i], b'\r' | b'\n') && !crlf {
                line += 1;
            }
        }
        Some(line)
    }

    #[test]
    fn lf_crlf_and_cr_each_end_one_line() {
        let text = b"h\r\nO1\r\n\r\nO2\nO3\rO4\n\n\rO5";
        let mut r = LineStarts::new(&text[..]);
        std::io::copy(&mut r, &mut std::io::sink()).unwrap();
        let at = |s: &str| text.windows(s.len()).position(|w| w == s.as_bytes()).unwrap() as u64;
        assert_eq!(r.line_at(at("O1")), Some(2));
        assert_eq!(r.line_at(at("O2")), Some(4));
        assert_eq!(r.line_at(at("O3")), Some(5));
        assert_eq!(r.line_at(at("O4")), Some(6));
        assert_eq!(
            r.line_at(at("O4") + 2),
            Some(9),
            "line breaks are skipped to the next character"
        );
        assert_eq!(r.line_at(text.len() as u64), None);
    }

    proptest::proptest! {
        /// Passed in pieces of any size, and a line at a time where a piece is one, the
        /// count at every offset where a record can begin is the plain count's.
        #[test]
        fn counted_lines_match_a_plain_count(
            text in proptest::collection::vec(proptest::sample::select(vec![b'a', b'\r', b'\n', b',']), 0..200),
            cuts in proptest::collection::vec(0usize..200, 0..20),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|&c| c <= text.len()).collect();
            cuts.push(0);
            cuts.push(text.len());
            cuts.sort_unstable();
            cuts.dedup();
            let mut n = LineCount::default();
            for w in cuts.windows(2) {
                let piece = &text[w[0]..w[1]];
                let one_line = piece.len() > 1
                    && !matches!(piece[0], b'\r' | b'\n')
                    && piece[..piece.len() - 1].iter().all(|b| !matches!(b, b'\r' | b'\n'))
                    && matches!(piece[piece.len() - 1], b'\r' | b'\n');
                if one_line {
                    n.pass_line(piece[piece.len() - 1]);
                } else {
                    n.pass(piece);
                }
                let at = w[1];
                let starts_record = at < text.len() && !matches!(text[at], b'\r' | b'\n');
                if starts_record {
                    proptest::prop_assert_eq!(Some(n.line()), plain(&text, at));
                }
            }
        }

        /// Read in chunks of any size, every offset where a record can begin gets the
        /// plain count's line.
        #[test]
        fn lines_match_a_plain_count(
            text in proptest::collection::vec(proptest::sample::select(vec![b'a', b'\r', b'\n', b',']), 0..200),
            chunk in 1usize..9,
        ) {
            let mut r = LineStarts::new(&text[..]);
            let mut buf = vec![0; chunk];
            while r.read(&mut buf).unwrap() > 0 {}
            for offset in (0..=text.len()).filter(|&i| i == 0 || matches!(text[i - 1], b'\r' | b'\n')) {
                proptest::prop_assert_eq!(r.line_at(offset as u64), plain(&text, offset));
            }
        }
    }
}
