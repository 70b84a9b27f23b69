//! The `nonce-audit` binary: parse the command line, run the audit, print, map to an exit code.

mod cli;
mod config;
mod console;
mod man;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use cli::{AuditArgs, Cli, Command, FleetArgs, NetArgs, OutputArgs, StdoutFormat, UiArgs};
use console::Console;
use nonce_audit::audit::{self, Event, EventSink};
use nonce_audit::baseline::Baseline;
use nonce_audit::discover::Target;
use nonce_audit::model::{FailOn, MultiReport, Report, Threshold};
use nonce_audit::report::{Format, RenderOptions, write_atomic_with};

fn main() -> ExitCode {
    let merged = match config::merge(std::env::args_os().collect(), &cli::command()) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("nonce-audit: {}", console::show(&format!("{e:#}")));
            return ExitCode::from(2);
        }
    };
    let cli = cli::parse(merged.args);
    let ui = cli.command.ui();
    let console = Console::new(ui.quiet);
    console::init_logging(&console, ui.verbose);
    if let Some(file) = merged.file.filter(|_| ui.verbose > 0) {
        console.line(&console::show(&format!(
            "using config file {}",
            file.display()
        )));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("nonce-audit: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli, &console)) {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // The run failed: that is trouble, so what `-q` held back is worth reading too.
            console.release();
            eprintln!("nonce-audit: {}", console::show(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

/// Standard output that remembers a closed pipe (EPIPE), however the report's format wrapped
/// the error on its way up (the CSV and JSON writers turn it into their own error kinds).
struct PipeWatch<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> PipeWatch<W> {
    fn watch<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if r.as_ref()
            .is_err_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        {
            self.closed = true;
        }
        r
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.watch(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.watch(r)
    }
}

/// `nonce-audit man | head` closes the pipe early; that is not an error worth a message.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn progress(ui: UiArgs, console: &Console) -> ProgressBar {
    let visible = !ui.quiet && !ui.no_progress && std::io::stderr().is_terminal();
    let pb = if visible {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    // A spinner while the sitemaps are read (the total is not known yet), a bar with an ETA
    // once Event::Listed gives it.
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {pos} pages audited, {len} found so far [{elapsed_precise}] {per_sec} {wide_msg}",
    ) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(120));
    console.set_bar(Some(pb.clone()));
    pb
}

fn finish_progress(pb: &ProgressBar, console: &Console) {
    pb.finish_and_clear();
    console.set_bar(None);
}

/// Notes go to the console (held under `-q`); each finished page is an info event, which `-v`
/// shows as one line per page.
fn sink(pb: &ProgressBar, console: &Console) -> EventSink {
    events_to(pb, console, true)
}

/// The one event handler behind [`sink`] and each fleet site's line. A `whole` bar (one audit)
/// also shows the probe count and turns into a bar with the time left once the total is
/// known; a fleet site's line keeps the site's name as its message and its own short style.
fn events_to(pb: &ProgressBar, console: &Console, whole: bool) -> EventSink {
    let pb = pb.clone();
    let console = console.clone();
    Arc::new(move |event| match event {
        Event::Note(msg) => console.line(&console::show(msg)),
        Event::Queued => pb.inc_length(1),
        Event::Page(row) => {
            pb.inc(1);
            tracing::info!("{:<12} {}", row.verdict.as_str(), row.url);
        }
        Event::Probes(n) if whole => pb.set_message(format!("{n} REST probes")),
        Event::Probes(_) => {}
        Event::Listed(total) => {
            pb.set_length(total);
            if !whole {
                return;
            }
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:30} {pos}/{len} pages [{elapsed_precise}, {eta} left] {per_sec} {wide_msg}",
            ) {
                pb.set_style(style);
            }
        }
    })
}

fn use_color(ui: UiArgs) -> bool {
    ui.color
        .wanted(std::io::stdout().is_terminal(), |k| std::env::var(k).ok())
}

/// The width the table is laid out for on stdout: `COLUMNS` when set (so `COLUMNS=80
/// nonce-audit … | less` works), else the terminal's, else 0 for the table's default.
fn terminal_width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    terminal_size::terminal_size_of(std::io::stdout())
        .map_or(0, |(terminal_size::Width(w), _)| usize::from(w))
}

