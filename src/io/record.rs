//! One CSV record as text, checked as UTF-8 in one pass.
//!
//! The csv crate's `StringRecord` checks UTF-8 field by field once a record is not all
//! ASCII, and every row of a Chinese export is not: about 20 short checks per row, a
//! sixth of reading a file. Here the record's bytes (its fields laid end to end, as the
//! csv crate stores them) are checked and copied at once, and each field's end is then
//! checked to fall between characters: together the same as checking every field, since
//! pieces of valid UTF-8 cut between characters are valid UTF-8.

/// A record whose fields are laid end to end in one string, or, for a row read as a line
/// split at its commas, the line itself (each field then starts one byte after the end
/// of the one before).
#[derive(Debug, Clone, Default)]
pub struct Record {
    text: String,
    /// Where each field ends in `text` (a record is far shorter than 4 GiB: see
    /// [`Self::fill_fields`]).
    ends: Vec<u32>,
    pos: Option<csv::Position>,
    /// Bytes between fields: 0 (laid end to end) or 1 (a comma).
    sep: usize,
}

impl Record {
    /// Takes `raw`'s fields and position; if they are not all UTF-8, the index of the first
    /// field that is not (what the csv crate would name) and the record is left empty.
    pub fn fill(&mut self, raw: &csv::ByteRecord) -> Result<(), usize> {
        self.pos = raw.position().cloned();
        self.fill_fields(raw.as_slice(), raw.iter().map(<[u8]>::len))
    }

    /// Takes fields laid end to end in `bytes`, ending at `ends`, at position `pos`.
    pub fn fill_parts(&mut self, bytes: &[u8], ends: &[usize], pos: csv::Position) -> Result<(), usize> {
        self.pos = Some(pos);
        let mut from = 0;
        self.fill_fields(
            bytes.get(..ends.last().copied().unwrap_or(0)).unwrap_or_default(),
            ends.iter().map(|&e| {
                let len = e.saturating_sub(from);
                from = e;
                len
            }),
        )
    }

    /// Where the reader writes a quote-free line's comma positions, for
    /// [`Self::fill_split`]: straight into the record's field ends (they are the same
    /// numbers, so they are not copied from a list of the reader's).
    pub fn commas_mut(&mut self) -> &mut Vec<u32> {
        &mut self.ends
    }

    /// Takes a line without quotes, whose fields end at the commas in
    /// [`Self::commas_mut`] and at its end, at position `pos`; if they are not all UTF-8,
    /// the index of the first field that is not and the record is left empty. Commas fall
    /// between characters, so one check of the line checks every field.
    pub fn fill_split(&mut self, line: &[u8], pos: csv::Position) -> Result<(), usize> {
        self.pos = Some(pos);
        self.text.clear();
        self.sep = 1;
        let Ok(len) = u32::try_from(line.len()) else {
            self.ends.clear();
            return Err(0);
        };
        if let Ok(s) = simdutf8::basic::from_utf8(line) {
            self.text.push_str(s);
            self.ends.push(len);
            return Ok(());
        }
        let mut start = 0;
        let bad = self.ends.iter().chain(std::iter::once(&len)).position(|&end| {
            let bad = std::str::from_utf8(line.get(start..end as usize).unwrap_or_default()).is_err();
            start = end as usize + 1;
            bad
        });
        self.ends.clear();
        Err(bad.unwrap_or(0))
    }

    fn fill_fields(&mut self, bytes: &[u8], lens: impl Iterator<Item = usize>) -> Result<(), usize> {
        self.text.clear();
        self.ends.clear();
        self.sep = 0;
        // SIMD validation: a Chinese export's rows are mostly multi-byte characters,
        // where std's check goes a byte at a time (a twentieth of reading them).
        let whole = simdutf8::basic::from_utf8(bytes);
        if let Ok(s) = whole {
            self.text.push_str(s);
        }
        let mut end = 0;
        for (i, len) in lens.enumerate() {
            let start = end;
            end += len;
            let ok = match whole {
                Ok(_) => self.text.is_char_boundary(end),
                Err(_) => bytes.get(start..end).is_some_and(|f| std::str::from_utf8(f).is_ok()),
            };
            // (A field ending past 4 GiB, in a record no export holds, is refused too.)
            let Some(end) = u32::try_from(end).ok().filter(|_| ok) else {
                self.text.clear();
                self.ends.clear();
                return Err(i);
            };
            self.ends.push(end);
        }
        Ok(())
    }

