//! The page-row store: where finished page rows wait for the reports.
//!
//! A store with 200,000 products yields 200,000 rows, each with its nonces, cache layers and notes
//! (about 1–3 KB on the heap). Kept in memory they would make the audit's footprint grow with the
//! site, which a small CI machine cannot afford. So the first [`SPILL_AFTER`] rows stay in memory
//! (a small site never touches the disk, and a `--sites` run of many small sites holds no file
//! open per site) and every later row is written as one postcard record (serde's compact binary
//! form: about 550 bytes for a page with three nonces, where its JSON takes 1.1 KB, which matters
//! when the temporary directory is a RAM disk) to an anonymous temporary file, which the
//! operating system deletes when the store is dropped. What stays in
//! memory per spilled row is its [`Slot`]: where the record is and the page's verdict, 16 bytes,
//! so a report that lists one verdict skips the other rows without reading them.
//!
//! Rows come in as pages finish, in any order, numbered by their sitemap position; the reports
//! read them back in sitemap order. A disk that fails (no temporary directory, disk full) is
//! not fatal: the rows it refused stay in memory and the report says so.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex};

use serde::{Serialize, Serializer};

use crate::model::{PageResult, Verdict};

/// Rows kept in memory before the store starts writing them to a temporary file.
pub const SPILL_AFTER: usize = 1024;

/// Where one spilled row is: its byte range in the file and its verdict. `len == 0` means the
/// store holds no spilled row at that position.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    offset: u64,
    len: u32,
    verdict: u8,
}

fn verdict_code(v: Verdict) -> u8 {
    u8::try_from(v.rank()).unwrap_or(0)
}

/// The spill file while rows are being written.
struct SpillWriter {
    out: BufWriter<File>,
    end: u64,
    slots: Vec<Slot>,
    buf: Vec<u8>,
}

impl SpillWriter {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            out: BufWriter::with_capacity(64 * 1024, tempfile::tempfile()?),
            end: 0,
            slots: Vec::new(),
            buf: Vec::with_capacity(4096),
        })
    }

    fn write(&mut self, seq: usize, row: &PageResult) -> std::io::Result<()> {
        self.buf.clear();
        self.buf =
            postcard::to_io(row, std::mem::take(&mut self.buf)).map_err(std::io::Error::other)?;
        let len = u32::try_from(self.buf.len())
            .map_err(|_| std::io::Error::other("a page row is larger than 4 GiB"))?;
        self.out.write_all(&self.buf)?;
        if self.slots.len() <= seq {
            self.slots.resize(seq + 1, Slot::default());
        }
        self.slots[seq] = Slot {
            offset: self.end,
            len,
            verdict: verdict_code(row.verdict),
        };
        self.end += u64::from(len);
        Ok(())
    }

    fn has(&self, seq: usize) -> bool {
        self.slots.get(seq).is_some_and(|s| s.len > 0)
    }
}

/// Collects the rows of one audit as pages finish (see the module documentation).
pub struct RowSink {
    mem: Vec<Option<PageResult>>,
    len: usize,
    spill_after: usize,
    spill: Option<SpillWriter>,
    failure: Option<String>,
}

impl Default for RowSink {
    fn default() -> Self {
        Self::with_spill_after(SPILL_AFTER)
    }
}

impl RowSink {
    /// A sink that keeps `rows` rows in memory before spilling (0 spills from the first row;
    /// tests use it to run the disk path on small reports).
    pub fn with_spill_after(rows: usize) -> Self {
        Self {
            mem: Vec::new(),
            len: 0,
            spill_after: rows,
            spill: None,
            failure: None,
        }
    }

    /// How many rows the sink holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the sink holds no row.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores the row for sitemap position `seq` (replacing an earlier one at the same place).
    pub fn put(&mut self, seq: u64, row: PageResult) {
        let Ok(seq) = usize::try_from(seq) else {
            return;
        };
        if self.spill.is_none() && self.failure.is_none() && self.len >= self.spill_after {
            self.start_spill();
        }
        let was_there = self.mem.get(seq).is_some_and(Option::is_some)
            || self.spill.as_ref().is_some_and(|s| s.has(seq));
        let row = match (&mut self.spill, &self.failure) {
            (Some(spill), None) => match spill.write(seq, &row) {
                Ok(()) => {
                    if let Some(old) = self.mem.get_mut(seq) {
                        *old = None;
                    }
                    None
                }
                Err(e) => {
                    self.fail(&e);
                    Some(row)
                }
            },
            _ => Some(row),
        };
        if let Some(row) = row {
            if self.mem.len() <= seq {
                self.mem.resize_with(seq + 1, || None);
            }
            if let Some(spill) = &mut self.spill {
                if let Some(slot) = spill.slots.get_mut(seq) {
                    slot.len = 0;
                }
            }
            self.mem[seq] = Some(row);
        }
        if !was_there {
            self.len += 1;
        }
    }

