//! Reading the three inputs: header mapping (company column names → canonical ones),
//! required columns, per-record checks, and every problem located by file, line and
//! column. Orders are streamed to a callback so millions of rows never sit in memory.

use super::dates::{parse_datetime, EXPECTED as DATE_EXPECTED};
use super::encoding::{self, Encoding};
use super::lines::{LineCount, LineStarts};
use super::record::Record;
use crate::diag::Diagnostic;
use crate::model::attempt_log::{AttemptLog, Names, Prepared};
use crate::model::values::{Channel, Outcome};
use crate::model::{Customers, KeptVisits, Order, Schema};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to read the inputs.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Company column name → canonical name.
    pub columns: BTreeMap<String, String>,
    /// Text encoding.
    pub encoding: Encoding,
    /// Keep going past invalid rows, collecting them here instead of failing.
    pub skip_invalid: bool,
}

/// A row that was rejected, with its reasons.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// File.
    pub path: PathBuf,
    /// Line.
    pub line: u64,
    /// The row's fields as read.
    pub fields: Vec<String>,
    /// Why.
    pub reasons: Vec<String>,
}

/// Problems and rejected rows gathered while reading.
#[derive(Debug, Default)]
pub struct Problems {
    /// Located problems (fatal unless `skip_invalid`).
    pub diags: Vec<Diagnostic>,
    /// Rows skipped under `--skip-invalid`.
    pub rejected: Vec<Rejected>,
}

/// An opened CSV with its canonical header.
struct Table {
    path: PathBuf,
    reader: csv::Reader<LineStarts<Box<dyn std::io::Read + Send>>>,
    headers: Vec<String>,
    gb: bool,
    /// Stop before a record that begins in this range of bytes (line breaks before the
    /// line start where another reader takes over, see [`second_half`]); if a record
    /// spans it instead, read on to the end.
    end: Option<(u64, u64)>,
    /// The line of the record stopped before.
    ended_on: Option<u64>,
    /// The records after the header, read by the quicker reader (UTF-8 files; the csv
    /// reader above then only reads the header).
    rows: Option<RowReader>,
}

/// The csv reader's buffer: larger than the file's own (64 KiB, see [`encoding::open`]),
/// so that once the sniffed start is used, reads go from the file straight into it
/// instead of being copied over from the file's buffer.
const READ_BUFFER: usize = 1 << 17;