fn check_outputs(output: &OutputArgs) -> Result<()> {
    for path in &output.outputs {
        if Format::from_path(path).is_none() {
            bail!(
                "cannot tell the format of {} from its extension (use {})",
                path.display(),
                Format::EXTENSIONS
            );
        }
        // Before the first request, not after an hour of audit: the report's directory must
        // exist and take a new file (the report is written through a temporary file there).
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            bail!(
                "cannot write the report {}: the directory {} does not exist",
                path.display(),
                dir.display()
            );
        }
        if path.is_dir() {
            bail!(
                "cannot write the report {}: it is a directory",
                path.display()
            );
        }
        tempfile::Builder::new()
            .prefix(".nonce-audit-check")
            .tempfile_in(dir)
            .with_context(|| {
                format!(
                    "cannot write the report {}: the directory {} does not take new files",
                    path.display(),
                    dir.display()
                )
            })?;
    }
    Ok(())
}

/// Raises the cancel flag on Ctrl-C or SIGTERM; a second signal exits at once.
fn watch_signals() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        for round in 0..2 {
            #[cfg(unix)]
            let got = match term.as_mut() {
                Some(t) => tokio::select! {
                    r = tokio::signal::ctrl_c() => r.is_ok(),
                    r = t.recv() => r.is_some(),
                },
                None => tokio::signal::ctrl_c().await.is_ok(),
            };
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                return;
            }
            if round == 0 {
                eprintln!(
                    "nonce-audit: interrupted; finishing pages in flight and writing the reports (again to quit now)"
                );
                let _ = tx.send(true);
            } else {
                std::process::exit(130);
            }
        }
    });
    rx
}

/// What one run produced: one site's report, or several (`--sites`).
enum Audited {
    One(Box<Report>),
    Many(Box<MultiReport>),
}

impl Audited {
    fn write(
        &self,
        out: &mut dyn Write,
        format: Format,
        options: &RenderOptions,
    ) -> std::io::Result<()> {
        match self {
            Audited::One(r) => format.write(out, r, options),
            Audited::Many(m) => format.write_multi(out, m, options),
        }
    }

    fn failing(&self, fail_on: FailOn) -> bool {
        match self {
            Audited::One(r) => Threshold::new(fail_on, r).any(r),
            Audited::Many(m) => m.failing(fail_on),
        }
    }

    /// Why no page could be audited at all, when that is so: every page an `error` (unreachable,
    /// refused, TLS...) and the run not interrupted. That is exit 2, never a green run.
    fn none_audited(&self) -> Option<String> {
        let Audited::One(r) = self else { return None };
        let s = &r.summary;
        if r.interrupted || s.pages == 0 || s.error < s.pages {
            return None;
        }
        let first = r.pages.iter().next();
        let example = first
            .map(|p| {
                format!(
                    " (first: {}: {})",
                    p.url,
                    p.reason.as_deref().unwrap_or("error")
                )
            })
            .unwrap_or_default();
        Some(console::show(&format!(
            "no page could be audited: all {} page(s) failed{example}",
            s.pages
        )))
    }

    fn interrupted(&self) -> bool {
        match self {
            Audited::One(r) => r.interrupted,
            Audited::Many(m) => m.interrupted,
        }
    }
}

/// Loads `--baseline` before anything is fetched, so a wrong file fails fast (exit 2), and
/// refuses `--fail-on new-dead` without one.
fn load_baseline(output: &OutputArgs, console: &Console) -> Result<Option<Baseline>> {
    if output.fail_on == cli::FailOnArg::NewDead && output.baseline.is_none() {
        bail!(
            "--fail-on new-dead compares with an earlier report: give it with --baseline PREVIOUS.json"
        );
    }
    let Some(path) = output.baseline.as_deref() else {
        return Ok(None);
    };
    // The first night of a schedule has no earlier report, and a night that wrote none must
    // not lock every later night out: a missing file is a warning, not an error.
    if !path.exists() {
        console.line(&format!(
            "warning: the baseline {} does not exist yet: every page counts as new (write this run's report there with -o for the next run)",
            console::show(&path.display().to_string())
        ));
        return Ok(Some(Baseline::missing(path)));
    }
    Ok(Some(Baseline::load(path)?))
}

