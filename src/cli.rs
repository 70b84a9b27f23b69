//! Command-line definitions (clap derive) and their translation into the library's config.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use nonce_audit::audit::{AuditConfig, DEFAULT_CONCURRENCY};
use nonce_audit::discover::Target;
use nonce_audit::fetch::{DEFAULT_TIMEOUT, DEFAULT_USER_AGENT};
use nonce_audit::model::FailOn;

const EXAMPLES: &str = "\
Examples:
  nonce-audit demo
      Audit the built-in simulated site and see every kind of verdict.
  nonce-audit audit https://example.com/
      Discover the sitemaps (robots.txt, /wp-sitemap.xml, ...) and audit every page.
  nonce-audit audit https://example.com/wp-sitemap.xml --max-pages 200 -o report.json
      Audit the first 200 pages of one sitemap and also write a JSON report.
  nonce-audit audit https://example.com/ --nonce-life 12h --fail-on expiring --format csv
      For a site that filters nonce_life to 12 hours; exit 1 on dead or expiring pages.
  nonce-audit sitemap https://example.com/ | wc -l
      List the page URLs an audit would visit, fetching no page.

Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 the audit could not run.";

/// Finds WordPress pages whose cached copy carries a REST nonce the live site no longer accepts.
#[derive(Debug, Parser)]
#[command(name = "nonce-audit", version, about, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a site: sitemap → cached page → nonce → live REST verdict.
    #[command(after_help = EXAMPLES)]
    Audit {
        /// A site URL (sitemaps are discovered), a sitemap URL, or a local sitemap file.
        target: String,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the page URLs an audit would visit, one per line, fetching no page.
    Sitemap {
        /// A site URL (sitemaps are discovered), a sitemap URL, or a local sitemap file.
        target: String,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        ui: UiArgs,
    },
    /// Audit the built-in simulated WordPress site (loopback only) and print the report.
    Demo {
        #[command(flatten)]
        output: OutputArgs,
    },
}

/// Options about the audit itself.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The site's `nonce_life` (the value of its `nonce_life` filter), e.g. 24h, 12h, 20s.
    #[arg(long, value_parser = parse_duration, default_value = "24h")]
    pub nonce_life: Duration,
    /// Pages fetched at once.
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

/// Options about the network side, shared by `audit` and `sitemap`.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// Max requests per second per host (0 = no limit; for your own site only).
    #[arg(long, default_value_t = 8.0)]
    pub rate: f64,
    /// Timeout of one request, e.g. 30s.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,
    /// Audit at most this many pages (in sitemap order).
    #[arg(long)]
    pub max_pages: Option<u64>,
    /// The User-Agent header (some caches keep separate copies per agent).
    #[arg(long, default_value = DEFAULT_USER_AGENT)]
    pub user_agent: String,
}

/// Report and display options.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Format of the report on standard output.
    #[arg(long, value_enum, default_value_t = StdoutFormat::Table)]
    pub format: StdoutFormat,
    /// Also write the report to this file; the format follows the extension (.json, .csv, .txt,
    /// .md, .xml for JUnit, .html). Repeatable.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub outputs: Vec<PathBuf>,
    /// Which verdicts make the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOnArg::Dead)]
    pub fail_on: FailOnArg,
    #[command(flatten)]
    pub ui: UiArgs,
}

/// Terminal behaviour.
#[derive(Debug, Args, Clone, Copy)]
pub struct UiArgs {
    /// Print nothing unless there are findings (for cron).
    #[arg(short, long)]
    pub quiet: bool,
    /// Say more about what the audit does.
    #[arg(short, long)]
    pub verbose: bool,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

/// Formats for standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StdoutFormat {
    /// Human-readable, grouped by verdict.
    Table,
    /// The JSON schema `nonce-audit/1`.
    Json,
    /// One row per page.
    Csv,
    /// A Markdown summary (for a CI job summary or a ticket).
    Md,
    /// JUnit XML (CI servers show dead pages as failed tests).
    Junit,
    /// One self-contained HTML page.
    Html,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Dead pages.
    Dead,
    /// Dead or expiring pages.
    Expiring,
    /// Dead, expiring, unverifiable or unfetchable pages.
    Unverifiable,
    /// Never (exit 0 whenever the audit ran).
    Never,
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> Self {
        match f {
            FailOnArg::Dead => FailOn::Dead,
            FailOnArg::Expiring => FailOn::Expiring,
            FailOnArg::Unverifiable => FailOn::Unverifiable,
            FailOnArg::Never => FailOn::Never,
        }
    }
}

/// Parses `24h`, `90m`, `20s`, `1d 2h` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration like 24h or 20s: {e}"))
}

/// The library config for `target` with these options.
pub fn config(
    target: Target,
    net: &NetArgs,
    audit: Option<&AuditArgs>,
) -> Result<AuditConfig, String> {
    if !(net.rate.is_finite() && net.rate >= 0.0) {
        return Err(format!("--rate must be 0 or more, not {}", net.rate));
    }
    if net.timeout.is_zero() {
        return Err("--timeout must be more than 0".to_owned());
    }
    let mut c = AuditConfig::new(target);
    c.fetch.rate_per_host = net.rate;
    c.fetch.timeout = net.timeout;
    c.fetch.user_agent = net.user_agent.clone();
    c.walk.max_pages = net.max_pages;
    if let Some(a) = audit {
        if a.nonce_life.as_secs() < 2 {
            return Err("--nonce-life must be at least 2s".to_owned());
        }
        c.nonce_life_s = a.nonce_life.as_secs();
        c.concurrency = usize::from(a.concurrency);
    }
    Ok(c)
}

impl Default for NetArgs {
    fn default() -> Self {
        Self {
            rate: 8.0,
            timeout: DEFAULT_TIMEOUT,
            max_pages: None,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
        }
    }
}