fn open_table(path: &Path, opts: &ReadOptions) -> Result<Table, Diagnostic> {
    let (r, enc) =
        encoding::open(path, opts.encoding).map_err(|e| Diagnostic::file(path, format!("cannot read: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .buffer_capacity(READ_BUFFER)
        .from_reader(LineStarts::new(r));
    let raw = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(csv_error(path, &e, 1)),
    };
    let headers = raw
        .iter()
        .map(|h| {
            let h = h.trim().trim_start_matches('\u{feff}').trim();
            opts.columns.get(h).cloned().unwrap_or_else(|| h.to_string())
        })
        .collect();
    let gb = enc == "gb18030";
    let after_header = reader.position().byte();
    // (A decoded file's bytes are not its text: it keeps the csv reader.)
    let rows = (!gb)
        .then(|| {
            RowReader::open(path, 0)
                .and_then(|mut r| r.skip_to(after_header).map(|_| r))
                .ok()
        })
        .flatten();
    Ok(Table {
        path: path.to_path_buf(),
        reader,
        headers,
        gb,
        end: None,
        ended_on: None,
        rows,
    })
}

/// Where a second reader can start on a UTF-8 file of more than `above` bytes: the first
/// line start after the middle, with the run of line breaks just before it. The reader
/// of the first half stops there only if a record really begins in that run (see
/// [`Table::end`]), so a line break inside a quoted field cannot split a record.
fn second_half(path: &Path, above: u64) -> Option<(u64, u64)> {
    let len = std::fs::metadata(path).ok()?.len();
    if len <= above {
        return None;
    }
    line_start_after(&mut std::fs::File::open(path).ok()?, len / 2)
}

/// The first line start after byte `at` of `f` (within 64 KiB), with the run of line
/// breaks just before it.
fn line_start_after(f: &mut std::fs::File, at: u64) -> Option<(u64, u64)> {
    use std::io::{Read, Seek};
    f.seek(std::io::SeekFrom::Start(at)).ok()?;
    let mut buf = vec![0u8; 1 << 16];
    let n = f.read(&mut buf).ok()?;
    let buf = &buf[..n];
    let is_break = |b: u8| b == b'\r' || b == b'\n';
    let first_break = buf.iter().position(|&b| is_break(b))?;
    let start = first_break + buf[first_break..].iter().position(|&b| !is_break(b))?;
    Some((at + first_break as u64, at + start as u64))
}

/// A table over the rest of `path` from byte `at` (a line start): no header, the file's
/// `headers`, lines and offsets counted from there.
fn open_rest(path: &Path, headers: &[String], at: u64) -> std::io::Result<Table> {
    use std::io::Seek;
    let mut f = std::fs::File::open(path)?;
    f.seek(std::io::SeekFrom::Start(at))?;
    let r: Box<dyn std::io::Read + Send> = Box::new(std::io::BufReader::with_capacity(1 << 16, f));
    let reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(READ_BUFFER)
        .from_reader(LineStarts::new(r));
    Ok(Table {
        path: path.to_path_buf(),
        reader,
        headers: headers.to_vec(),
        gb: false,
        end: None,
        ended_on: None,
        rows: Some(RowReader::open(path, at)?),
    })
}

/// The csv crate's error as a diagnostic on `line` (see [`LineStarts`] for why not its own).
fn csv_error(path: &Path, e: &csv::Error, line: u64) -> Diagnostic {
    match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => not_text(path, line, format!("field {}", err.field() + 1)),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => Diagnostic::new(
            path,
            line,
            "",
            format!("expected {expected_len} fields like the header, found {len}"),
        ),
        _ => Diagnostic::file(path, format!("cannot read CSV: {e}")),
    }
}

/// Bytes in `column` of `line` that are not UTF-8.
fn not_text(path: &Path, line: u64, column: String) -> Diagnostic {
    Diagnostic::new(
        path,
        line,
        column,
        "the file is neither valid UTF-8 nor GBK/GB18030 here (expected text; found invalid bytes)",
    )
    .with_hint("re-export as UTF-8, or pass --encoding gbk if it is a GBK file")
}

impl Table {
    fn require(&self, cols: &[&str]) -> Result<Vec<usize>, Diagnostic> {
        let mut out = Vec::new();
        for c in cols {
            match self.headers.iter().position(|h| h == c) {
                Some(i) => out.push(i),
                None => {
                    return Err(Diagnostic::new(
                        &self.path,
                        1,
                        "header",
                        format!("missing required column `{c}`; found columns: {}", self.headers.join(", ")),
                    )
                    .with_hint("rename the column, or map it under [columns] in the rule file (e.g. \"客户编号\" = \"customer_id\")"))
                }
            }
        }
        Ok(out)
    }

    /// True when the record at byte `at` (on `line`) is where another reader takes over
    /// (see [`Self::end`]).
    fn stops_at(&mut self, at: u64, line: u64) -> bool {
        if let Some(end) = self.end {
            if at >= end.0 {
                if at <= end.1 {
                    self.ended_on = Some(line);
                    return true;
                }
                self.end = None;
            }
        }
        false
    }

    /// The line a record the reader began at `pos` is on, as an editor shows it.
    fn line_of(&mut self, pos: Option<&csv::Position>) -> u64 {
        let Some(pos) = pos else { return 0 };
        self.reader.get_mut().line_at(pos.byte()).unwrap_or(pos.line())
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    fn colname(&self, i: usize) -> String {
        format!(
            "column `{}` (field {})",
            self.headers.get(i).map_or("?", String::as_str),
            i + 1
        )
    }

    /// Reads every record, calling `f(line, fields)`; blank lines are skipped.
    fn for_each(&mut self, problems: &mut Problems, f: impl FnMut(u64, &mut Record, &mut Vec<(usize, String)>)) {
        self.for_each_of(None, problems, f);
    }

    /// [`Self::for_each`] over the records starting at `only`'s byte offsets (sorted, as
    /// the reader gave them: [`crate::model::Order::offset`]) when given. In a file read
    /// as is, the bytes in between are skipped unparsed (see [`RowReader`]); in a
    /// decoded one they are split into fields but neither decoded nor checked.
    fn for_each_of(
        &mut self,
        only: Option<&[u64]>,
        problems: &mut Problems,
        mut f: impl FnMut(u64, &mut Record, &mut Vec<(usize, String)>),
    ) {
        let mut rec = Record::default();
        let mut raw = csv::ByteRecord::new();
        let mut errs: Vec<(usize, String)> = Vec::new();
        let mut want = only.map(|l| l.iter().copied().peekable());
        let mut direct = match only {
            Some(_) if !self.gb => RowReader::open(&self.path, 0).ok(),
            _ => None,
        };
        loop {
            let line = if let Some(w) = want.as_mut() {
                let Some(next) = w.next() else { break };
                if let Some(d) = direct.as_mut() {
                    match d.record_at(next, &mut rec) {
                        Ok(true) => rec.position().map_or(0, csv::Position::line),
                        Ok(false) | Err(_) => break,
                    }
                } else {
                    let line = loop {
                        match self.reader.read_byte_record(&mut raw) {
                            Ok(true) => {}
                            Ok(false) | Err(_) => return,
                        }
                        // Records passed by are numbered too: the lines behind them are
                        // forgotten as they go.
                        let line = self.line_of(raw.position());
                        if raw.position().map_or(0, csv::Position::byte) >= next {
                            break line;
                        }
                    };
                    if rec.fill(&raw).is_err() {
                        continue;
                    }
                    line
                }
            } else if self.rows.is_some() {
                let next = self.rows.as_mut().map_or(Ok(None), |r| r.next(&mut rec));
                let row = match next {
                    Ok(Some(row)) => row,
                    Ok(None) => break,
                    Err(e) => {
                        problems
                            .diags
                            .push(Diagnostic::file(&self.path, format!("cannot read CSV: {e}")));
                        break;
                    }
                };
                if self.stops_at(row.offset, row.line) {
                    break;
                }
                if let Err(field) = row.text {
                    problems.diags.push(not_text(&self.path, row.line, self.colname(field)));
                    break;
                }
                row.line
            } else {
                match self.reader.read_byte_record(&mut raw) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => {
                        let fatal = matches!(e.kind(), csv::ErrorKind::Io(_) | csv::ErrorKind::Utf8 { .. });
                        let line = self.line_of(e.position());
                        problems.diags.push(csv_error(&self.path, &e, line));
                        if fatal {
                            break;
                        }
                        continue;
                    }
                }
                let line = self.line_of(raw.position());
                if self.stops_at(raw.position().map_or(0, csv::Position::byte), line) {
                    break;
                }
                if let Err(field) = rec.fill(&raw) {
                    problems.diags.push(not_text(&self.path, line, self.colname(field)));
                    break;
                }
                line
            };
            // A blank row (only separators and spaces). Checked on the record's bytes as one
            // string: a real row stops the scan at its first character.
            if rec.is_blank() {
                continue;
            }
            if self.gb && rec.iter().any(|f| f.contains('\u{fffd}')) {
                let i = rec.iter().position(|f| f.contains('\u{fffd}')).unwrap_or(0);
                problems.diags.push(Diagnostic::new(
                    &self.path,
                    line,
                    self.colname(i),
                    "the file is neither valid UTF-8 nor GBK/GB18030 here (found bytes that decode to nothing)",
                ));
                break;
            }
            errs.clear();
            f(line, &mut rec, &mut errs);
            if !errs.is_empty() {
                for (i, msg) in &errs {
                    let column = if *i == usize::MAX {
                        String::new()
                    } else {
                        self.colname(*i)
                    };
                    problems
                        .diags
                        .push(Diagnostic::new(&self.path, line, column, msg.clone()));
                }
                problems.rejected.push(Rejected {
                    path: self.path.clone(),
                    line,
                    fields: rec.iter().map(str::to_string).collect(),
                    reasons: errs
                        .iter()
                        .map(|(i, m)| {
                            if *i == usize::MAX {
                                m.clone()
                            } else {
                                format!("{}: {m}", self.colname(*i))
                            }
                        })
                        .collect(),
                });
            }
        }
    }
}

/// Reads the records of a UTF-8 file, one after another or at chosen byte offsets. A row
/// whose line holds no quote is split at its commas (what the csv crate's parser makes of
/// it, at a fraction of its cost: it goes a byte at a time); any other row, and one that
/// runs past the buffer, goes through the csv crate's own parser. Between chosen offsets
/// the bytes are only searched for line breaks (to number the lines as an editor does,
/// see [`super::lines`]), so reading the few sampled orders again at the end costs a scan,
/// not a second parse.
struct RowReader {
    file: std::io::BufReader<std::fs::File>,
    /// Bytes consumed so far (from where the reader was opened).
    at: u64,
    /// Lines of the bytes consumed, counted as they are: a row read whole is known to
    /// end one line, so the bytes are not searched for line breaks a second time.
    lines: LineCount,
    /// The csv crate's own parser with its default dialect (what the file's reader
    /// uses), built once: building one costs more than parsing a row.
    core: csv_core::Reader,
    fields: Vec<u8>,
    ends: Vec<usize>,
}

/// A record read by [`RowReader`]: where it begins (its first character), its line, and
/// whether its fields are text (else the first that is not).
struct RowAt {
    offset: u64,
    line: u64,
    text: Result<(), usize>,
}

impl RowReader {
    /// A reader of `path` from byte `from` on (offsets and lines counted from there).
    fn open(path: &Path, from: u64) -> std::io::Result<Self> {
        use std::io::Seek;
        let mut f = std::fs::File::open(path)?;
        if from > 0 {
            f.seek(std::io::SeekFrom::Start(from))?;
        }
        Ok(RowReader {
            file: std::io::BufReader::with_capacity(1 << 20, f),
            at: 0,
            lines: LineCount::default(),
            core: csv_core::Reader::new(),
            fields: vec![0; 1024],
            ends: vec![0; 64],
        })
    }

    fn consume(&mut self, n: usize) {
        use std::io::BufRead;
        self.lines.pass(self.file.buffer().get(..n).unwrap_or_default());
        self.at += n as u64;
        self.file.consume(n);
    }

    /// Passes over the bytes before `offset` unparsed; false at the end of the file.
    fn skip_to(&mut self, offset: u64) -> std::io::Result<bool> {
        use std::io::BufRead;
        while self.at < offset {
            let n = self.file.fill_buf()?.len();
            if n == 0 {
                return Ok(false);
            }
            self.consume(n.min(usize::try_from(offset - self.at).unwrap_or(usize::MAX)));
        }
        Ok(true)
    }

    /// Parses the record that begins at byte `offset` (or the next one after it) into
    /// `rec`, with the same fields, offset and line as the file's reader; false at the end.
    fn record_at(&mut self, offset: u64, rec: &mut Record) -> std::io::Result<bool> {
        if !self.skip_to(offset)? {
            return Ok(false);
        }
        match self.next(rec)? {
            Some(row) => row
                .text
                .map(|()| true)
                .map_err(|field| std::io::Error::other(format!("field {} is not UTF-8", field + 1))),
            None => Ok(false),
        }
    }

    /// Parses the next record into `rec`; `None` at the end of the file.
    fn next(&mut self, rec: &mut Record) -> std::io::Result<Option<RowAt>> {
        use csv_core::ReadRecordResult as R;
        use std::io::BufRead;
        // Blank lines are skipped (as the csv crate does), so a record's offset is its
        // first character's.
        loop {
            let buf = self.file.fill_buf()?;
            if buf.is_empty() {
                return Ok(None);
            }
            match buf.iter().position(|&b| b != b'\r' && b != b'\n') {
                Some(k) => {
                    self.consume(k);
                    break;
                }
                None => {
                    let n = buf.len();
                    self.consume(n);
                }
            }
        }
        let offset = self.at;
        let buf = self.file.fill_buf()?;
        // A quote-free line wholly in the buffer: where its commas are.
        let quick = quote_free_line(buf, rec.commas_mut());
        let line = self.lines.line();
        let mut pos = csv::Position::new();
        pos.set_byte(offset).set_line(line);
        if let Some(end) = quick {
            let (text, last) = match self.file.buffer().get(..=end) {
                Some(line) => (rec.fill_split(&line[..end], pos), line[end]),
                None => {
                    rec.clear();
                    (Err(0), b'\n')
                }
            };
            // The row holds no line break but its last byte.
            self.lines.pass_line(last);
            self.at += end as u64 + 1;
            self.file.consume(end + 1);
            return Ok(Some(RowAt { offset, line, text }));
        }
        // (The commas found before a quote are not the record's.)
        rec.clear();
        self.core.reset();
        let (mut nout, mut nend) = (0, 0);
        loop {
            let chunk = self.file.fill_buf()?;
            let (res, nin, o, e) = self
                .core
                .read_record(chunk, &mut self.fields[nout..], &mut self.ends[nend..]);
            (nout, nend) = (nout + o, nend + e);
            self.consume(nin);
            match res {
                R::InputEmpty => {}
                R::OutputFull => self.fields.resize(self.fields.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => break,
                R::End => return Ok(None),
            }
        }
        let text = rec.fill_parts(&self.fields[..nout], &self.ends[..nend], pos);
        Ok(Some(RowAt { offset, line, text }))
    }
}

/// Where the line at the start of `buf` ends (its `\r` or `\n`), with the positions of
/// its commas in `commas`, when it holds no quote and ends within `buf`; else `None` (the
/// row goes through the csv crate's parser). One pass, sixteen bytes at a time: each
/// block's commas and line ends or quotes come out as two bit masks, so a row's dozen
/// commas cost a few instructions each, not a search each.
fn quote_free_line(buf: &[u8], commas: &mut Vec<u32>) -> Option<usize> {
    use wide::u8x16;
    commas.clear();
    // (A reader's buffer is a megabyte: every position fits 32 bits, as a record's do.)
    let buf = buf.get(..u32::MAX as usize).unwrap_or(buf);
    let at = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    let (comma, cr, lf, quote) = (
        u8x16::splat(b','),
        u8x16::splat(b'\r'),
        u8x16::splat(b'\n'),
        u8x16::splat(b'"'),
    );
    let mut blocks = buf.chunks_exact(16);
    for (k, block) in blocks.by_ref().enumerate() {
        let Ok(bytes) = <[u8; 16]>::try_from(block) else {
            continue;
        };
        let v = u8x16::new(bytes);
        let mut hits = v.simd_eq(comma).to_bitmask();
        let stops = (v.simd_eq(cr) | v.simd_eq(lf) | v.simd_eq(quote)).to_bitmask();
        if stops != 0 {
            // Only the commas before the first stop are the line's.
            hits &= (1 << stops.trailing_zeros()) - 1;
        }
        while hits != 0 {
            commas.push(at(k * 16 + hits.trailing_zeros() as usize));
            hits &= hits - 1;
        }
        if stops != 0 {
            let end = k * 16 + stops.trailing_zeros() as usize;
            return (buf[end] != b'"').then_some(end);
        }
    }
    let done = buf.len() - blocks.remainder().len();
    for (i, &b) in blocks.remainder().iter().enumerate() {
        match b {
            b',' => commas.push(at(done + i)),
            b'\r' | b'\n' => return Some(done + i),
            b'"' => return None,
            _ => {}
        }
    }
    None
}

/// Roughly how many rows a file holds, from its size and a typical row length.
fn size_hint(path: &Path, bytes_per_row: u64) -> usize {
    std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len() / bytes_per_row).unwrap_or(0))
}