    fn fail(&mut self, e: &std::io::Error) {
        self.failure = Some(format!(
            "page rows could not be written to a temporary file ({e}); the rest are kept in memory"
        ));
    }

    /// Moves the rows held so far to a new spill file.
    fn start_spill(&mut self) {
        let mut spill = match SpillWriter::new() {
            Ok(s) => s,
            Err(e) => return self.fail(&e),
        };
        for seq in 0..self.mem.len() {
            let Some(row) = &self.mem[seq] else { continue };
            if let Err(e) = spill.write(seq, row) {
                self.fail(&e);
                break;
            }
            self.mem[seq] = None;
        }
        // Rows now on disk give their memory back.
        if self.mem.iter().all(Option::is_none) {
            self.mem = Vec::new();
        }
        self.spill = Some(spill);
    }

    /// The rows, ready to be read in sitemap order.
    pub fn finish(mut self) -> Rows {
        let mut slots = Vec::new();
        let mut file = None;
        if let Some(spill) = self.spill.take() {
            tracing::debug!(
                rows = spill.slots.iter().filter(|s| s.len > 0).count(),
                bytes = spill.end,
                "page rows spilled to a temporary file"
            );
            slots = spill.slots;
            match spill.out.into_inner() {
                Ok(f) => file = Some(Arc::new(Mutex::new(f))),
                Err(e) => {
                    // The buffered tail never reached the file: those rows are lost. Say so
                    // rather than read garbage back.
                    let lost = slots.iter().filter(|s| s.len > 0).count();
                    slots.clear();
                    self.len -= lost.min(self.len);
                    self.failure = Some(format!(
                        "{lost} page row(s) were lost: the temporary file could not be written ({})",
                        e.error()
                    ));
                }
            }
        }
        Rows {
            mem: Arc::new(self.mem),
            slots: Arc::new(slots),
            file,
            len: self.len,
            failure: self.failure,
        }
    }
}

/// The page rows of a finished audit, in sitemap order, in memory or partly on disk (see the
/// module documentation). Reports iterate them with [`Rows::iter`] (each row decoded on the way)
/// or [`Rows::with_verdict`].
#[derive(Clone)]
pub struct Rows {
    mem: Arc<Vec<Option<PageResult>>>,
    slots: Arc<Vec<Slot>>,
    file: Option<Arc<Mutex<File>>>,
    len: usize,
    failure: Option<String>,
}

impl Default for Rows {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows")
            .field("len", &self.len)
            .field("spilled", &self.spilled())
            .finish()
    }
}

impl From<Vec<PageResult>> for Rows {
    fn from(rows: Vec<PageResult>) -> Self {
        let len = rows.len();
        Self {
            mem: Arc::new(rows.into_iter().map(Some).collect()),
            slots: Arc::new(Vec::new()),
            file: None,
            len,
            failure: None,
        }
    }
}

impl FromIterator<PageResult> for Rows {
    fn from_iter<I: IntoIterator<Item = PageResult>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<_>>().into()
    }
}

impl Rows {
    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many rows live in the spill file rather than in memory.
    pub fn spilled(&self) -> usize {
        self.slots.iter().filter(|s| s.len > 0).count()
    }