fn emit(audited: &Audited, output: &OutputArgs, console: &Console) -> Result<ExitCode> {
    let fail_on: FailOn = output.fail_on.into();
    let failing = audited.failing(fail_on);
    let files = RenderOptions {
        color: false,
        fail_on,
        width: 0,
    };
    // Every report is attempted: one that cannot be written does not cost the others.
    let mut unwritten = Vec::new();
    for path in &output.outputs {
        let format = Format::from_path(path).unwrap_or(Format::Json);
        if let Err(e) = write_atomic_with(path, |w| audited.write(w, format, &files)) {
            unwritten.push(format!("{}: {e}", path.display()));
        }
    }

    if !output.ui.quiet || failing {
        console.release();
        let format = match output.format {
            StdoutFormat::Table => Format::Table,
            StdoutFormat::Json => Format::Json,
            StdoutFormat::Csv => Format::Csv,
            StdoutFormat::Md => Format::Markdown,
            StdoutFormat::Junit => Format::Junit,
            StdoutFormat::Html => Format::Html,
            StdoutFormat::Prom => Format::Prometheus,
        };
        let options = RenderOptions {
            color: format == Format::Table && use_color(output.ui),
            fail_on,
            width: terminal_width(),
        };
        let mut out = std::io::BufWriter::with_capacity(
            64 * 1024,
            PipeWatch {
                inner: std::io::stdout().lock(),
                closed: false,
            },
        );
        let written = audited
            .write(&mut out, format, &options)
            .and_then(|()| out.flush());
        // Drop what is still buffered rather than try the closed pipe once more.
        let (watch, _) = out.into_parts();
        if let Err(e) = written {
            // `… | head -1` closed the pipe: the reader has what it wanted, and the verdict
            // below must stay the exit code, or `pipefail` would hide the findings.
            if !watch.closed {
                return Err(e).context("cannot write the report to standard output");
            }
        }
    }
    if !unwritten.is_empty() {
        bail!("cannot write {}", unwritten.join("; "));
    }
    if let Some(why) = audited.none_audited() {
        bail!("{why}");
    }
    Ok(if audited.interrupted() {
        ExitCode::from(130)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The one flow of a single-site audit (a site, or the demo): the baseline loaded before the
/// first request (a wrong file fails fast), progress while it runs, the baseline applied, then
/// every report written and the exit code chosen. `--sites` runs the same steps per site.
async fn audit_one<F, Fut>(output: &OutputArgs, console: &Console, audit: F) -> Result<ExitCode>
where
    F: FnOnce(EventSink) -> Fut,
    Fut: std::future::Future<Output = Result<Report, audit::AuditError>>,
{
    let baseline = load_baseline(output, console)?;
    let pb = progress(output.ui, console);
    let report = audit(sink(&pb, console)).await;
    finish_progress(&pb, console);
    let mut report = report?;
    if let Some(b) = &baseline {
        b.apply(&mut report);
    }
    emit(&Audited::One(Box::new(report)), output, console)
}

/// The progress of a `--sites` run: one bar for the sites done of the total, and one line per
/// site in flight (its pages audited), all hidden when standard error is not a terminal.
struct FleetBars {
    multi: MultiProgress,
    overall: ProgressBar,
    in_flight: std::sync::Mutex<std::collections::HashMap<usize, ProgressBar>>,
    visible: bool,
    console: Console,
}

impl FleetBars {
    fn new(ui: UiArgs, console: &Console, total: usize) -> Self {
        let visible = !ui.quiet && !ui.no_progress && std::io::stderr().is_terminal();
        let multi = MultiProgress::with_draw_target(if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        let overall = multi.add(ProgressBar::new(total as u64));
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {pos}/{len} sites audited [{elapsed_precise}] {wide_msg}",
        ) {
            overall.set_style(style);
        }
        overall.enable_steady_tick(Duration::from_millis(120));
        // Writing around the overall bar suspends the whole MultiProgress.
        console.set_bar(Some(overall.clone()));
        Self {
            multi,
            overall,
            in_flight: std::sync::Mutex::new(std::collections::HashMap::new()),
            visible,
            console: console.clone(),
        }
    }

    fn finish(&self) {
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
        self.console.set_bar(None);
    }
}

impl nonce_audit::fleet::FleetWatch for FleetBars {
    fn started(&self, position: usize, site: &str) -> EventSink {
        tracing::info!("site {}: {site} started", position + 1);
        let pb = if self.visible {
            self.multi.add(ProgressBar::new(0))
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("  {pos}/{len} pages {wide_msg}") {
            pb.set_style(style);
        }
        pb.set_message(console::show(site));
        if let Ok(mut bars) = self.in_flight.lock() {
            bars.insert(position, pb.clone());
        }
        events_to(&pb, &self.console, false)
    }

    fn finished(&self, position: usize, site: &str, outcome: Result<&Report, &str>) {
        if let Some(pb) = self
            .in_flight
            .lock()
            .ok()
            .and_then(|mut b| b.remove(&position))
        {
            pb.finish_and_clear();
            self.multi.remove(&pb);
        }
        match outcome {
            Ok(_) => tracing::info!("site {}: {site} done", position + 1),
            Err(e) => tracing::warn!("site {site} could not be audited: {e}"),
        }
        self.overall.inc(1);
    }
}

/// Reads the `--sites` list, from the file or from standard input (`-`).
fn read_sites(file: &Path) -> Result<(String, String)> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
            .context("cannot read the sites list from standard input")?;
        return Ok((text, "on standard input".to_owned()));
    }
    let text = std::fs::read_to_string(file).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the sites file {}: {}",
            file.display(),
            nonce_audit::util::io_words(&e)
        )
    })?;
    Ok((text, format!("file {}", file.display())))
}