// (Inlined: it runs for nearly every field read, seven times a visit, and the call was
// a good part of its cost.)
#[inline]
fn get(rec: &Record, i: usize) -> &str {
    super::record::trim(rec.get(i).unwrap_or(""))
}

/// Reads `customers.csv`.
pub fn read_customers(path: &Path, opts: &ReadOptions, problems: &mut Problems) -> Customers {
    // Ids are checked for repeats when the table is indexed, all at once; only when one is
    // repeated is the file read again, checking each id as it comes, so that every repeat
    // is reported on its own line (and skipped under --skip-invalid).
    let mut found = Problems::default();
    let mut out = customer_rows(path, opts, &mut found, None);
    if out.freeze().is_err() {
        found = Problems::default();
        out = customer_rows(path, opts, &mut found, Some(&mut HashMap::default()));
        // Only each id's first row is left.
        let _ = out.freeze();
    }
    problems.diags.append(&mut found.diags);
    problems.rejected.append(&mut found.rejected);
    out
}

/// The rows of `customers.csv`, unindexed; with `seen` (id key to line), a row whose id
/// was seen before is a problem, and left out.
fn customer_rows(
    path: &Path,
    opts: &ReadOptions,
    problems: &mut Problems,
    mut seen: Option<&mut HashMap<(u64, u64), u64>>,
) -> Customers {
    let mut t = match open_table(path, opts) {
        Ok(t) => t,
        Err(d) => {
            problems.diags.push(d);
            return Customers::default();
        }
    };
    let id = match t.require(&["customer_id"]) {
        Ok(v) => v[0],
        Err(d) => {
            problems.diags.push(d);
            return Customers::default();
        }
    };
    let (name, phone, segment, flags) = (t.col("name"), t.col("phone"), t.col("segment"), t.col("flags"));
    // Sized generously from the file (rows of 30 bytes or more): untouched capacity costs
    // address space, not memory, while growing by doubling would keep both copies.
    let bytes = std::fs::metadata(path).map_or(0, |m| usize::try_from(m.len()).unwrap_or(0));
    let mut out = Customers::with_capacity(size_hint(path, 30), bytes);
    let mut seg = String::new();
    t.for_each(problems, |line, rec, errs| {
        let cid = get(rec, id);
        if cid.is_empty() {
            errs.push((id, "expected a customer id, found an empty field".into()));
            return;
        }
        if let Some(seen) = seen.as_deref_mut() {
            match seen.entry(Customers::key(cid)) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    let first = *first.get();
                    errs.push((id, format!("duplicate customer_id {cid:?} (first on line {first})")));
                    return;
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(line);
                }
            }
        }
        let opt = |c: Option<usize>| c.map_or("", |i| get(rec, i));
        seg.clear();
        seg.push_str(opt(segment));
        if seg.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            seg = seg.to_lowercase();
        }
        let flag_list = opt(flags)
            .split([';', '；', ','])
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>();
        out.push(cid, opt(name), opt(phone), &seg, flag_list.iter().map(String::as_str));
    });
    out
}

/// True for columns that must hold dates: names ending in `_at`, `_on` or `_date`.
pub fn is_date_column(name: &str) -> bool {
    name.ends_with("_at") || name.ends_with("_on") || name.ends_with("_date")
}

/// Opens `orders.csv` and returns its schema; rows are read by [`stream_orders`].
pub struct OrderReader {
    table: Option<Table>,
    /// The canonical columns.
    pub schema: Schema,
}

/// Opens the orders file.
pub fn open_orders(path: &Path, opts: &ReadOptions, problems: &mut Problems) -> OrderReader {
    match open_table(path, opts) {
        Ok(t) => match t.require(&["order_id", "customer_id"]) {
            Ok(_) => OrderReader {
                schema: Schema::new(t.headers.clone()),
                table: Some(t),
            },
            Err(d) => {
                problems.diags.push(d);
                OrderReader {
                    table: None,
                    schema: Schema::default(),
                }
            }
        },
        Err(d) => {
            problems.diags.push(d);
            OrderReader {
                table: None,
                schema: Schema::default(),
            }
        }
    }
}

/// Streams valid orders to `f` with their customer's position, checking ids, customers and
/// date columns.
pub fn stream_orders(
    reader: &mut OrderReader,
    customers: &Customers,
    problems: &mut Problems,
    f: impl FnMut(&Order, usize),
) {
    stream_orders_of(reader, None, customers, problems, f);
}