    /// Field `i`, untrimmed.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 {
            0
        } else {
            self.ends[i - 1] as usize + self.sep
        };
        self.text.get(start..end)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// How many fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every field laid end to end (with commas between, for a row read as a line).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// For a row read as a line: the line and where its fields end.
    pub fn as_line(&self) -> Option<(&str, &[u32])> {
        (self.sep == 1).then_some((self.text.as_str(), self.ends.as_slice()))
    }

    /// Exchanges the line and field ends of a row read as a line (see [`Self::as_line`])
    /// with `text` and `ends`, so that an order takes them without a copy (a second
    /// exchange gives them back).
    pub fn exchange_line(&mut self, text: &mut String, ends: &mut Vec<u32>) {
        std::mem::swap(&mut self.text, text);
        std::mem::swap(&mut self.ends, ends);
    }

    /// Empties the record (it keeps its buffers' room).
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    /// The length of every field together, in bytes.
    pub fn fields_len(&self) -> usize {
        self.text.len() - self.sep * self.ends.len().saturating_sub(1)
    }

    /// True for a row of only white space (and separators).
    pub fn is_blank(&self) -> bool {
        // Nearly every row starts with a visible ASCII character: no need to look on
        // (trimming from both ends, a character at a time, cost ~100 instructions a row).
        if self
            .text
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_graphic() && b != b',')
        {
            return false;
        }
        if self.sep == 0 {
            self.text.trim().is_empty()
        } else {
            // (A line read as such has no comma inside a field.)
            self.text
                .trim_start_matches(|c: char| c == ',' || c.is_whitespace())
                .is_empty()
        }
    }

    /// Where the reader began the record.
    pub fn position(&self) -> Option<&csv::Position> {
        self.pos.as_ref()
    }
}

/// True for a character's lead byte that plainly does not begin white space: ASCII other
/// than spaces and controls, or a lead from 0xE4 (characters from U+4000: CJK and beyond,
/// where Unicode has no white space).
fn solid(lead: u8) -> bool {
    lead.is_ascii_graphic() || lead >= 0xE4
}

/// The lead byte of the last character of UTF-8 text `b` (whose last byte is `last`): at
/// most three bytes back.
fn last_lead(b: &[u8], last: u8) -> u8 {
    if last.is_ascii() {
        return last;
    }
    let n = b.len();
    for back in 2..=4 {
        match n.checked_sub(back).and_then(|i| b.get(i)) {
            Some(&c) if c & 0xC0 != 0x80 => return c,
            Some(_) => {}
            None => break,
        }
    }
    0
}

/// `s` without leading and trailing white space, as [`str::trim`] has it, but without
/// decoding the end characters when they plainly are not white space: ASCII other than
/// spaces and controls, or characters from U+4000 up (CJK and beyond, where Unicode has
/// no white space). Nearly every field of an export starts and ends so, and `str::trim`
/// was a twentieth of reading one.
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return s;
    };
    if solid(first) && solid(last_lead(b, last)) {
        s
    } else {
        s.trim()
    }
}

