//! Output writers (table, CSV, JSON, Markdown) and the atomic file write every command
//! uses. Output is a contract: stable column order, data on stdout, messages on stderr.

use std::io::Write;
use std::path::Path;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A table for people (comfy-table).
    #[default]
    Table,
    /// CSV for spreadsheets and scripts.
    Csv,
    /// JSON: an array of objects with stable keys.
    Json,
    /// Markdown table (reports).
    Markdown,
    /// Self-contained HTML page (reports).
    Html,
}

/// Rows of strings under a header; `numeric` marks columns written as JSON numbers.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// Column names.
    pub headers: Vec<String>,
    /// Rows, each as long as `headers`.
    pub rows: Vec<Vec<String>>,
    /// Columns written as numbers in JSON (when the cell parses as one).
    pub numeric: Vec<bool>,
}

impl Grid {
    /// A grid with these headers and no rows.
    pub fn new(headers: &[&str]) -> Self {
        Grid {
            headers: headers.iter().map(|s| (*s).to_string()).collect(),
            rows: Vec::new(),
            numeric: vec![false; headers.len()],
        }
    }

    /// Marks columns as numeric.
    #[must_use]
    pub fn numeric(mut self, cols: &[&str]) -> Self {
        for (i, h) in self.headers.iter().enumerate() {
            if cols.contains(&h.as_str()) {
                self.numeric[i] = true;
            }
        }
        self
    }
}

/// Writer options that apply to every format.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// Prefix CSV output with a UTF-8 byte-order mark (for Excel).
    pub bom: bool,
}

/// Neutralises a CSV cell a spreadsheet would execute as a formula: cells starting with
/// `=`, `+`, `-`, `@`, tab or carriage return get a leading `'`, unless the cell is a plain
/// number (so `-3` stays `-3`).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    // (By first byte: every risky character is ASCII.)
    let risky = matches!(cell.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Masks a phone number as `138****0001` (the middle four digits of an 11-digit number;
/// for other lengths, everything but the first three and last four characters).
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let keep_end = 4;
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - keep_end..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 3 - keep_end))
}

/// Renders a grid.
pub fn render(grid: &Grid, format: Format, opts: WriteOptions) -> Vec<u8> {
    match format {
        Format::Table => render_table(grid).into_bytes(),
        Format::Csv => render_csv(grid, opts),
        Format::Json => render_json(grid),
        Format::Markdown | Format::Html => render_markdown(grid).into_bytes(),
    }
}

/// A comfy-table rendering with a fixed style (no terminal probing, so output is stable).
pub fn render_table(grid: &Grid) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    t.force_no_tty();
    t.set_header(grid.headers.clone());
    for r in &grid.rows {
        t.add_row(r.clone());
    }
    let mut s = t.to_string();
    s.push('\n');
    s
}

fn render_csv(grid: &Grid, opts: WriteOptions) -> Vec<u8> {
    csv_bytes(&grid.headers, grid.rows.iter(), opts)
}

/// One CSV row: hands its cells to `f` in column order. A row type can format its
/// numbers and dates on the stack instead of allocating a string per cell.
pub trait Row {
    /// Calls `f` with each cell, in column order.
    fn each_cell(&self, f: &mut dyn FnMut(&str));
}

impl Row for Vec<String> {
    fn each_cell(&self, f: &mut dyn FnMut(&str)) {
        for c in self {
            f(c);
        }
    }
}

impl<R: Row> Row for &R {
    fn each_cell(&self, f: &mut dyn FnMut(&str)) {
        (**self).each_cell(f);
    }
}

/// CSV from a header and a stream of rows, neutralising formula cells (see [`neutralise`]).
pub fn csv_bytes<H: AsRef<str>, R: Row>(headers: &[H], rows: impl Iterator<Item = R>, opts: WriteOptions) -> Vec<u8> {
    let mut out = Vec::new();
    if opts.bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let mut w = csv::Writer::from_writer(out);
    let _ = w.write_record(headers.iter().map(AsRef::as_ref));
    csv_rows_into(w.into_inner().unwrap_or_default(), rows)
}