/// `--sites FILE`: every line is checked first (a malformed line is reported before any site
/// runs, and recorded as a failed site), then the sites of this `--shard` are audited,
/// `--site-concurrency` at once, each a full audit with its own politeness; the report keeps
/// the file's order. Only when no site could be audited does the run fail (exit 2).
async fn audit_sites(
    file: &Path,
    fleet: &FleetArgs,
    audit_args: &AuditArgs,
    net: &NetArgs,
    output: &OutputArgs,
    console: &Console,
) -> Result<ExitCode> {
    let shard = fleet
        .shard
        .as_deref()
        .map(|spec| {
            let index = std::env::var(nonce_audit::fleet::JOB_INDEX_ENV).ok();
            nonce_audit::fleet::parse_shard(spec, index.as_deref())
        })
        .transpose()?;
    let (text, named) = read_sites(file)?;
    let mut sites = cli::site_lines(&text);
    if sites.is_empty() {
        bail!("the sites {named} lists no site");
    }
    if let Some(shard) = shard {
        let listed = sites.len();
        sites.retain(|(_, line)| nonce_audit::fleet::shard_of(line, shard.count) == shard.index);
        tracing::info!("shard {shard}: {} of {listed} sites", sites.len());
    }
    // The shared options are checked once, not once per site.
    let shared = cli::config(
        Target::File(std::path::PathBuf::new()),
        net,
        Some(audit_args),
    )?;
    if shared.fetch.insecure {
        console.line("warning: --insecure: TLS certificates are not verified");
    }
    let baseline = load_baseline(output, console)?;
    // Every line is checked before the first site runs, so a typo shows at once, not after
    // the hours the sites above it take.
    let checked: Vec<nonce_audit::fleet::FleetSite> = sites
        .iter()
        .map(|(n, line)| {
            // The line as it may be printed and stored: a password in it authenticates the
            // site (see cli::split_userinfo) and goes nowhere else.
            let site = nonce_audit::util::redact_userinfo(line).into_owned();
            let config = if line == "-" {
                Err("`-` is not a site (standard input is read once, as the list itself)".to_owned())
            } else {
                Target::parse(line)
                    .map_err(|e| nonce_audit::util::redact_userinfo(&e.to_string()).into_owned())
                    .and_then(|t| {
                        cli::config(t, net, Some(audit_args)).map_err(|e| e.to_string())
                    })
            };
            if let Err(e) = &config {
                console.line(&format!(
                    "warning: line {n} of the sites {named}: {}: {} (recorded as a site that could not be audited)",
                    console::show(&site),
                    console::show(e)
                ));
            }
            nonce_audit::fleet::FleetSite { site, config }
        })
        .collect();
    let cancel = watch_signals();
    let bars = FleetBars::new(output.ui, console, checked.len());
    let apply = |report: &mut Report| {
        if let Some(b) = &baseline {
            b.apply(report);
        }
    };
    let options = nonce_audit::fleet::FleetOptions {
        concurrency: usize::from(fleet.site_concurrency),
        cancel: Some(cancel),
        finish: &apply,
        ..nonce_audit::fleet::FleetOptions::default()
    };
    let mut multi = nonce_audit::fleet::run(checked, options, &bars).await;
    bars.finish();
    multi.shard = shard;
    if multi.all_failed() {
        let why: Vec<String> = multi
            .failed
            .iter()
            .map(|f| format!("{}: {}", f.site, f.error))
            .collect();
        bail!("no site could be audited ({})", why.join("; "));
    }
    emit(&Audited::Many(Box::new(multi)), output, console)
}