/// [`stream_orders`] over the orders starting at `only`'s byte offsets (sorted; see
/// [`Order::offset`]) when given.
pub fn stream_orders_of(
    reader: &mut OrderReader,
    only: Option<&[u64]>,
    customers: &Customers,
    problems: &mut Problems,
    mut f: impl FnMut(&Order, usize),
) {
    stream_order_batches(reader, only, customers, problems, |batch| {
        for (order, c) in batch {
            f(order, *c);
        }
    });
}

/// [`stream_orders_of`] handing over the valid orders a batch (a few hundred) at a time,
/// in file order, so that the consumer can prepare for a whole batch.
pub fn stream_order_batches(
    reader: &mut OrderReader,
    only: Option<&[u64]>,
    customers: &Customers,
    problems: &mut Problems,
    mut f: impl FnMut(&crate::model::OrderBatch),
) {
    stream_prepared_batches(
        reader,
        only,
        customers,
        problems,
        || (),
        |_, ()| {},
        |batch, ()| f(batch),
    );
}

/// A batch of valid orders with their customers' positions.
type Batch = Vec<(Order, usize)>;

/// Orders per batch.
const BATCH: usize = 512;

/// Checks each row of `orders.csv` and fills batches of valid orders (CSV, dates, the
/// customer and duplicate look-ups): the reading both [`stream_prepared_batches`] and
/// [`stream_in_parts`] do. A batch's orders' buffers are reused batch after batch.
struct Filler<'c> {
    customers: &'c Customers,
    path: PathBuf,
    id: usize,
    cust: usize,
    unknown_col: String,
    date_cols: Vec<usize>,
    /// Added to the offsets read (a reader of a file's second half counts from its start).
    base: u64,
    seen: SeenIds,
    /// Check ids for duplicates (not when reading chosen orders again: they were checked
    /// the first time).
    check_ids: bool,
    spare: Vec<Order>,
    batch: Batch,
    /// The customers of the batch's orders are looked up together when it is full
    /// (their cache misses overlap); rows found unknown then are rejected late.
    pending: Pending,
}

impl<'c> Filler<'c> {
    /// A filler for `reader`'s rows, expecting about `rows` of them when ids are checked;
    /// `None` when the file lacks its id or customer column.
    fn new(reader: &OrderReader, customers: &'c Customers, check_ids: bool, rows: usize, base: u64) -> Option<Self> {
        let t = reader.table.as_ref()?;
        let (id, cust) = (reader.schema.get("order_id")?, reader.schema.get("customer_id")?);
        Some(Filler {
            customers,
            path: t.path.clone(),
            id,
            cust,
            unknown_col: t.colname(cust),
            date_cols: (0..reader.schema.headers.len())
                .filter(|i| is_date_column(&reader.schema.headers[*i]))
                .collect(),
            base,
            seen: SeenIds::with_capacity(if check_ids { rows } else { 0 }),
            check_ids,
            spare: Vec::new(),
            batch: Vec::with_capacity(BATCH),
            pending: Pending::default(),
        })
    }

    /// Checks one row and adds it to the batch if valid (else its problems are in
    /// `errs`); true when the batch is full, and its customers are then set.
    fn row(&mut self, line: u64, rec: &mut Record, errs: &mut Vec<(usize, String)>) -> bool {
        let (id, cust) = (self.id, self.cust);
        let oid = get(rec, id);
        if oid.is_empty() {
            errs.push((id, "expected an order id, found an empty field".into()));
        } else if self.check_ids {
            if let Some(first) = self.seen.insert(oid, line) {
                errs.push((id, format!("duplicate order_id {oid:?} (first on line {first})")));
            }
        }
        let id_errs = errs.len();
        let fields_len = rec.fields_len();
        let offset = self.base + rec.position().map_or(0, csv::Position::byte);
        let mut order = self.spare.pop().unwrap_or_default();
        // From here on the order holds the row (its fields as `get` gives them).
        let taken = order.take_from(line, rec);
        order.offset = offset;
        for &i in &self.date_cols {
            let v = order.field(i);
            if v.is_empty() {
                continue;
            }
            match parse_datetime(v) {
                Some(d) => order.set_date(i, d),
                None => errs.push((i, format!("expected {DATE_EXPECTED}, found {v:?}"))),
            }
        }
        // A row already in error, or one whose fields were trimmed (a late rejection keeps
        // the trimmed fields), has its customer checked now, among its other problems.
        if !errs.is_empty() || order.text_len() != fields_len {
            let cid = order.field(cust);
            if self.customers.position(cid).is_none() {
                errs.insert(id_errs, (cust, unknown_customer(cid)));
            }
            if !errs.is_empty() {
                // (A rejected row is kept with the fields its record holds.)
                if taken {
                    order.give_back(rec);
                }
                self.spare.push(order);
                return false;
            }
        }
        self.pending.keys.push(Customers::key(order.field(cust)));
        self.batch.push((order, 0));
        if self.batch.len() == BATCH {
            self.resolve();
            return true;
        }
        false
    }

    /// Sets the customers of the batch's orders (rejecting those unknown).
    fn resolve(&mut self) {
        self.pending.resolve(
            &mut self.batch,
            self.customers,
            &self.path,
            self.cust,
            &self.unknown_col,
            &mut self.spare,
        );
    }

    /// Takes the orders of a used batch back for refilling.
    fn recycle(&mut self, used: &mut Batch) {
        self.spare.extend(used.drain(..).map(|(o, _)| o));
    }

    /// The rows rejected late, put back in line order among those rejected on the spot.
    fn finish(&mut self, mine: &mut Problems) {
        let late = &mut self.pending.late;
        if !late.diags.is_empty() {
            mine.diags.append(&mut late.diags);
            mine.diags.sort_by_key(|d| d.line);
            mine.rejected.append(&mut late.rejected);
            mine.rejected.sort_by_key(|r| r.line);
        }
    }
}

/// [`stream_order_batches`] with work done ahead: each batch is handed to `prepare` with a
/// companion (made by `fresh`, then reused) before it goes to `f` with that companion.
/// `prepare` runs on the reading thread while batches wait for `f`, and on `f`'s thread
/// when none do: then reading is the slower part, and the work is better done by the
/// thread that would only wait for it.
pub fn stream_prepared_batches<P: Send>(
    reader: &mut OrderReader,
    only: Option<&[u64]>,
    customers: &Customers,
    problems: &mut Problems,
    fresh: impl Fn() -> P + Send,
    prepare: impl Fn(&crate::model::OrderBatch, &mut P) + Sync,
    mut f: impl FnMut(&crate::model::OrderBatch, &mut P),
) {
    // Sized generously (rows of 40 bytes or more): untouched capacity is address space,
    // while outgrowing it copied the whole list into fresh pages near the end of the
    // stream (rows of 110 bytes were assumed; the bench's are 94).
    let rows = reader.table.as_ref().map_or(0, |t| size_hint(&t.path, 40));
    let Some(mut fill) = Filler::new(reader, customers, only.is_none(), rows, 0) else {
        return;
    };
    let Some(t) = reader.table.as_mut() else { return };
    // Reading and checking rows runs on a second core, a batch ahead of `f`; used batches
    // come back to be refilled, so the orders' buffers are allocated once.
    // At most three batches wait: the orders in flight (and back for refilling) then stay
    // in the cores' caches; with eight waiting, the stream took ~6% longer.
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<(Batch, P, bool)>(3);
    // Batches sent and not yet taken.
    let waiting = std::sync::atomic::AtomicUsize::new(0);
    let (waiting, prepare) = (&waiting, &prepare);
    let (used_tx, used_rx) = std::sync::mpsc::channel::<(Batch, P)>();
    std::thread::scope(|s| {
        let reading = s.spawn(move || {
            let mut mine = Problems::default();
            t.for_each_of(only, &mut mine, |line, rec, errs| {
                if fill.row(line, rec, errs) {
                    let (mut next, mut with) = used_rx.try_recv().unwrap_or_else(|_| (Vec::new(), fresh()));
                    fill.recycle(&mut next);
                    let ahead = waiting.load(std::sync::atomic::Ordering::Relaxed) > 0;
                    if ahead {
                        prepare(&fill.batch, &mut with);
                    }
                    waiting.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let _ = full_tx.send((std::mem::replace(&mut fill.batch, next), with, ahead));
                }
            });
            fill.resolve();
            if !fill.batch.is_empty() {
                let mut with = used_rx.try_recv().map_or_else(|_| fresh(), |(_, w)| w);
                prepare(&fill.batch, &mut with);
                waiting.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let _ = full_tx.send((std::mem::take(&mut fill.batch), with, true));
            }
            drop(full_tx);
            fill.finish(&mut mine);
            mine
        });
        for (batch, mut with, prepared) in full_rx {
            waiting.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            if !prepared {
                prepare(&batch, &mut with);
            }
            f(&batch, &mut with);
            let _ = used_tx.send((batch, with));
        }
        let mine = reading.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        problems.diags.extend(mine.diags);
        problems.rejected.extend(mine.rejected);
    });
}