/// CSV rows alone (no header, no BOM), appended to `out`: the rows after the first part
/// of a list rendered in parts.
pub fn csv_rows_into<R: Row>(mut out: Vec<u8>, rows: impl Iterator<Item = R>) -> Vec<u8> {
    for r in rows {
        push_row(&mut out, &r);
    }
    out
}

/// Writes `parts` to `w` in order, each rendered by `render` on one of two threads while
/// this one writes the parts already rendered, so that rendering a long list and the
/// kernel's copying of it into the file overlap. The bytes are those of rendering the
/// parts one after another.
///
/// `render` appends a part to the buffer it is given (empty, perhaps with room from an
/// earlier part). A written part's buffer goes back to the thread that rendered it, and
/// a thread renders at most two parts (`BUFFERS`) ahead of the writing: a list's text is held
/// a few parts at a time, in buffers whose pages are reused instead of taken fresh from
/// the kernel for every part.
pub fn write_rendered<P: Send>(
    w: &mut dyn Write,
    parts: Vec<P>,
    render: impl Fn(P, Vec<u8>) -> Vec<u8> + Sync,
) -> std::io::Result<()> {
    let mut lanes: [Vec<(usize, P)>; 2] = [Vec::new(), Vec::new()];
    for (i, p) in parts.into_iter().enumerate() {
        lanes[i % 2].push((i, p));
    }
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<u8>)>();
    let render = &render;
    std::thread::scope(|sc| {
        let mut back = Vec::new();
        for lane in lanes {
            let tx = tx.clone();
            let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<u8>>();
            back.push(back_tx);
            sc.spawn(move || {
                let mut fresh = BUFFERS;
                for (i, p) in lane {
                    let buf = if fresh > 0 {
                        fresh -= 1;
                        back_rx.try_recv().unwrap_or_default()
                    } else {
                        // The writer has failed and gone: stop rendering.
                        let Ok(buf) = back_rx.recv() else { break };
                        buf
                    };
                    if tx.send((i, render(p, buf))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Dropped when this returns, before the threads are joined, so that a failed
        // write stops them.
        let (rx, back) = (rx, back);
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (i, bytes) in rx.iter() {
            waiting.insert(i, bytes);
            while let Some(mut bytes) = waiting.remove(&next) {
                w.write_all(&bytes)?;
                bytes.clear();
                // (A thread that has finished has dropped its end: nothing to return.)
                let _ = back[next % 2].send(bytes);
                next += 1;
            }
        }
        Ok(())
    })
}

/// Parts a thread of [`write_rendered`] may hold rendered and not yet written.
const BUFFERS: usize = 2;

/// Appends one row as the csv crate's writer does with its defaults (a proptest holds
/// the two to the same bytes), without its per-field state machine, which took most of
/// the time of writing a due list of a million rows (twenty million cells).
fn push_row(out: &mut Vec<u8>, row: &impl Row) {
    let start = out.len();
    let mut first = true;
    row.each_cell(&mut |cell| {
        if !first {
            out.push(b',');
        }
        first = false;
        let cell = neutralise(cell);
        let bytes = cell.as_bytes();
        if bytes.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            out.push(b'"');
            for part in bytes.split_inclusive(|&b| b == b'"') {
                out.extend_from_slice(part);
                if part.last() == Some(&b'"') {
                    out.push(b'"');
                }
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(bytes);
        }
    });
    // A row that wrote nothing (one empty cell) is `""`, or it would read as no row.
    if out.len() == start {
        out.extend_from_slice(b"\"\"");
    }
    out.push(b'\n');
}

fn render_json(grid: &Grid) -> Vec<u8> {
    let rows: Vec<serde_json::Value> = grid
        .rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (i, (h, c)) in grid.headers.iter().zip(r).enumerate() {
                let v = if grid.numeric.get(i).copied().unwrap_or(false) {
                    c.parse::<i64>()
                        .map(serde_json::Value::from)
                        .or_else(|_| c.parse::<f64>().map(serde_json::Value::from))
                        .unwrap_or_else(|_| {
                            if c.is_empty() {
                                serde_json::Value::Null
                            } else {
                                serde_json::Value::from(c.clone())
                            }
                        })
                } else {
                    serde_json::Value::from(c.clone())
                };
                m.insert(h.clone(), v);
            }
            serde_json::Value::Object(m)
        })
        .collect();
    let mut s = serde_json::to_vec_pretty(&rows).unwrap_or_default();
    s.push(b'\n');
    s
}

/// Escapes a Markdown table cell.
pub fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A GitHub-flavoured Markdown table.
pub fn render_markdown(grid: &Grid) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "| {} |\n",
        grid.headers.iter().map(|h| md_cell(h)).collect::<Vec<_>>().join(" | ")
    ));
    s.push_str(&format!("|{}\n", "---|".repeat(grid.headers.len())));
    for r in &grid.rows {
        s.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    s
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so a
/// reader (or a cron job's consumer) never sees a half-written file and a failed run
/// leaves the previous output untouched.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    atomic_write_with(path, |w| w.write_all(bytes))
}