/// True when no field of a line (fields ending at `ends`, a separator byte after each)
/// has white space to trim. Decided from the bytes at the fields' ends, as [`trim`]
/// decides; a field whose ends are not plainly solid is trimmed to see.
pub fn no_field_to_trim(line: &str, ends: &[u32]) -> bool {
    let b = line.as_bytes();
    let mut start = 0;
    for &end in ends {
        let end = end as usize;
        if end > start {
            // A field ending in a CJK character is plain too (it was trimmed to see, most
            // of this check's cost).
            let plain = match (b.get(start), b.get(start..end)) {
                (Some(&first), Some(f)) => solid(first) && f.last().is_some_and(|&l| solid(last_lead(f, l))),
                _ => false,
            };
            if !plain {
                // (Not plain by `trim`'s own test either: decoded here.)
                let f = line.get(start..end).unwrap_or_default();
                if f.trim().len() != f.len() {
                    return false;
                }
            }
        }
        start = end + 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The record's fields and verdict, against the csv crate's own field-by-field check.
    fn same_as_csv(fields: &[Vec<u8>]) -> Result<(), TestCaseError> {
        let raw = csv::ByteRecord::from(fields.to_vec());
        let mut rec = Record::default();
        let got = rec.fill(&raw);
        match csv::StringRecord::from_byte_record(raw.clone()) {
            Ok(want) => {
                prop_assert_eq!(got, Ok(()));
                prop_assert_eq!(rec.iter().collect::<Vec<_>>(), want.iter().collect::<Vec<_>>());
                prop_assert_eq!(rec.len(), want.len());
                prop_assert_eq!(rec.as_str(), want.as_slice());
            }
            Err(e) => {
                prop_assert_eq!(got, Err(e.utf8_error().field()));
                prop_assert!(rec.is_empty());
            }
        }
        // The same fields given as bytes and ends (as the offset reader has them).
        let mut ends = Vec::new();
        let mut end = 0;
        for f in fields {
            end += f.len();
            ends.push(end);
        }
        let mut parts = Record::default();
        prop_assert_eq!(parts.fill_parts(raw.as_slice(), &ends, csv::Position::new()), got);
        prop_assert_eq!(parts.iter().collect::<Vec<_>>(), rec.iter().collect::<Vec<_>>());
        Ok(())
    }

    /// Bytes that are mostly text (ASCII and Chinese), sometimes cut mid-character or
    /// with a stray byte.
    fn field() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            "[a-z0-9 ,]{0,6}".prop_map(String::into_bytes),
            "[回访客户投诉维修 a]{0,4}".prop_map(String::into_bytes),
            proptest::collection::vec(any::<u8>(), 0..4),
            ("[回访客户]{1,3}", 1usize..3).prop_map(|(s, cut)| {
                let b = s.into_bytes();
                b[..b.len() - cut].to_vec()
            }),
            ("[回访客户]{1,3}", 1usize..3).prop_map(|(s, cut)| s.into_bytes()[cut..].to_vec()),
        ]
    }

    proptest! {
        #[test]
        fn checks_as_the_csv_crate_does(fields in proptest::collection::vec(field(), 0..8)) {
            same_as_csv(&fields)?;
        }
    }

    proptest! {
        /// Whether a line has a field to trim, however long its runs without white space
        /// (the lines of an export hold none, or one here and there).
        #[test]
        fn no_field_to_trim_is_every_field_trimmed_unchanged(line in "([a-z0-9,回访é\u{e000}]{0,40}[ \u{3000}\u{a0}\u{85}\u{1680}\u{2028}\u{205f}\t\u{1}、—]?){0,3}") {
            let ends: Vec<u32> = line.match_indices(',').map(|(i, _)| i as u32).chain([line.len() as u32]).collect();
            prop_assert_eq!(no_field_to_trim(&line, &ends), line.split(',').all(|f| f.trim() == f));
        }

        /// A quote-free line split at its commas reads as the same fields laid end to end,
        /// and an order filled from it holds the same trimmed fields, whole or field by
        /// field (white space to trim, an ideographic space included).
        #[test]
        fn a_line_split_at_commas_reads_as_its_fields(line in "[a-z0-9 ,回访\u{3000}\u{a0}\u{85}\u{1680}\u{2028}\u{205f}、—\té]{0,40}") {
            let fields: Vec<&str> = line.split(',').collect();
            let mut split = Record::default();
            split.commas_mut().extend(line.match_indices(',').map(|(i, _)| i as u32));
            prop_assert_eq!(split.fill_split(line.as_bytes(), csv::Position::new()), Ok(()));
            prop_assert_eq!(split.iter().collect::<Vec<_>>(), fields.clone());
            prop_assert_eq!(split.fields_len(), fields.iter().map(|f| f.len()).sum::<usize>());
            prop_assert_eq!(split.is_blank(), fields.iter().all(|f| f.trim().is_empty()));
            // An order reused from an earlier row, as the reader reuses them.
            let mut order = crate::model::Order::new(3, ["an", "earlier", "row's fields", "", "x"]);
            let mut taken = split.clone();
            let whole = order.take_from(7, &mut taken);
            let want = crate::model::Order::new(7, fields.iter().copied());
            prop_assert_eq!(order.fields().collect::<Vec<_>>(), want.fields().collect::<Vec<_>>());
            prop_assert_eq!(order.text_len(), want.text_len());
            prop_assert_eq!(order.line, 7);
            // Taken whole exactly when no field has white space to trim; the record is then
            // empty, and its line comes back whole.
            prop_assert_eq!(whole, fields.iter().all(|f| trim(f) == *f));
            let left: Vec<String> = taken.iter().map(str::to_string).collect();
            if whole {
                prop_assert!(left.is_empty());
                order.give_back(&mut taken);
            } else {
                prop_assert_eq!(&left, &fields);
            }
            prop_assert_eq!(taken.iter().collect::<Vec<_>>(), fields.clone());
            prop_assert_eq!(taken.fields_len(), split.fields_len());
        }

        #[test]
        fn trims_as_std_does(s in "[ \t\r\n\u{a0}\u{3000}\u{2028}\u{85}a-z回访é\u{1680}\u{fe0f}\u{ff01}\u{10000}-\u{10010}]{0,6}") {
            prop_assert_eq!(trim(&s), s.trim());
        }
    }

    #[test]
    fn trims_the_white_space_of_every_script() {
        for w in [
            ' ', '\t', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{200a}', '\u{2028}', '\u{202f}', '\u{205f}',
            '\u{3000}',
        ] {
            let s = format!("{w}回访{w}");
            assert_eq!(trim(&s), "回访", "{w:?}");
            assert_eq!(trim(&format!("{w}a")), "a");
        }
        assert_eq!(trim(""), "");
        assert_eq!(trim("\u{feff}a"), "\u{feff}a", "a byte order mark is not white space");
    }

    /// A character split across two fields is valid as a whole but not field by field.
    #[test]
    fn a_character_split_between_fields_is_not_text() {
        let c = "回".as_bytes();
        let fields = vec![b"a".to_vec(), c[..1].to_vec(), c[1..].to_vec(), b"b".to_vec()];
        let mut rec = Record::default();
        assert_eq!(rec.fill(&csv::ByteRecord::from(fields.clone())), Err(1));
        same_as_csv(&fields).unwrap();
    }
}