    /// Why some rows could not be spilled (they were kept in memory) or were lost, if so.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Every row in sitemap order.
    pub fn iter(&self) -> RowIter<'_> {
        RowIter {
            rows: self,
            next: 0,
            only: None,
            buf: Vec::new(),
        }
    }

    /// The rows with verdict `v`, in sitemap order; spilled rows of other verdicts are skipped
    /// without being read.
    pub fn with_verdict(&self, v: Verdict) -> RowIter<'_> {
        RowIter {
            rows: self,
            next: 0,
            only: Some(v),
            buf: Vec::new(),
        }
    }

    /// How many rows have verdict `v`, without reading any row back.
    pub fn count(&self, v: Verdict) -> usize {
        let code = verdict_code(v);
        let on_disk = self
            .slots
            .iter()
            .filter(|s| s.len > 0 && s.verdict == code)
            .count();
        let in_memory = self.mem.iter().flatten().filter(|p| p.verdict == v).count();
        on_disk + in_memory
    }

    /// All rows in one vector (tests, and callers that need random access on a small report).
    pub fn to_vec(&self) -> Vec<PageResult> {
        self.iter().collect()
    }

    fn positions(&self) -> usize {
        self.mem.len().max(self.slots.len())
    }

    fn read(&self, seq: usize, slot: Slot, buf: &mut Vec<u8>) -> PageResult {
        let decoded = (|| -> Result<PageResult, String> {
            let file = self.file.as_ref().ok_or("no spill file")?;
            let len = usize::try_from(slot.len).map_err(|e| e.to_string())?;
            buf.clear();
            buf.resize(len, 0);
            {
                let mut f = file.lock().map_err(|_| "spill file lock poisoned")?;
                f.seek(SeekFrom::Start(slot.offset))
                    .map_err(|e| e.to_string())?;
                f.read_exact(buf).map_err(|e| e.to_string())?;
            }
            postcard::from_bytes(buf).map_err(|e| e.to_string())
        })();
        decoded.unwrap_or_else(|why| {
            tracing::error!(row = seq, %why, "a page row could not be read back");
            PageResult::error(
                &format!("(page #{})", seq + 1),
                None,
                format!("this row could not be read back from the temporary file: {why}"),
            )
        })
    }
}

/// One spill file for the finished sites of a `--sites` run. A site's rows move here when its
/// audit ends ([`FleetRows::absorb`]), so a run of a thousand sites holds one open temporary
/// file and 16 bytes per row, not a file or a full row set per finished site. The first
/// [`SPILL_AFTER`] rows of the whole run stay in memory, so a run of a few small sites never
/// touches the disk.
pub struct FleetRows {
    file: Option<Arc<Mutex<File>>>,
    end: u64,
    in_memory: usize,
    spill_after: usize,
    failure: Option<String>,
}

impl Default for FleetRows {
    fn default() -> Self {
        Self::with_spill_after(SPILL_AFTER)
    }
}

impl FleetRows {
    /// A store that keeps `rows` rows of the whole run in memory before spilling.
    pub fn with_spill_after(rows: usize) -> Self {
        Self {
            file: None,
            end: 0,
            in_memory: 0,
            spill_after: rows,
            failure: None,
        }
    }

    /// Why the shared file could not be used (the rows stayed where they were), if so.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    /// Takes the rows of a finished site and gives back the same rows, now kept in memory only
    /// while the run's total stays under the limit, and otherwise read from the run's one
    /// spill file (the site's own temporary file, if it had one, is closed). A disk that
    /// fails leaves the rows as they were.
    pub fn absorb(&mut self, rows: Rows) -> Rows {
        if rows.spilled() == 0 && self.in_memory + rows.len() <= self.spill_after {
            self.in_memory += rows.len();
            return rows;
        }
        if self.failure.is_some() {
            return rows;
        }
        match self.copy(&rows) {
            Ok(moved) => moved,
            Err(e) => {
                self.failure = Some(format!(
                    "page rows could not be moved to the run's temporary file ({e}); they stay where they were"
                ));
                rows
            }
        }
    }

    fn copy(&mut self, rows: &Rows) -> std::io::Result<Rows> {
        let file = match &self.file {
            Some(f) => Arc::clone(f),
            None => {
                let f = Arc::new(Mutex::new(tempfile::tempfile()?));
                self.file = Some(Arc::clone(&f));
                f
            }
        };
        let mut slots = Vec::with_capacity(rows.len());
        let mut chunk: Vec<u8> = Vec::with_capacity(64 * 1024);
        let mut offset = self.end;
        let flush = |chunk: &mut Vec<u8>, at: u64| -> std::io::Result<()> {
            let mut f = file
                .lock()
                .map_err(|_| std::io::Error::other("spill file lock poisoned"))?;
            f.seek(SeekFrom::Start(at))?;
            f.write_all(chunk)?;
            chunk.clear();
            Ok(())
        };
        let mut chunk_at = offset;
        for (seq, row) in rows.iter().enumerate() {
            let start = chunk.len();
            chunk = postcard::to_io(&row, chunk).map_err(std::io::Error::other)?;
            let len = u32::try_from(chunk.len() - start)
                .map_err(|_| std::io::Error::other("a page row is larger than 4 GiB"))?;
            slots.push(Slot {
                offset,
                len,
                verdict: verdict_code(row.verdict),
            });
            debug_assert_eq!(slots.len(), seq + 1);
            offset += u64::from(len);
            if chunk.len() >= 64 * 1024 {
                flush(&mut chunk, chunk_at)?;
                chunk_at = offset;
            }
        }
        if !chunk.is_empty() {
            flush(&mut chunk, chunk_at)?;
        }
        self.end = offset;
        Ok(Rows {
            mem: Arc::new(Vec::new()),
            len: slots.len(),
            slots: Arc::new(slots),
            file: Some(file),
            failure: rows.failure.clone(),
        })
    }
}