async fn run(cli: Cli, console: &Console) -> Result<ExitCode> {
    match cli.command {
        Command::Audit {
            target,
            sites: Some(file),
            fleet,
            audit: audit_args,
            net,
            output,
        } if target.is_none() => {
            check_outputs(&output)?;
            audit_sites(&file, &fleet, &audit_args, &net, &output, console).await
        }
        Command::Audit {
            target,
            audit: audit_args,
            net,
            output,
            ..
        } => {
            check_outputs(&output)?;
            let target = cli::target(target.as_deref(), &net)?;
            let mut config = cli::config(target, &net, Some(&audit_args))?;
            if config.fetch.insecure {
                console.line("warning: --insecure: TLS certificates are not verified");
            }
            config.walk.cancel = Some(watch_signals());
            audit_one(&output, console, |events| async move {
                audit::run(&config, events).await
            })
            .await
        }
        Command::Sitemap { target, net, ui } => {
            let target = cli::target(target.as_deref(), &net)?;
            let config = cli::config(target, &net, None)?;
            let pb = ProgressBar::hidden();
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let mut broken_pipe = false;
            let summary = audit::list_pages(&config, sink(&pb, console), |p| {
                if !broken_pipe && writeln!(stdout, "{}", p.url).is_err() {
                    broken_pipe = true;
                }
            })
            .await?;
            let _ = stdout.flush();
            if !ui.quiet {
                for w in &summary.warnings {
                    console.line(&format!("warning: {}", console::show(w)));
                }
                for s in &summary.sitemaps {
                    for w in &s.warnings {
                        console.line(&console::show(&format!("warning: sitemap {}: {w}", s.url)));
                    }
                }
            }
            if summary.pages == 0 {
                bail!("{}", summary.why_no_pages());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { reports, output } => {
            check_outputs(&output)?;
            let baseline = load_baseline(&output, console)?;
            let apply = |report: &mut Report| {
                if let Some(b) = &baseline {
                    b.apply(report);
                }
            };
            let multi = nonce_audit::merge::merge(&reports, &apply)?;
            if multi.all_failed() {
                bail!("no site in these reports could be audited");
            }
            emit(&Audited::Many(Box::new(multi)), &output, console)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "nonce-audit", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: Some(dir) } => {
            man::write_dir(&dir)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: None } => {
            let mut out = std::io::stdout().lock();
            man::render(&mut out).context("cannot write the manual page")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { output } => {
            check_outputs(&output)?;
            console.line(nonce_audit::demo::EXPLANATION);
            let config = cli::config(
                Target::File(std::path::PathBuf::new()),
                &cli::NetArgs::default(),
                None,
            )?;
            audit_one(&output, console, |events| {
                nonce_audit::demo::run_demo(config, events)
            })
            .await
        }
    }
}
