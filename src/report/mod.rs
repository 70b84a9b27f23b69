//! Rendering a [`Report`] for people and for machines.
//!
//! Each format lives in its own file over the same model, so adding one touches one new file and
//! the dispatch below. Files are written whole through a temporary file and a rename, so a cron
//! job never reads half a report.

pub mod csv;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod markup;
pub mod prometheus;
pub mod table;

use std::io::Write;
use std::path::Path;

use crate::model::{Cause, FailOn, MultiReport, Report};

/// The cache that served the page and whether it hit: the outermost layer that hit, or on a miss
/// the layer that missed; `none` when no layer was seen. Shared by every format.
pub(crate) fn cache_layer_text(p: &crate::model::PageResult, none: &str) -> String {
    let Some(layer) = p
        .cache
        .layer
        .as_deref()
        .or_else(|| p.cache.layers.first().map(|l| &*l.layer))
    else {
        return none.to_owned();
    };
    let hit = match p.cache.hit {
        Some(true) => " HIT",
        Some(false) => " MISS",
        None => "",
    };
    format!("{layer}{hit}")
}

/// The advice grouped by the cause of the dead pages it fixes, in [`Cause::ALL`] order (the
/// most urgent first), then advice about no dead page (`None`), each group in report order.
/// Every format groups "what to change" this way, so a fix is never read apart from its cause.
pub(crate) fn advice_by_cause(
    report: &Report,
) -> Vec<(Option<Cause>, Vec<&crate::model::Recommendation>)> {
    let mut keys: Vec<Option<Cause>> = Cause::ALL.iter().copied().map(Some).collect();
    keys.push(None);
    keys.into_iter()
        .map(|c| {
            (
                c,
                report
                    .recommendations
                    .iter()
                    .filter(|r| r.cause == c)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, recs)| !recs.is_empty())
        .collect()
}

/// The heading of one group of [`advice_by_cause`].
pub(crate) fn cause_heading(c: Option<Cause>) -> String {
    match c {
        Some(c) => format!("cause {c}: {}", c.words()),
        None => "other advice (not about a dead page's cache)".to_owned(),
    }
}

/// The pages of verdict `v` in the order every human format lists them: dead pages grouped by
/// cause in [`Cause::ALL`] order (the most urgent first, then those with no cause), the others
/// in sitemap order. The terminal table prints them under one heading per verdict, the HTML
/// table one after the other, so both read worst first.
pub(crate) fn rows_in_order(
    report: &Report,
    v: crate::model::Verdict,
) -> Box<dyn Iterator<Item = crate::model::PageResult> + '_> {
    if v == crate::model::Verdict::Dead {
        Box::new(
            Cause::ALL
                .iter()
                .map(|c| Some(*c))
                .chain([None])
                .flat_map(move |c| report.pages.with_verdict(v).filter(move |p| p.cause == c)),
        )
    } else {
        Box::new(report.pages.with_verdict(v))
    }
}

/// The pages whose copy is a logged-in render, which every human format lists first.
pub(crate) fn private_pages(report: &Report) -> Vec<crate::model::PageResult> {
    report.pages.iter().filter(|p| p.private_copy).collect()
}

/// The copy's age as an operator reads it, `~` when approximate.
pub(crate) fn age_text(p: &crate::model::PageResult) -> Option<String> {
    p.cache.age_s.map(|a| {
        let approx = if p.cache.approximate { "~" } else { "" };
        format!("{approx}{}", crate::model::human_duration(a))
    })
}