/// When [`stream_in_parts`] splits `orders.csv`, and how.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    /// Files of more bytes than this are split.
    pub above: u64,
    /// Into parts of about this many bytes.
    pub part_bytes: u64,
    /// Each core takes every other part (the first core the even ones) rather than the
    /// next one left: the same parts on the same cores from run to run (tests).
    pub alternate: bool,
}

/// A part of [`stream_in_parts`]: the first is the file's own reader; the others are
/// opened when taken (each reader has a buffer of a megabyte: opened all at once, every
/// part's would be fresh pages).
enum PartAt {
    First(Box<Table>),
    /// Where it begins, and where the next begins (see [`line_start_after`]).
    Rest(u64, Option<(u64, u64)>),
}

/// What the readers of [`stream_in_parts`] share: the file's name and columns, and the
/// parts not yet taken.
struct PartsLeft {
    path: PathBuf,
    headers: Vec<String>,
    tables: Vec<std::sync::Mutex<Option<PartAt>>>,
    next: std::sync::atomic::AtomicUsize,
    alternate: bool,
}

/// How one part went: its position, whether its reader stopped where the next part
/// begins (the last part reads to the end), and its first and last order ids while the
/// ids its reader saw were increasing.
struct PartRead {
    k: usize,
    stopped: bool,
    ids: Option<(String, String)>,
}

/// One core's share of `orders.csv` (see [`stream_in_parts`]): the parts it takes, read and
/// handed over a batch at a time on that core.
pub struct Parts<'c> {
    left: &'c PartsLeft,
    /// This core's number (0 or 1), and the parts it took.
    core: usize,
    taken: usize,
    fill: Filler<'c>,
    problems: Problems,
    read: Vec<PartRead>,
}

impl Parts<'_> {
    /// Hands each batch of valid orders of the parts this core takes to `f` (a part's in
    /// file order, the parts in file order).
    pub fn for_each_batch(&mut self, mut f: impl FnMut(&crate::model::OrderBatch)) {
        let Parts {
            left,
            core,
            taken,
            fill,
            problems,
            read,
        } = self;
        let mut used = Vec::with_capacity(BATCH);
        let last = left.tables.len() - 1;
        loop {
            let k = if left.alternate {
                *core + 2 * *taken
            } else {
                left.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            };
            *taken += 1;
            let Some(slot) = left.tables.get(k) else { break };
            let taken = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
            let (mut table, base) = match taken {
                Some(PartAt::First(t)) => (*t, 0),
                Some(PartAt::Rest(start, end)) => match open_rest(&left.path, &left.headers, start) {
                    Ok(mut t) => {
                        // (Its offsets count from where it begins.)
                        t.end = end.map(|(a, b)| (a - start, b - start));
                        (t, start)
                    }
                    Err(e) => {
                        problems
                            .diags
                            .push(Diagnostic::file(&left.path, format!("cannot read: {e}")));
                        continue;
                    }
                },
                None => continue,
            };
            fill.base = base;
            fill.seen.first = None;
            table.for_each(problems, |line, rec, errs| {
                if fill.row(line, rec, errs) {
                    f(&fill.batch);
                    std::mem::swap(&mut used, &mut fill.batch);
                    fill.recycle(&mut used);
                }
            });
            fill.resolve();
            if !fill.batch.is_empty() {
                f(&fill.batch);
                std::mem::swap(&mut used, &mut fill.batch);
                fill.recycle(&mut used);
            }
            fill.finish(problems);
            let ids = match (&fill.seen.first, &fill.seen.last) {
                (Some(first), Some(last)) => Some((first.clone(), last.clone())),
                _ => None,
            };
            read.push(PartRead {
                k,
                stopped: k == last || table.ended_on.is_some(),
                ids,
            });
        }
    }
}

/// How [`stream_in_parts`] went.
pub enum PartsRead<R> {
    /// The file was not split: nothing was read (stream it the usual way).
    NotSplit,
    /// A part's reader did not stop where the next began (a quoted line break spans the
    /// place): stream the file again the usual way.
    Overlapped,
    /// A part had a problem (a bad row, or an order id seen in two parts): stream the
    /// file again the usual way to report the problems as a reader of the whole file
    /// does, with their lines.
    Problem,
    /// Every part was read without a problem: what each core's `work` returned, and how
    /// many parts there were.
    Read(Vec<R>, usize),
}