/// Iterates the rows of a [`Rows`] in sitemap order, decoding spilled rows one at a time.
pub struct RowIter<'a> {
    rows: &'a Rows,
    next: usize,
    only: Option<Verdict>,
    buf: Vec<u8>,
}

impl Iterator for RowIter<'_> {
    type Item = PageResult;

    fn next(&mut self) -> Option<PageResult> {
        let end = self.rows.positions();
        while self.next < end {
            let seq = self.next;
            self.next += 1;
            if let Some(slot) = self.rows.slots.get(seq).copied().filter(|s| s.len > 0) {
                if self.only.is_some_and(|v| verdict_code(v) != slot.verdict) {
                    continue;
                }
                return Some(self.rows.read(seq, slot, &mut self.buf));
            }
            if let Some(Some(row)) = self.rows.mem.get(seq) {
                if self.only.is_some_and(|v| v != row.verdict) {
                    continue;
                }
                return Some(row.clone());
            }
        }
        None
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = PageResult;
    type IntoIter = RowIter<'a>;

    fn into_iter(self) -> RowIter<'a> {
        self.iter()
    }
}

impl Serialize for Rows {
    /// A JSON array of the rows in sitemap order, written one row at a time: the report never
    /// holds them all.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{CacheInfo, LayerObservation};
    use crate::model::{NonceRow, NonceState};

    fn row(i: usize, v: Verdict) -> PageResult {
        PageResult {
            url: format!("https://shop.example/p/{i}/"),
            status: Some(200),
            verdict: v,
            reason: (v == Verdict::Dead).then(|| "rejected".to_owned()),
            nonces: vec![NonceRow {
                value: format!("{i:010x}"),
                source: "wpApiSettings".into(),
                action: "wp_rest".into(),
                state: NonceState::Rejected,
                plugin: Some("core".into()),
                severity: Some(crate::model::Severity::WillBreak),
                checked_for_guests: None,
                dies_at: None,
            }],
            dies_at: None,
            cache: CacheInfo {
                layer: Some("varnish".into()),
                hit: Some(true),
                age_s: Some(i64::try_from(i).unwrap_or(0)),
                age_source: Some(crate::model::AgeSource::AgeHeader),
                generated_at: None,
                approximate: false,
                layers: vec![LayerObservation {
                    layer: "varnish".into(),
                    hit: Some(true),
                    age_s: Some(3),
                    age_source: None,
                    generated_at: None,
                    approximate: false,
                    evidence: vec!["x-varnish".into(), "via".into()],
                }],
            },
            lastmod: Some("2026-11-01".to_owned()),
            rest_root: Some("https://shop.example/wp-json/".to_owned()),
            final_url: None,
            died_at: None,
            notes: vec![format!("note {i}")],
            cause: (v == Verdict::Dead).then_some(crate::model::Cause::StaleCopy),
            cause_nonce: (v == Verdict::Dead).then(|| format!("{i:010x}")),
            private_copy: i % 7 == 3,
            private_evidence: Vec::new(),
        }
    }

    fn verdict(i: usize) -> Verdict {
        Verdict::ALL[i % Verdict::ALL.len()]
    }

    fn json(rows: &[PageResult]) -> String {
        serde_json::to_string(rows).unwrap()
    }

    /// Rows put in a scrambled order come back in sitemap order, identical, whether they stayed
    /// in memory, went to disk, or were split between the two.
    #[test]
    fn rows_come_back_in_order_and_identical_in_memory_and_on_disk() {
        let n = 300;
        let expected: Vec<PageResult> = (0..n).map(|i| row(i, verdict(i))).collect();
        let order: Vec<usize> = (0..n).map(|i| (i * 7919) % n).collect();
        for spill_after in [0, 1, 100, n, usize::MAX] {
            let mut sink = RowSink::with_spill_after(spill_after);
            for &i in &order {
                sink.put(i as u64, expected[i].clone());
            }
            assert_eq!(sink.len(), n);
            let rows = sink.finish();
            assert_eq!(rows.len(), n);
            assert_eq!(rows.failure(), None);
            let spilled = rows.spilled();
            if spill_after == usize::MAX || spill_after >= n {
                assert_eq!(spilled, 0, "spill_after {spill_after}");
            } else {
                assert_eq!(
                    spilled, n,
                    "spill_after {spill_after}: all rows move to disk"
                );
            }
            assert_eq!(
                json(&rows.to_vec()),
                json(&expected),
                "spill_after {spill_after}"
            );
            assert_eq!(serde_json::to_string(&rows).unwrap(), json(&expected));
            for v in Verdict::ALL {
                let want: Vec<PageResult> = expected
                    .iter()
                    .filter(|p| p.verdict == v)
                    .cloned()
                    .collect();
                let got: Vec<PageResult> = rows.with_verdict(v).collect();
                assert_eq!(json(&got), json(&want), "{v} spill_after {spill_after}");
            }
        }
    }