/// The one-sentence verdict on the whole audit; `strong` and `code` mark up the emphasis.
pub(crate) fn headline(
    report: &Report,
    strong: impl Fn(&str) -> String,
    code: impl Fn(&str) -> String,
) -> String {
    let s = &report.summary;
    let pages = if s.pages == 1 { "page" } else { "pages" };
    if s.dead > 0 {
        format!(
            "{}: their cached copy carries a REST nonce the site rejects, so visitors' REST calls fail with {}.",
            strong(&format!("{} of {} {pages} dead", s.dead, s.pages)),
            code("403 rest_cookie_invalid_nonce")
        )
    } else if s.expiring > 0 {
        format!(
            "No dead page among {} {pages}; {} will die at the next tick boundary unless the cache renews them.",
            s.pages, s.expiring
        )
    } else {
        format!("No dead or expiring page among {} {pages}.", s.pages)
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The human table (grouped by verdict, with "What to change").
    Table,
    /// The documented JSON schema `nonce-audit/1`.
    Json,
    /// One row per page.
    Csv,
    /// A Markdown summary for a CI job summary or a ticket.
    Markdown,
    /// JUnit XML, so CI servers show dead pages as failed tests.
    Junit,
    /// One self-contained HTML page with a chart, per-cache advice and a sortable table.
    Html,
    /// The Prometheus text format, for node_exporter's textfile collector.
    Prometheus,
}

/// What a format needs besides the report: kept in one value so that a new knob reaches every
/// format without changing every call site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RenderOptions {
    /// ANSI colours in the terminal table (the caller decides: terminal, `NO_COLOR`).
    pub color: bool,
    /// The `--fail-on` threshold, so JUnit marks the same pages as failures as the exit code.
    pub fail_on: FailOn,
    /// The terminal's width in columns, which the table keeps every line within; 0 lays it out
    /// for [`table::DEFAULT_WIDTH`] (a file, a pipe).
    pub width: usize,
}

impl Format {
    /// The extensions `-o` understands, for messages that list them.
    pub const EXTENSIONS: &str = ".json, .csv, .txt, .md, .xml (JUnit), .html, .prom (Prometheus)";

    /// Picks a format from a report path's extension (`.json`, `.csv`, `.txt` for the table,
    /// `.md`, `.xml` for JUnit, `.html`, `.prom` for Prometheus), so `-o` needs no separate
    /// format flag.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            "txt" | "text" => Some(Format::Table),
            "md" | "markdown" => Some(Format::Markdown),
            "xml" => Some(Format::Junit),
            "html" | "htm" => Some(Format::Html),
            "prom" => Some(Format::Prometheus),
            _ => None,
        }
    }

    /// The format's writer: each format file implements [`Render`] once, and this is the one
    /// place a [`Format`] is matched to it.
    pub fn renderer(self) -> &'static dyn Render {
        match self {
            Format::Table => &table::Table,
            Format::Json => &json::Json,
            Format::Csv => &csv::Csv,
            Format::Markdown => &markdown::Markdown,
            Format::Junit => &junit::Junit,
            Format::Html => &html::Html,
            Format::Prometheus => &prometheus::Prometheus,
        }
    }

    /// Writes `report` in this format into `out`. The table, JSON, CSV and HTML are written as
    /// they are made, one page row at a time, so their size never sits in memory; the Markdown
    /// report (the findings only) and the JUnit XML (one short test case per page) are made
    /// whole first.
    pub fn write(
        self,
        out: &mut dyn Write,
        report: &Report,
        options: &RenderOptions,
    ) -> std::io::Result<()> {
        self.renderer().write(out, report, options)
    }

    /// [`Format::write`] for a multi-site run.
    pub fn write_multi(
        self,
        out: &mut dyn Write,
        multi: &MultiReport,
        options: &RenderOptions,
    ) -> std::io::Result<()> {
        self.renderer().write_multi(out, multi, options)
    }

    /// Renders `report` in this format, in memory.
    pub fn render(self, report: &Report, options: &RenderOptions) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into memory cannot fail.
        let _ = self.write(&mut out, report, options);
        out
    }

    /// Renders a multi-site run (`--sites`) in this format, in memory: per-site sections and a
    /// combined summary.
    pub fn render_multi(self, multi: &MultiReport, options: &RenderOptions) -> Vec<u8> {
        let mut out = Vec::new();
        let _ = self.write_multi(&mut out, multi, options);
        out
    }
}

