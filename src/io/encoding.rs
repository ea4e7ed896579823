//! Text encodings of exported CSV files: UTF-8 (with or without BOM) and GBK/GB18030, the
//! encodings Excel uses on Chinese Windows. Decoding is done by `encoding_rs`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// Detect: a BOM decides; else valid UTF-8 in the first 64 KiB means UTF-8; else GB18030.
    #[default]
    Auto,
    /// UTF-8.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK (read as GB18030, its superset).
    Gbk,
    /// GB18030.
    Gb18030,
}

/// Opens `path` as a UTF-8 byte stream, transcoding from GBK/GB18030 when needed.
/// Returns the reader and the encoding used.
pub fn open(path: &Path, enc: Encoding) -> std::io::Result<(Box<dyn Read + Send>, &'static str)> {
    let file = std::fs::File::open(path)?;
    let mut buf = BufReader::with_capacity(1 << 16, file);
    let use_gb = match enc {
        Encoding::Utf8 => false,
        Encoding::Gbk | Encoding::Gb18030 => true,
        Encoding::Auto => {
            let head = buf.fill_buf()?;
            if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
                false
            } else {
                // A multi-byte character may be cut at the end of the sample: allow it.
                match std::str::from_utf8(head) {
                    Ok(_) => false,
                    Err(e) => e.error_len().is_some(),
                }
            }
        }
    };
    if use_gb {
        let r = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding_rs::GB18030))
            .bom_override(true)
            .build(buf);
        Ok((Box::new(r), "gb18030"))
    } else {
        Ok((Box::new(buf), "utf-8"))
    }
}

/// Finds the first invalid UTF-8 byte in `bytes`: (1-based line, byte value).
pub fn first_bad_utf8(bytes: &[u8]) -> Option<(u64, u8)> {
    match std::str::from_utf8(bytes) {
        Ok(_) => None,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|b| **b == b'\n').count() as u64 + 1;
            Some((line, bytes[at]))
        }
    }
}