    #[test]
    fn gaps_and_replaced_rows_count_once() {
        let mut sink = RowSink::with_spill_after(2);
        sink.put(5, row(5, Verdict::Dead));
        sink.put(0, row(0, Verdict::Fresh));
        sink.put(9, row(9, Verdict::Fresh));
        sink.put(5, row(55, Verdict::Expiring));
        sink.put(0, row(10, Verdict::NoNonce));
        assert_eq!(sink.len(), 3);
        let rows = sink.finish();
        let urls: Vec<String> = rows.iter().map(|p| p.url).collect();
        assert_eq!(
            urls,
            [
                "https://shop.example/p/10/",
                "https://shop.example/p/55/",
                "https://shop.example/p/9/"
            ]
        );
        assert_eq!(rows.with_verdict(Verdict::Dead).count(), 0);
        assert_eq!(rows.with_verdict(Verdict::Expiring).count(), 1);
    }

    #[test]
    fn clones_share_the_spill_file() {
        let mut sink = RowSink::with_spill_after(0);
        for i in 0..10 {
            sink.put(i as u64, row(i, Verdict::Dead));
        }
        let a = sink.finish();
        let b = a.clone();
        drop(a);
        assert_eq!(b.iter().count(), 10);
    }

    /// Finished sites' rows move into one shared file once the run's total passes the limit;
    /// they read back identical, each site's own, in order.
    #[test]
    fn fleet_rows_share_one_file_and_read_back_identical() {
        let mut fleet = FleetRows::with_spill_after(5);
        let mut kept = Vec::new();
        for site in 0..4 {
            let expected: Vec<PageResult> =
                (0..3).map(|i| row(site * 10 + i, verdict(i))).collect();
            let mut sink = RowSink::with_spill_after(if site == 3 { 0 } else { 100 });
            for (i, r) in expected.iter().enumerate() {
                sink.put(i as u64, r.clone());
            }
            kept.push((fleet.absorb(sink.finish()), expected));
        }
        assert_eq!(fleet.failure(), None);
        // 3 rows fit under the limit; the next sites go to the shared file.
        assert_eq!(kept[0].0.spilled(), 0);
        for (rows, _) in &kept[1..] {
            assert_eq!(rows.spilled(), 3);
        }
        let file = |r: &Rows| r.file.as_ref().map(Arc::as_ptr);
        assert_eq!(file(&kept[1].0), file(&kept[3].0));
        for (rows, expected) in &kept {
            assert_eq!(json(&rows.to_vec()), json(expected));
            assert_eq!(
                rows.count(Verdict::ALL[0]),
                expected
                    .iter()
                    .filter(|p| p.verdict == Verdict::ALL[0])
                    .count()
            );
        }
    }

    /// The disk cost of a row: a page with one nonce and one cache layer takes about 200 bytes
    /// (its JSON would take 650).
    #[test]
    fn a_spilled_row_is_compact() {
        let mut w = SpillWriter::new().unwrap();
        w.write(0, &row(7, Verdict::Dead)).unwrap();
        assert!(w.end < 260, "{} bytes", w.end);
        assert_eq!(w.slots[0].len as u64, w.end);
    }

    /// Ids read back from the spill file are owned strings equal to the table's (no
    /// memory leaked to make them `'static`).
    #[test]
    fn ids_read_back_are_owned_and_equal() {
        let mut sink = RowSink::with_spill_after(0);
        let original = row(3, Verdict::Dead);
        sink.put(0, original.clone());
        let rows = sink.finish();
        let back = rows.iter().next().expect("one row");
        assert!(matches!(back.nonces[0].source, std::borrow::Cow::Owned(_)));
        assert_eq!(back.nonces[0], original.nonces[0]);
        assert_eq!(back.cache, original.cache);
    }
}