/// Declares a format's unit type and its [`Render`] impl from its two bodies, so each format
/// file states only what differs: how it writes one report and how it writes several.
macro_rules! renderer {
    (
        $(#[$doc:meta])* $ty:ident,
        one($out:ident, $report:ident, $opts:ident) $one:block,
        many($out2:ident, $multi:ident, $opts2:ident) $many:block
    ) => {
        $(#[$doc])*
        pub struct $ty;

        impl $crate::report::Render for $ty {
            fn write(
                &self,
                $out: &mut dyn std::io::Write,
                $report: &$crate::model::Report,
                $opts: &$crate::report::RenderOptions,
            ) -> std::io::Result<()> $one

            fn write_multi(
                &self,
                $out2: &mut dyn std::io::Write,
                $multi: &$crate::model::MultiReport,
                $opts2: &$crate::report::RenderOptions,
            ) -> std::io::Result<()> $many
        }
    };
}
pub(crate) use renderer;

/// One report format: how it writes one site's report and a multi-site run. Each format file
/// implements it for its unit type, so a new format is one impl and one arm of
/// [`Format::renderer`].
pub trait Render: Sync {
    /// Writes one site's report.
    fn write(
        &self,
        out: &mut dyn Write,
        report: &Report,
        options: &RenderOptions,
    ) -> std::io::Result<()>;

    /// Writes a multi-site run.
    fn write_multi(
        &self,
        out: &mut dyn Write,
        multi: &MultiReport,
        options: &RenderOptions,
    ) -> std::io::Result<()>;
}

/// Lets the text renderers, written against [`std::fmt::Write`], stream into a file or a pipe.
/// The first I/O error stops the writing and is kept for [`FmtIo::finish`].
struct FmtIo<'a> {
    out: std::io::BufWriter<&'a mut dyn Write>,
    error: Option<std::io::Error>,
}

impl<'a> FmtIo<'a> {
    fn new(out: &'a mut dyn Write) -> Self {
        Self {
            out: std::io::BufWriter::with_capacity(64 * 1024, out),
            error: None,
        }
    }

    fn finish(mut self) -> std::io::Result<()> {
        match self.error.take() {
            Some(e) => Err(e),
            None => self.out.flush(),
        }
    }
}

impl std::fmt::Write for FmtIo<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.error.is_some() {
            return Err(std::fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename.
#[cfg(test)]
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes `path` atomically with `fill`, which writes the contents into a buffered temporary
/// file beside it; the rename happens only if `fill` and the final sync succeed, so a reader
/// never sees half a report and a failed run leaves the previous report in place.
///
/// The temporary file has a random name and is created exclusively (`O_EXCL`), never through
/// an existing name: a predictable `.<name>.<pid>.tmp` let anyone who can write the report's
/// directory plant a symlink there and have the report overwrite the file it points to. Its
/// permissions are asked for as `0o666`, so the umask decides them as it did for a plain
/// `File::create` (tempfile's own default, `0o600`, would hide a report a web server serves).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_owned());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // On any error below the temporary file is dropped, which removes it.
    let tmp = builder.tempfile_in(dir)?;
    let mut w = std::io::BufWriter::with_capacity(64 * 1024, tmp);
    fill(&mut w)?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension() {
        assert_eq!(
            Format::from_path(Path::new("out/r.JSON")),
            Some(Format::Json)
        );
        assert_eq!(Format::from_path(Path::new("r.csv")), Some(Format::Csv));
        assert_eq!(Format::from_path(Path::new("r.txt")), Some(Format::Table));
        assert_eq!(Format::from_path(Path::new("r.md")), Some(Format::Markdown));
        assert_eq!(
            Format::from_path(Path::new("ci/r.xml")),
            Some(Format::Junit)
        );
        assert_eq!(Format::from_path(Path::new("r.html")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("r.HTM")), Some(Format::Html));
        assert_eq!(
            Format::from_path(Path::new("/var/lib/node_exporter/nonce-audit.prom")),
            Some(Format::Prometheus)
        );
        assert_eq!(Format::from_path(Path::new("r.pdf")), None);
        assert_eq!(Format::from_path(Path::new("r")), None);
    }

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, "old contents that are longer").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_failed_fill_leaves_the_old_report_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, "old").unwrap();
        let err = write_atomic_with(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_at_the_old_temp_name_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = dir
            .path()
            .join(format!(".r.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "report");
        assert!(!std::fs::symlink_metadata(&p).unwrap().is_symlink());
        assert!(std::fs::symlink_metadata(&planted).unwrap().is_symlink());
    }

    #[cfg(unix)]
    #[test]
    fn reports_get_the_permissions_the_umask_gives_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let reference = dir.path().join("plain");
        std::fs::File::create(&reference).unwrap();
        let p = dir.path().join("r.html");
        write_atomic(&p, b"<html>").unwrap();
        let mode = |f: &Path| std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), mode(&reference));
    }
}