/// Reads a UTF-8 `orders.csv` of more than `split.above` bytes on two cores at once, in
/// parts of about `split.part_bytes`, each core taking the next part when it is done with
/// one (so that neither waits on the other when the orders' work is uneven). `work` runs
/// on each core with its [`Parts`]; each consumes the orders on the core that read them,
/// so that no order's buffers move between cores. A part begins at the first line start
/// after its share of the bytes, and the reader of the part before stops there only if a
/// record begins there (else [`PartsRead::Overlapped`]). Lines are counted from 1 at each
/// part's start; offsets from the file's.
pub fn stream_in_parts<R: Send>(
    reader: &mut OrderReader,
    customers: &Customers,
    split: Split,
    work: impl Fn(&mut Parts<'_>) -> R + Sync,
) -> PartsRead<R> {
    let Some(t) = reader.table.as_ref() else {
        return PartsRead::NotSplit;
    };
    let len = std::fs::metadata(&t.path).map_or(0, |m| m.len());
    if t.gb || len <= split.above {
        return PartsRead::NotSplit;
    }
    let n = (len / split.part_bytes.max(1)).clamp(2, 4096);
    let Ok(mut f) = std::fs::File::open(&t.path) else {
        return PartsRead::NotSplit;
    };
    let mut splits: Vec<(u64, u64)> = Vec::new();
    for i in 1..n {
        if let Some(split) = line_start_after(&mut f, len / n * i) {
            if splits.last().is_none_or(|last| split.0 > last.1) && split.1 < len {
                splits.push(split);
            }
        }
    }
    let rows = size_hint(&t.path, 40);
    let rows = rows / 2 + rows / 16;
    let (Some(fill_a), Some(fill_b)) = (
        Filler::new(reader, customers, true, rows, 0),
        Filler::new(reader, customers, true, rows, 0),
    ) else {
        return PartsRead::NotSplit;
    };
    let Some(mut first) = reader.table.take() else {
        return PartsRead::NotSplit;
    };
    // Each part stops before the run of line breaks where the next begins.
    first.end = splits.first().copied();
    let (path, headers) = (first.path.clone(), first.headers.clone());
    let rest = splits
        .iter()
        .enumerate()
        .map(|(i, &(_, start))| PartAt::Rest(start, splits.get(i + 1).copied()));
    let left = PartsLeft {
        path,
        headers,
        tables: std::iter::once(PartAt::First(Box::new(first)))
            .chain(rest)
            .map(|t| std::sync::Mutex::new(Some(t)))
            .collect(),
        next: std::sync::atomic::AtomicUsize::new(0),
        alternate: split.alternate,
    };
    let core = |core, fill| Parts {
        left: &left,
        core,
        taken: 0,
        fill,
        problems: Problems::default(),
        read: Vec::new(),
    };
    let (mut a, mut b) = (core(0, fill_a), core(1, fill_b));
    let work = &work;
    let (ra, (b, rb)) = std::thread::scope(|scope| {
        let theirs = scope.spawn(move || {
            let r = work(&mut b);
            (b, r)
        });
        let r = work(&mut a);
        (r, theirs.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut read: Vec<&PartRead> = a.read.iter().chain(&b.read).collect();
    read.sort_unstable_by_key(|p| p.k);
    if !read.iter().all(|p| p.stopped) {
        return PartsRead::Overlapped;
    }
    if !a.problems.diags.is_empty() || !b.problems.diags.is_empty() {
        return PartsRead::Problem;
    }
    // Sorted ids (each core's increasing, and each part's above the part's before it)
    // cannot repeat; otherwise one core's ids are looked up among the other's.
    let increasing = read.iter().all(|p| p.ids.is_some())
        && read
            .windows(2)
            .all(|w| matches!((&w[0].ids, &w[1].ids), (Some((_, last)), Some((first, _))) if first > last));
    let sorted_cores = a.fill.seen.last.is_some() && b.fill.seen.last.is_some();
    if !(increasing && sorted_cores) && a.fill.seen.shares_any(&b.fill.seen) {
        return PartsRead::Problem;
    }
    PartsRead::Read(vec![ra, rb], read.len())
}

fn unknown_customer(cid: &str) -> String {
    format!("unknown customer {cid:?}: expected a customer_id from customers.csv")
}

/// The customer keys of a batch's orders, not looked up yet, and the rows rejected once
/// they were.
#[derive(Default)]
struct Pending {
    keys: Vec<(u64, u64)>,
    found: Vec<Option<u32>>,
    late: Problems,
}

impl Pending {
    /// Looks up the customers of `batch`'s orders, sets them, and takes out (and rejects)
    /// the orders whose customer is unknown.
    fn resolve(
        &mut self,
        batch: &mut Vec<(Order, usize)>,
        customers: &Customers,
        path: &Path,
        cust: usize,
        column: &str,
        spare: &mut Vec<Order>,
    ) {
        customers.positions_of(&self.keys, &mut self.found);
        self.keys.clear();
        if self.found.iter().all(Option::is_some) {
            for ((_, c), found) in batch.iter_mut().zip(&self.found) {
                *c = found.map_or(0, |p| p as usize);
            }
            return;
        }
        let mut k = 0;
        batch.retain_mut(|(order, c)| {
            let found = self.found[k];
            k += 1;
            if let Some(p) = found {
                *c = p as usize;
                return true;
            }
            let msg = unknown_customer(order.field(cust));
            self.late
                .diags
                .push(Diagnostic::new(path, order.line, column, msg.clone()));
            self.late.rejected.push(Rejected {
                path: path.to_path_buf(),
                line: order.line,
                fields: order.fields().map(str::to_string).collect(),
                reasons: vec![format!("{column}: {msg}")],
            });
            spare.push(std::mem::take(order));
            false
        });
    }
}

/// Order ids seen so far, by 64-bit hash, with the line of each: 12 bytes an id (a
/// `(u64, u64)` entry would take 16), since every order of the file is remembered.
///
/// Exports are usually sorted by order id. While every id is greater than the one before,
/// none can repeat an earlier one, so no table is searched: the ids are only appended to
/// a list, which becomes the table the first time an id is out of order.
#[derive(Default)]
struct SeenIds {
    /// The previous id, while the ids so far are strictly increasing.
    last: Option<String>,
    /// The first id since this was last set to `None`, while the ids are increasing.
    first: Option<String>,
    sorted: Vec<([u32; 2], u32)>,
    lines: HashMap<[u32; 2], u32>,
    /// Lines past `u32::MAX - 1`, in the unlikely file that long.
    far: HashMap<u64, u64>,
}

impl SeenIds {
    fn with_capacity(n: usize) -> Self {
        SeenIds {
            last: Some(String::new()),
            sorted: Vec::with_capacity(n),
            ..SeenIds::default()
        }
    }

    /// Remembers `id` on `line`; returns the line it was first seen on, if it was.
    fn insert(&mut self, id: &str, line: u64) -> Option<u64> {
        let h = xxhash_rust::xxh3::xxh3_64(id.as_bytes());
        let key = [(h >> 32) as u32, h as u32];
        let short = u32::try_from(line).ok().filter(|&l| l != u32::MAX).unwrap_or(u32::MAX);
        if let Some(last) = &mut self.last {
            if id > last.as_str() {
                if self.first.is_none() {
                    self.first = Some(id.to_string());
                }
                last.clear();
                last.push_str(id);
                self.sorted.push((key, short));
                if short == u32::MAX {
                    self.far.insert(h, line);
                }
                return None;
            }
            // Out of order: from here on, every id is looked up.
            self.last = None;
            let sorted = std::mem::take(&mut self.sorted);
            self.lines.reserve(sorted.capacity());
            self.lines.extend(sorted);
        }
        match self.lines.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => Some(match *e.get() {
                u32::MAX => self.far.get(&h).copied().unwrap_or(line),
                first => u64::from(first),
            }),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(short);
                if short == u32::MAX {
                    self.far.insert(h, line);
                }
                None
            }
        }
    }
}

impl SeenIds {
    /// True when an id of `other` was seen here too.
    fn shares_any(&self, later: &SeenIds) -> bool {
        let later_keys = later.sorted.iter().map(|(k, _)| k).chain(later.lines.keys());
        if self.last.is_none() {
            return later_keys.into_iter().any(|k| self.lines.contains_key(k));
        }
        let mine: rustc_hash::FxHashSet<[u32; 2]> = self.sorted.iter().map(|(k, _)| *k).collect();
        later_keys.into_iter().any(|k| mine.contains(k))
    }
}

/// The visit log, aggregated per due id.
#[derive(Debug, Default)]
pub struct VisitLog {
    /// Attempts per due id.
    pub attempts: AttemptLog,
    /// Every visit (for channel mix and role shares).
    pub visits: KeptVisits,
}

/// Reads `visits.csv` (absent means no visits). `keep_visits` keeps the rows visited in
/// that date range, for reports' channel mix.
pub fn read_visits(
    path: &Path,
    opts: &ReadOptions,
    keep_visits: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    scales: &HashMap<String, (f64, f64)>,
    problems: &mut Problems,
) -> VisitLog {
    read_visits_in_two(path, opts, keep_visits, scales, problems, 32 << 20)
}

/// The columns a visit is read from.
#[derive(Debug, Clone, Copy)]
struct VisitCols {
    due: usize,
    at: usize,
    ch: usize,
    out: usize,
    visitor: Option<usize>,
    score: Option<usize>,
    signed: Option<usize>,
}

/// What a reader of part of `visits.csv` found: its visits filed in a log of their own,
/// with the visitor names and kept visits they refer to, and its problems.
#[derive(Default)]
struct VisitsPart {
    log: AttemptLog,
    names: Names,
    kept: KeptVisits,
    problems: Problems,
}

/// [`read_visits`], reading the second half of a UTF-8 file of more than `above` bytes on
/// another core; the result is the same as reading it in one go (see [`second_half`]).
fn read_visits_in_two(
    path: &Path,
    opts: &ReadOptions,
    keep_visits: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    scales: &HashMap<String, (f64, f64)>,
    problems: &mut Problems,
    above: u64,
) -> VisitLog {
    let mut log = VisitLog::default();
    if !path.exists() {
        return log;
    }
    let mut t = match open_table(path, opts) {
        Ok(t) => t,
        Err(d) => {
            problems.diags.push(d);
            return log;
        }
    };
    let cols = match t.require(&["due_id", "visited_at", "channel", "outcome"]) {
        Ok(v) => v,
        Err(d) => {
            problems.diags.push(d);
            return log;
        }
    };
    let c = VisitCols {
        due: cols[0],
        at: cols[1],
        ch: cols[2],
        out: cols[3],
        visitor: t.col("visitor"),
        score: t.col("score"),
        signed: t.col("signed"),
    };
    // Sized once from the file (rows are ~90 bytes): growing by doubling would leave the
    // smaller tables behind in the allocator.
    let rows = size_hint(path, 90);
    // Rows are read, checked and hashed here (and, for a large file, its second half on
    // another thread), and filed in file order; they are chained per item at the end.
    let mut attempts = AttemptLog::with_capacity(rows);
    let split = if t.gb { None } else { second_half(path, above) };
    let rest = split.and_then(|(_, start)| open_rest(&t.path, &t.headers, start).ok());
    t.end = rest.as_ref().and(split);
    let mut names = Names::default();
    std::thread::scope(|scope| {
        let second = rest.map(|mut rest| {
            scope.spawn(move || {
                // Room for its rows (about half) at once: address space, taken as rows
                // come; a vector grown by doubling copies itself into fresh pages again
                // and again.
                let mut part = VisitsPart {
                    log: AttemptLog::with_room(rows / 2 + rows / 16),
                    ..VisitsPart::default()
                };
                let VisitsPart {
                    log,
                    names,
                    kept,
                    problems,
                } = &mut part;
                rest.for_each(problems, |_line, rec, errs| {
                    if let Some(p) = visit_row(rec, errs, &c, scales, keep_visits, names, kept) {
                        log.file(p);
                    }
                });
                part
            })
        });
        t.for_each(problems, |_line, rec, errs| {
            if let Some(p) = visit_row(rec, errs, &c, scales, keep_visits, &mut names, &mut log.visits) {
                attempts.file(p);
            }
        });
        // A panic there is a bug: let it surface rather than lose the visits.
        let part = second.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        // Taken only when the first half stopped where the second began (else it read
        // everything itself, or stopped on an unreadable row).
        if let (Some(mut part), Some(line)) = (part, t.ended_on) {
            let visitor = names.absorb(&part.names);
            // Its rows stay where that core filed them.
            attempts.append(part.log, &visitor);
            log.visits.append(part.kept);
            // Its lines were counted from 1 where it began.
            for d in &mut part.problems.diags {
                d.line += line - 1;
            }
            for r in &mut part.problems.rejected {
                r.line += line - 1;
            }
            problems.diags.append(&mut part.problems.diags);
            problems.rejected.append(&mut part.problems.rejected);
        }
    });
    log.attempts = attempts;
    log.attempts.set_names(names);
    crate::debug_rss("visits read");
    log.attempts.freeze();
    crate::debug_rss("visits frozen");
    log
}

/// One row of `visits.csv` checked and ready to be filed; `None` with the problems in
/// `errs`. Kept in `kept` too when visited in `keep_visits`.
fn visit_row(
    rec: &Record,
    errs: &mut Vec<(usize, String)>,
    c: &VisitCols,
    scales: &HashMap<String, (f64, f64)>,
    keep_visits: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    names: &mut Names,
    kept: &mut KeptVisits,
) -> Option<Prepared> {
    let due_id = get(rec, c.due);
    if due_id.is_empty() {
        errs.push((c.due, "expected a due_id, found an empty field".into()));
    }
    let visited_at = parse_datetime(get(rec, c.at));
    if visited_at.is_none() {
        errs.push((c.at, format!("expected {DATE_EXPECTED}, found {:?}", get(rec, c.at))));
    }
    let channel: Option<Channel> = get(rec, c.ch).parse().ok();
    if channel.is_none() {
        errs.push((
            c.ch,
            format!("expected one of {}, found {:?}", Channel::expected(), get(rec, c.ch)),
        ));
    }
    let outcome: Option<Outcome> = get(rec, c.out).parse().ok();
    if outcome.is_none() {
        errs.push((
            c.out,
            format!("expected one of {}, found {:?}", Outcome::expected(), get(rec, c.out)),
        ));
    }
    let score = match c.score.map(|i| (i, get(rec, i))) {
        Some((_, "")) | None => None,
        Some((i, s)) => match s.parse::<f64>() {
            Ok(v) if v.is_finite() => {
                let rule = due_id.split('/').next().unwrap_or("");
                let (lo, hi) = scales.get(rule).copied().unwrap_or((0.0, 100.0));
                if (lo..=hi).contains(&v) {
                    Some(v)
                } else {
                    errs.push((
                        i,
                        format!("expected a score from {lo} to {hi} (the scale of `{rule}`), found {s:?}"),
                    ));
                    None
                }
            }
            _ => {
                errs.push((i, format!("expected a number, found {s:?}")));
                None
            }
        },
    };
    let signed = match c.signed.map(|i| (i, get(rec, i))) {
        None => false,
        // The two usual spellings first: every visit has this field.
        Some((_, "no" | "")) => false,
        Some((_, "yes")) => true,
        Some((i, s)) => {
            let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(s));
            if is(&["yes", "y", "true", "1", "是"]) {
                true
            } else if is(&["no", "n", "false", "0", "否", ""]) {
                false
            } else {
                let s = s.to_lowercase();
                errs.push((i, format!("expected yes or no, found {s:?}")));
                false
            }
        }
    };
    if !errs.is_empty() {
        return None;
    }
    let (Some(visited_at), Some(channel), Some(outcome)) = (visited_at, channel, outcome) else {
        return None;
    };
    if keep_visits.is_some_and(|(from, to)| from <= visited_at.date() && visited_at.date() <= to) {
        kept.push(due_id, visited_at.date(), channel, signed);
    }
    let who = c.visitor.map_or("", |i| get(rec, i));
    Some(names.prepare(due_id, visited_at, channel, outcome, score, signed, who))
}

#[cfg(test)]
mod offset_tests {
    use super::*;

    /// Every record of `text` with its line, offset and fields, as the quick reader gives
    /// them, or the csv reader when `parse` is set (decoded files).
    fn all(path: &Path, parse: bool) -> Vec<(u64, u64, Vec<String>)> {
        let mut t = open_table(path, &ReadOptions::default()).unwrap();
        if parse {
            (t.gb, t.rows) = (true, None);
        }
        let mut got = Vec::new();
        t.for_each(&mut Problems::default(), |line, rec, _| {
            let at = rec.position().map_or(0, csv::Position::byte);
            got.push((line, at, rec.iter().map(str::to_string).collect()));
        });
        got
    }

    /// The records at `offsets`, read again as the engine does (directly, or by parsing
    /// every record when `parse` is set, as for decoded files).
    fn again(path: &Path, offsets: &[u64], parse: bool) -> Vec<(u64, u64, Vec<String>)> {
        let mut t = open_table(path, &ReadOptions::default()).unwrap();
        t.gb = parse;
        let mut got = Vec::new();
        t.for_each_of(Some(offsets), &mut Problems::default(), |line, rec, _| {
            let at = rec.position().map_or(0, csv::Position::byte);
            got.push((line, at, rec.iter().map(str::to_string).collect()));
        });
        got
    }

    fn check(text: &[u8], pick: impl Fn(usize) -> bool) -> Result<(), proptest::test_runner::TestCaseError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.csv");
        std::fs::write(&path, text).unwrap();
        // Both readers give the same records on the same lines (their offsets may differ
        // by the blank lines before a record, which the quick one counts out).
        let (quick, parsed) = (all(&path, false), all(&path, true));
        let lines_and_fields = |v: &[(u64, u64, Vec<String>)]| -> Vec<(u64, Vec<String>)> {
            v.iter().map(|(l, _, f)| (*l, f.clone())).collect()
        };
        proptest::prop_assert_eq!(lines_and_fields(&quick), lines_and_fields(&parsed));
        for (every, parse) in [(quick, false), (parsed, true)] {
            let chosen: Vec<_> = every
                .iter()
                .enumerate()
                .filter(|(i, _)| pick(*i))
                .map(|(_, r)| r.clone())
                .collect();
            let offsets: Vec<u64> = chosen.iter().map(|r| r.1).collect();
            proptest::prop_assert_eq!(&again(&path, &offsets, parse), &chosen);
        }
        Ok(())
    }

    #[test]
    fn records_read_again_by_offset_are_the_records_read_first() {
        // A BOM, CRLF, a blank line, quoted commas, quotes and line breaks, CR-only line
        // ends (every line number is 1 there), and a last line without a line break.
        let text = "\u{feff}id,name,note\r\nO1,\"Li, Wei\",\"say \"\"hi\"\"\"\r\nO2,王,\r\n\r\nO3,x,\"two\nlines\"\r\nO4,y,\"a\rb\"\rO5,z,w\rO6,q,end";
        check(text.as_bytes(), |i| i != 2).unwrap();
        check(text.as_bytes(), |_| true).unwrap();
    }

    proptest::proptest! {
        /// Any records, any line ends, any choice: read again, they are what was read.
        #[test]
        fn any_records_read_again_by_offset_are_the_same(
            rows in proptest::collection::vec(proptest::collection::vec("[a-c,\"\\r\\n 张]{0,4}", 3), 1..30),
            pick in proptest::collection::vec(proptest::bool::ANY, 30),
            ends in 0u8..3,
        ) {
            let term = match ends {
                0 => csv::Terminator::Any(b'\n'),
                1 => csv::Terminator::CRLF,
                _ => csv::Terminator::Any(b'\r'),
            };
            let mut w = csv::WriterBuilder::new().terminator(term).from_writer(Vec::new());
            w.write_record(["a", "b", "c"]).unwrap();
            for r in &rows {
                w.write_record(r).unwrap();
            }
            check(&w.into_inner().unwrap(), |i| pick[i % 30])?;
        }
    }
}