/// [`atomic_write`] of what `write` writes, streamed (a yearly JSON report is hundreds
/// of megabytes: it is not held in memory first).
pub fn atomic_write_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    commit(stage(path, write)?, path)
}

/// Writes what `write` writes to a temporary file beside `path`.
fn stage(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        write(&mut w)?;
        w.flush()?;
    }
    Ok(tmp)
}

/// Puts a staged file in place: synced to disk, then renamed over `path`.
fn commit(tmp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Sends output to `path` (atomically) or to stdout. A closed pipe (`| head`) is not an error.
pub fn emit(path: Option<&Path>, bytes: &[u8]) -> crate::error::Result<()> {
    emit_with(path, |w| w.write_all(bytes))
}

/// [`emit`] of what `write` writes, streamed.
pub fn emit_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> crate::error::Result<()> {
    written(path, write)?.finish()
}

/// What `write` writes, sent to stdout, or to a file beside `path` that [`Written`]
/// then puts in place.
pub fn written(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> crate::error::Result<Written> {
    match path {
        Some(p) => match stage(p, write) {
            Ok(tmp) => Ok(Written(Some((tmp, p.to_path_buf())))),
            Err(e) => Err(crate::error::Error::io(p, e)),
        },
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            match write(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(crate::error::Error::io("<stdout>", e)),
                _ => Ok(Written(None)),
            }
        }
    }
}

/// Output written but not yet in place: a file waiting to be synced to disk and renamed
/// over its destination (output sent to stdout has nothing left to do).
#[must_use = "a file is only put in place when finished"]
#[derive(Debug)]
pub struct Written(Option<(tempfile::NamedTempFile, std::path::PathBuf)>);

impl Written {
    /// Puts the output in place.
    pub fn finish(self) -> crate::error::Result<()> {
        match self.0 {
            Some((tmp, path)) => commit(tmp, &path).map_err(|e| crate::error::Error::io(&path, e)),
            None => Ok(()),
        }
    }

    /// [`Written::finish`] on another thread while `meanwhile` runs on this one:
    /// syncing waits on the disk, and freeing what the output was made from (a due
    /// list's items, ~40 ms for 640k) need not wait for it.
    pub fn finish_while(self, meanwhile: impl FnOnce()) -> crate::error::Result<()> {
        let Some((tmp, path)) = self.0 else {
            meanwhile();
            return Ok(());
        };
        let done = std::thread::scope(|s| {
            let put = s.spawn(|| commit(tmp, &path));
            meanwhile();
            put.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
        });
        done.map_err(|e| crate::error::Error::io(&path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written output replaces the old file only when finished, and what runs meanwhile
    /// runs; a failed write leaves the old file and no temporary one.
    #[test]
    fn written_output_is_put_in_place_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("due.csv");
        std::fs::write(&path, "old").unwrap();
        let out = written(Some(&path), |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        let mut ran = false;
        out.finish_while(|| ran = true).unwrap();
        assert!(ran);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let failed = written(Some(&path), |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn formulas_are_neutralised_but_numbers_are_not() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("+86 138"), "'+86 138");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("-3"), "-3");
        assert_eq!(neutralise("张三"), "张三");
    }

    #[test]
    fn parts_rendered_on_two_threads_are_written_in_order() {
        let parts: Vec<usize> = (0..257).collect();
        // Uneven parts, so the two threads finish them out of order.
        let text = |i: usize| format!("{i}:{}\n", "x".repeat((i * 7919) % 5000)).into_bytes();
        // A reused buffer comes empty.
        let render = |i: usize, mut buf: Vec<u8>| {
            assert!(buf.is_empty());
            buf.extend(text(i));
            buf
        };
        let mut out = Vec::new();
        write_rendered(&mut out, parts.clone(), render).unwrap();
        assert_eq!(out, parts.into_iter().flat_map(text).collect::<Vec<u8>>());
        let mut none = Vec::new();
        write_rendered(&mut none, Vec::<usize>::new(), render).unwrap();
        assert!(none.is_empty());
    }

    /// The text is held a few parts at a time: buffers go back to be filled again, so
    /// that a list of any length takes at most `BUFFERS` new ones per thread.
    #[test]
    fn written_parts_buffers_are_reused() {
        let fresh = std::sync::atomic::AtomicUsize::new(0);
        let mut out = Vec::new();
        write_rendered(&mut out, (0..200).collect(), |i: usize, mut buf: Vec<u8>| {
            if buf.capacity() == 0 {
                fresh.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            buf.extend(format!("{i}\n").into_bytes());
            buf
        })
        .unwrap();
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 200);
        assert!(fresh.load(std::sync::atomic::Ordering::Relaxed) <= 2 * BUFFERS);
    }

    #[test]
    fn a_failed_write_stops_the_rendering() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk full"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let done = std::sync::atomic::AtomicUsize::new(0);
        let r = write_rendered(&mut Full, (0..10_000).collect(), |i: usize, mut buf: Vec<u8>| {
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::thread::sleep(std::time::Duration::from_micros(200));
            buf.extend(i.to_string().into_bytes());
            buf
        });
        assert_eq!(r.unwrap_err().to_string(), "disk full");
        assert!(done.load(std::sync::atomic::Ordering::Relaxed) < 10_000);
    }

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("13800000001"), "138****0001");
        assert_eq!(mask_phone("123"), "***");
    }

    /// What the csv crate's writer makes of the same rows (neutralised first, as ours are).
    fn by_the_csv_crate(rows: &[Vec<String>]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in rows {
            for c in r {
                w.write_field(neutralise(c).as_bytes()).unwrap();
            }
            w.write_record(None::<&[u8]>).unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn rows_quote_what_the_csv_crate_quotes() {
        let rows = vec![
            vec![
                "a,b".to_string(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                "cr\r".into(),
                String::new(),
            ],
            vec![String::new(), String::new(), "\"".into(), "-3".into(), "=1+1".into()],
        ];
        assert_eq!(csv_rows_into(Vec::new(), rows.iter()), by_the_csv_crate(&rows));
        let lone_empty = vec![vec![String::new()]];
        assert_eq!(csv_rows_into(Vec::new(), lone_empty.iter()), b"\"\"\n");
        assert_eq!(
            csv_rows_into(Vec::new(), lone_empty.iter()),
            by_the_csv_crate(&lone_empty)
        );
    }

    proptest::proptest! {
        /// Byte for byte the csv crate's output, for any cells of any width.
        #[test]
        fn rows_are_written_as_the_csv_crate_writes_them(
            width in 1usize..5,
            cells in proptest::collection::vec("[a,\"\\r\\n =+@\\t0-9张-]{0,6}", 0..40),
        ) {
            let rows: Vec<Vec<String>> = cells.chunks_exact(width).map(<[String]>::to_vec).collect();
            proptest::prop_assert_eq!(csv_rows_into(Vec::new(), rows.iter()), by_the_csv_crate(&rows));
        }
    }
}