#[cfg(test)]
mod comma_tests {
    proptest::proptest! {
        /// A quote-free line's end and commas, found sixteen bytes at a time, are those a
        /// byte-by-byte search finds, whatever sits beside them and wherever the buffer ends.
        #[test]
        fn quote_free_line_finds_every_comma(buf in proptest::collection::vec(proptest::sample::select(vec![b',', b',', b',', b'-', b'+', b'a', 0xe5, 0x80, 0x00, 0x7f, 0xff, 0xac, b'\r', b'\n', b'"']), 0..80)) {
            let mut got = Vec::new();
            let end = super::quote_free_line(&buf, &mut got);
            let stop = buf.iter().position(|&b| matches!(b, b'\r' | b'\n' | b'"'));
            let want_end = stop.filter(|&i| buf[i] != b'"');
            proptest::prop_assert_eq!(end, want_end);
            if let Some(e) = want_end {
                let want: Vec<u32> = buf[..e].iter().enumerate().filter(|(_, &b)| b == b',').map(|(i, _)| i as u32).collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }
}

#[cfg(test)]
mod seen_tests {
    use super::SeenIds;

    #[test]
    fn duplicates_name_the_first_line_even_past_four_billion_lines() {
        let mut s = SeenIds::with_capacity(4);
        assert_eq!(s.insert("O1", 2), None);
        assert_eq!(s.insert("O2", 3), None);
        assert_eq!(s.insert("O1", 9), Some(2));
        let far = u64::from(u32::MAX) + 7;
        assert_eq!(s.insert("O3", far), None);
        assert_eq!(s.insert("O3", far + 1), Some(far));
    }

    proptest::proptest! {
        /// Sorted runs (the fast path) and the table agree with a plain map of every id.
        #[test]
        fn two_cores_share_an_id_exactly_when_a_plain_set_says_so(
            first in proptest::collection::vec(0u16..300, 0..200),
            second in proptest::collection::vec(0u16..300, 0..200),
            sort_first in proptest::bool::ANY,
            sort_second in proptest::bool::ANY,
            above in 0u16..300,
        ) {
            let ids = |v: &[u16], sorted: bool, above: u16| {
                let mut ids: Vec<String> = v.iter().map(|i| format!("O{:04}", i + above)).collect();
                if sorted {
                    ids.sort();
                    ids.dedup();
                }
                ids
            };
            let (a, b) = (ids(&first, sort_first, 0), ids(&second, sort_second, above));
            let seen = |ids: &[String]| {
                let mut s = SeenIds::with_capacity(0);
                for (line, id) in ids.iter().enumerate() {
                    s.insert(id, line as u64 + 2);
                }
                s
            };
            let plain: std::collections::HashSet<&String> = a.iter().collect();
            proptest::prop_assert_eq!(seen(&a).shares_any(&seen(&b)), b.iter().any(|id| plain.contains(id)));
        }

        #[test]
        fn seen_ids_match_a_plain_map(ids in proptest::collection::vec(0u16..300, 0..400), sorted_prefix in 0usize..400) {
            let mut ids: Vec<String> = ids.iter().map(|i| format!("O{i:03}")).collect();
            let k = sorted_prefix.min(ids.len());
            ids[..k].sort();
            let mut s = SeenIds::with_capacity(0);
            let mut plain: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
            for (line, id) in ids.iter().enumerate() {
                let line = line as u64 + 2;
                let want = plain.get(id.as_str()).copied();
                plain.entry(id).or_insert(line);
                proptest::prop_assert_eq!(s.insert(id, line), want);
            }
        }
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;
    use proptest::prelude::*;

    /// `visits.csv` read in one go and in two halves, as comparable text.
    fn both(text: &[u8]) -> (String, String) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visits.csv");
        std::fs::write(&path, text).unwrap();
        let scales: HashMap<String, (f64, f64)> = [("r".to_string(), (0.0, 10.0))].into_iter().collect();
        let keep = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).zip(chrono::NaiveDate::from_ymd_opt(2026, 12, 31));
        let read = |above| {
            let opts = ReadOptions {
                skip_invalid: true,
                ..ReadOptions::default()
            };
            let mut p = Problems::default();
            let log = read_visits_in_two(&path, &opts, keep, &scales, &mut p, above);
            format!("{log:?}\n{:?}\n{:?}", p.diags, p.rejected)
        };
        (read(u64::MAX), read(0))
    }

    /// A row: due id, visited_at, channel, outcome, score, signed, visitor, note.
    fn row() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["r/O1/1", "r/O2/1", "q/O1/1", "r/O3/2", ""]),
            prop::sample::select(vec!["2026-03-01 10:00", "2026-03-02", "2025-12-31 23:59", "2026-13-01"]),
            prop::sample::select(vec!["phone", "onsite", "fax"]),
            prop::sample::select(vec!["reached", "no_answer", "refused", "maybe"]),
            prop::sample::select(vec!["", "8", "11", "x"]),
            prop::sample::select(vec!["", "yes", "no", "perhaps"]),
            prop::sample::select(vec!["王", "李", "张三", ""]),
            prop::sample::select(vec![
                "",
                "ok",
                "\"a, b\"",
                "\"line\nbreak\"",
                "\"say \"\"hi\"\"\r\n\"",
                "\"\n\n\"",
            ]),
        )
            .prop_map(|(d, a, c, o, s, g, v, n)| format!("{d},{a},{c},{o},{s},{g},{v},{n}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn two_halves_read_as_one(
            rows in prop::collection::vec((row(), prop::sample::select(vec!["\n", "\r\n", "\n\n", "\r\n\r\n"])), 0..40),
        ) {
            let mut text = String::from("due_id,visited_at,channel,outcome,score,signed,visitor,note\n");
            for (r, end) in &rows {
                text.push_str(r);
                text.push_str(end);
            }
            let (one, two) = both(text.as_bytes());
            prop_assert_eq!(one, two);
        }
    }

    #[test]
    fn second_half_problems_keep_their_file_lines() {
        // 40 good rows, then a bad date on line 42: the second reader finds it.
        let mut text = String::from("due_id,visited_at,channel,outcome\n");
        for i in 0..40 {
            text.push_str(&format!("r/O{i}/1,2026-03-01 10:00,phone,reached\n"));
        }
        text.push_str("r/O99/1,2026-02-30,phone,reached\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("visits.csv");
        std::fs::write(&path, &text).unwrap();
        let mut p = Problems::default();
        let log = read_visits_in_two(&path, &ReadOptions::default(), None, &HashMap::default(), &mut p, 0);
        assert_eq!(log.attempts.len(), 40);
        assert_eq!(p.diags.len(), 1);
        assert_eq!(p.diags[0].line, 42);
        assert!(p.diags[0].message.contains("2026-02-30"), "{}", p.diags[0].message);
    }

    #[test]
    fn a_quoted_line_break_at_the_middle_is_not_a_split() {
        // One long quoted note spans the middle: its inner line starts are no record's.
        let note = "x\n".repeat(200);
        let text = format!(
            "due_id,visited_at,channel,outcome,note\nr/O1/1,2026-03-01 10:00,phone,reached,\"{note}\"\nr/O2/1,2026-03-01 10:00,phone,reached,\n"
        );
        let (one, two) = both(text.as_bytes());
        assert_eq!(one, two);
        assert!(one.contains("diags: []") || one.contains("\n[]\n"), "{one}");
    }
}
