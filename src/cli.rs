//! Command-line definitions (clap derive) and their translation into the library's config.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use nonce_audit::audit::{AuditConfig, DEFAULT_CONCURRENCY};
use nonce_audit::discover::Target;
use nonce_audit::discover::parse::{DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES};
use nonce_audit::fetch::{
    DEFAULT_MAX_TRIES, DEFAULT_RATE, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, MIN_RATE, Secret,
};
use nonce_audit::fleet::DEFAULT_SITE_CONCURRENCY;
use nonce_audit::model::FailOn;

/// The examples shown after `--help` and in the manual page.
pub const EXAMPLES: &str = "\
Examples:
  nonce-audit demo
      Audit the built-in simulated site and see every kind of verdict.
  nonce-audit audit https://example.com/
      Find the sitemaps (robots.txt, /wp-sitemap.xml...) and audit each page.
  nonce-audit audit https://example.com/wp-sitemap.xml --max-pages 200 \\
      -o report.json
      Audit the first 200 pages of one sitemap and also write a JSON report.
  nonce-audit audit https://example.com/ --nonce-life 12h --fail-on expiring \\
      --format csv
      A site whose nonce_life is 12 hours; exit 1 on dead or expiring pages.
  nonce-audit audit https://example.com/ -q -o today.json \\
      --baseline yesterday.json --fail-on new-dead
      For cron: silent unless a page died since yesterday's report.
  nonce-audit audit --sites sites.txt -o all.json
      Audit every site in sites.txt (one URL per line) into one report.
  nonce-audit audit --sites sites.txt --shard 2/4 -o shard-2.json
      Audit the second of four parts of sites.txt; `merge` joins the parts.
  nonce-audit merge shard-*.json -o all.json -o all.html --fail-on dead
      Put the shards' reports together; the exit code is the merged run's.
  nonce-audit sitemap https://example.com/ | wc -l
      List the page URLs an audit would visit, fetching no page.";

/// The exit codes and what each means: the one table `--help` and the manual page both show,
/// so they cannot drift apart (README's table says the same at more length). Each line fits 80
/// columns, as `--help` wraps longer ones without their indent.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (0, "the audit ran; nothing at or above --fail-on"),
    (
        1,
        "findings at or above --fail-on (by default, unfetchable pages too)",
    ),
    (
        2,
        "could not run: bad options or config, no sitemap, site unreachable",
    ),
    (
        130,
        "interrupted (Ctrl-C, SIGTERM); the reports hold what was known",
    ),
];

/// What `--help` prints after the options: the examples, then the exit codes.
fn after_help() -> String {
    let codes: String = EXIT_CODES
        .iter()
        .map(|(code, meaning)| format!("\n  {code:<3}  {meaning}"))
        .collect();
    format!("{EXAMPLES}\n\nExit codes:{codes}")
}

/// Finds WordPress pages whose cached copy carries a REST nonce the live site no longer accepts.
#[derive(Debug, Parser)]
#[command(name = "nonce-audit", version, about, after_help = after_help())]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Read options from this TOML file (default: ./nonce-audit.toml if present); an option on
    /// the command line wins, and a list option there (-o, --exclude...) replaces the file's.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Read no config file, not even ./nonce-audit.toml.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a site: sitemap → cached page → nonce → live REST verdict.
    #[command(after_help = after_help())]
    Audit {
        /// A site URL (sitemaps are discovered), a sitemap URL, a local sitemap file, or `-` for
        /// a list of page URLs on standard input.
        #[arg(required_unless_present_any = ["urls", "sites"])]
        target: Option<String>,
        /// Audit every site listed in FILE (one site or sitemap URL per line; blank lines and
        /// `#` comments skipped; `-` reads the list from standard input) and report them
        /// together, in the file's order.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["target", "urls"])]
        sites: Option<PathBuf>,
        #[command(flatten)]
        fleet: FleetArgs,
        #[command(flatten)]
        audit: AuditArgs,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print the page URLs an audit would visit, one per line, fetching no page.
    Sitemap {
        /// A site URL (sitemaps are discovered), a sitemap URL, a local sitemap file, or `-` for
        /// a list of page URLs on standard input.
        #[arg(required_unless_present = "urls")]
        target: Option<String>,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        ui: UiArgs,
    },
    /// Combine JSON reports (the shards of a fleet, or separate runs) into one multi-site
    /// report, written in every format asked for; --baseline and --fail-on apply to the result.
    Merge {
        /// The JSON reports (nonce-audit/1 or nonce-audit-multi/1), listed in this order.
        #[arg(required = true, value_name = "REPORT.json")]
        reports: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Audit the built-in simulated WordPress site (loopback only) and print the report.
    Demo {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output: one page with every subcommand, every
    /// option and the exit codes.
    Man {
        /// Write the pages into DIR instead: nonce-audit.1 (the same page) and one
        /// nonce-audit-SUBCOMMAND.1 per subcommand.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

impl Command {
    /// The terminal options of this subcommand (the defaults for those that have none).
    pub fn ui(&self) -> UiArgs {
        match self {
            Command::Audit { output, .. }
            | Command::Demo { output }
            | Command::Merge { output, .. } => output.ui,
            Command::Sitemap { ui, .. } => *ui,
            Command::Completions { .. } | Command::Man { .. } => UiArgs::default(),
        }
    }
}

/// Parses the arguments; an option given twice (config file, then command line) keeps the last.
pub fn parse(args: Vec<std::ffi::OsString>) -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let cmd = Cli::command()
        .args_override_self(true)
        .mut_subcommands(|c| c.args_override_self(true));
    let matches = cmd.get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Options of a `--sites` run.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// With --sites: sites audited at once (each keeps its own per-host --rate).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SITE_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub site_concurrency: u16,
    /// With --sites: audit only shard K of N (K from 1), the sites whose URL hashes there;
    /// `auto/N` takes K from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job, from 0).
    #[arg(long, value_name = "K/N", requires = "sites")]
    pub shard: Option<String>,
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
    #[arg(long, default_value_t = DEFAULT_RATE, allow_negative_numbers = true)]
    pub rate: f64,
    /// Timeout of one request, e.g. 30s.
    #[arg(long, value_parser = parse_duration, default_value = "30s")]
    pub timeout: Duration,
    /// Audit at most this many pages (in sitemap order).
    #[arg(long, value_parser = parse_positive, allow_negative_numbers = true)]
    pub max_pages: Option<u64>,
    /// Audit an evenly spread, deterministic sample of N pages (quick checks of big sites).
    #[arg(long, value_name = "N", conflicts_with = "max_pages", value_parser = parse_positive, allow_negative_numbers = true)]
    pub sample: Option<u64>,
    /// Only pages whose URL path matches this glob, e.g. '/blog/**' (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Leave out pages whose URL path matches this glob, e.g. '/cart/*' (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also keep page URLs on this host (sitemaps listing another domain; repeatable).
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Read page URLs from this file (one per line) instead of sitemaps; TARGET `-` reads them
    /// from standard input.
    #[arg(long, value_name = "FILE")]
    pub urls: Option<PathBuf>,
    /// Most entries read from one sitemap file (the sitemaps.org limit is 50,000).
    #[arg(long, default_value_t = DEFAULT_MAX_ENTRIES, value_name = "N")]
    pub max_sitemap_entries: u64,
    /// Largest sitemap read, uncompressed, in bytes (the sitemaps.org limit is 50 MB).
    #[arg(long, default_value_t = DEFAULT_MAX_BYTES, value_name = "BYTES")]
    pub max_sitemap_bytes: usize,
    /// Most sitemaps read in one walk, indexes included (stops indexes that fan out forever).
    #[arg(long, default_value_t = nonce_audit::discover::DEFAULT_MAX_SITEMAPS, value_name = "N")]
    pub max_sitemaps: usize,
    /// The User-Agent header (some caches keep separate copies per agent).
    #[arg(long, default_value = DEFAULT_USER_AGENT)]
    pub user_agent: String,
    /// Tries per request on timeouts, connection errors, 429 and 5xx (1 = never retry).
    #[arg(long, default_value_t = DEFAULT_MAX_TRIES, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub max_tries: u32,
    /// An extra request header, "Name: value", sent only to the audited site (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// HTTP basic auth "user:password" for a staging site; sent only to the audited site and
    /// never printed. Also read from NONCE_AUDIT_BASIC_AUTH.
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "NONCE_AUDIT_BASIC_AUTH",
        hide_env_values = true
    )]
    pub basic_auth: Option<String>,
    /// Accept invalid TLS certificates (self-signed staging servers).
    #[arg(long)]
    pub insecure: bool,
    /// Fetch pages even where robots.txt disallows them (your own site only).
    #[arg(long)]
    pub ignore_robots: bool,
}

/// Report and display options.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Format of the report on standard output.
    #[arg(long, value_enum, default_value_t = StdoutFormat::Table)]
    pub format: StdoutFormat,
    /// Also write the report to this file; the format follows the extension (.json, .csv, .txt,
    /// .md, .xml for JUnit, .html, .prom for Prometheus). Repeatable.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub outputs: Vec<PathBuf>,
    /// Which verdicts make the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOnArg::Dead)]
    pub fail_on: FailOnArg,
    /// Compare with an earlier JSON report of the same site(s): the reports gain a "Since the
    /// baseline" section (newly dead, recovered, cache layer changed, added, removed pages).
    #[arg(long, value_name = "PREVIOUS.json")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub ui: UiArgs,
}

/// Terminal behaviour.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct UiArgs {
    /// Print nothing, on standard output or standard error, unless there are findings (for
    /// cron, which mails whatever a job prints).
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more on standard error: -v one line per page, retries and sitemaps; -vv also every
    /// REST probe. RUST_LOG (e.g. RUST_LOG=nonce_audit=debug) overrides.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Never draw a progress bar.
    #[arg(long)]
    pub no_progress: bool,
    /// Colour in the table on standard output: auto (a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE=1 forces it), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// When to colour the table (`--color`), as ripgrep and most CLIs spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE` (not `0`) forces it.
    #[default]
    Auto,
    /// Always, also into a pipe or a file.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether stdout is a terminal and the environment's say, by the
    /// conventions of NO_COLOR and CLICOLOR_FORCE (an explicit --color wins over both).
    pub fn wanted(self, is_terminal: bool, env: impl Fn(&str) -> Option<String>) -> bool {
        let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                if set("NO_COLOR") {
                    false
                } else if env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                    true
                } else {
                    is_terminal && env("TERM").is_none_or(|t| t != "dumb")
                }
            }
        }
    }
}

/// Formats for standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StdoutFormat {
    /// Human-readable, grouped by verdict (also `txt`, as `-o report.txt` names it).
    #[value(alias = "txt")]
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
    /// The Prometheus text format (node_exporter's textfile collector).
    Prom,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Dead pages, and pages that could not be fetched (error).
    Dead,
    /// Dead, expiring or unfetchable pages.
    Expiring,
    /// Dead, expiring, unverifiable or unfetchable pages.
    Unverifiable,
    /// Never (exit 0 whenever the audit ran).
    Never,
    /// Dead pages that were not dead in the --baseline report (needs --baseline).
    NewDead,
}

impl From<FailOnArg> for FailOn {
    fn from(f: FailOnArg) -> Self {
        match f {
            FailOnArg::Dead => FailOn::Dead,
            FailOnArg::Expiring => FailOn::Expiring,
            FailOnArg::Unverifiable => FailOn::Unverifiable,
            FailOnArg::Never => FailOn::Never,
            FailOnArg::NewDead => FailOn::NewDead,
        }
    }
}

/// Why the options (from the command line or the config file) cannot make an audit: one
/// variant per cause, each a sentence naming the option and what it accepts. A header's or a
/// password's value never appears in one, since it may be a secret.
#[derive(Debug, thiserror::Error)]
pub enum ArgError {
    /// `--rate NaN`.
    #[error("--rate must be a number of requests per second, not NaN")]
    RateNan,
    /// `--rate inf`.
    #[error(
        "--rate must be a finite number of requests per second, not {0:?} (give 0 for no limit)"
    )]
    RateInfinite(f64),
    /// A negative `--rate`.
    #[error("--rate must be 0 (no limit) or a positive number of requests per second, not {0:?}")]
    RateNegative(f64),
    /// A `--rate` whose period between requests cannot be expressed.
    #[error(
        "--rate {0:?} is too slow to pace requests: the slowest is one request a day per host (1/86400 ≈ {min:.7}); give 0 for no limit",
        min = MIN_RATE
    )]
    RateTooSlow(f64),
    /// `--timeout 0`.
    #[error("--timeout must be more than 0")]
    ZeroTimeout,
    /// `--nonce-life` under the 2 s WordPress can divide into ticks.
    #[error("--nonce-life must be at least 2s")]
    NonceLife,
    /// Both TARGET and `--urls`.
    #[error("give either TARGET or --urls, not both")]
    TargetAndUrls,
    /// Neither TARGET nor `--urls`.
    #[error("give a TARGET (site URL, sitemap URL or file) or --urls FILE")]
    NoTarget,
    /// TARGET is not a URL, file or `-`.
    #[error(transparent)]
    Target(#[from] nonce_audit::discover::DiscoverError),
    /// A bad `--include`/`--exclude` glob or `--allow-host`.
    #[error("{0}")]
    Selection(String),
    /// A `--header` with no `:`.
    #[error(
        "--header #{nth} has no `:`; it must look like \"Name: value\" (it is not shown, as it may hold a secret)"
    )]
    HeaderNoColon {
        /// Its position among the `--header` options, from 1.
        nth: usize,
    },
    /// A `--header` whose name is not an HTTP header name.
    #[error(
        "--header #{nth}: the part before `:` is not a valid HTTP header name (not shown, as it may hold a secret)"
    )]
    HeaderName {
        /// Its position among the `--header` options, from 1.
        nth: usize,
    },
    /// A `--header` whose value is not a valid HTTP header value.
    #[error(
        "--header `{name}`: the value is not a valid HTTP header value (control characters?); it is not shown"
    )]
    HeaderValue {
        /// The header's (valid) name.
        name: String,
    },
    /// `--max-sitemaps 0`: no sitemap could be read at all.
    #[error("--max-sitemaps must be at least 1")]
    NoSitemaps,
    /// `--basic-auth` without `user:password`.
    #[error("--basic-auth must look like user:password")]
    BasicAuth,
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

/// Refuses a `--rate` (from the command line or the config file) that cannot pace requests,
/// each with its own reason: the rate limiter must never see NaN, infinity, a negative value, or
/// a rate so small its period between requests cannot be expressed (`1e-300` is 10^300 seconds).
pub fn check_rate(rate: f64) -> Result<(), ArgError> {
    if rate.is_nan() {
        return Err(ArgError::RateNan);
    }
    if rate.is_infinite() {
        return Err(ArgError::RateInfinite(rate));
    }
    if rate < 0.0 {
        return Err(ArgError::RateNegative(rate));
    }
    if rate > 0.0 && rate < MIN_RATE {
        return Err(ArgError::RateTooSlow(rate));
    }
    Ok(())
}

/// The target from TARGET or `--urls`.
pub fn target(target: Option<&str>, net: &NetArgs) -> Result<Target, ArgError> {
    match (&net.urls, target) {
        (Some(file), None) => Ok(Target::UrlList(Some(file.clone()))),
        (Some(_), Some(_)) => Err(ArgError::TargetAndUrls),
        (None, Some(t)) => Ok(Target::parse(t)?),
        (None, None) => Err(ArgError::NoTarget),
    }
}

/// The site lines of a `--sites` file with their line numbers (from 1): surrounding blanks
/// trimmed, blank lines and lines starting with `#` skipped (so is the rest of a line after
/// ` #`).
pub fn site_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split(" #").next().unwrap_or("").trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i, l.to_owned()))
        .collect()
}

/// Takes the `user:password@` out of a target URL: the URL goes on without it (so it is never
/// printed or written into a report) and the credentials become the basic auth of that origin,
/// sent with every request to it. Left in the URL they reached only the requests made with
/// that very URL (the first sitemap), and every message quoting it.
pub fn split_userinfo(target: Target) -> (Target, Option<(String, Secret)>) {
    let take = |u: url::Url| match nonce_audit::util::userinfo_of(&u) {
        Some((user, pass)) => (
            nonce_audit::util::strip_userinfo(&u),
            Some((user, Secret(pass))),
        ),
        None => (u, None),
    };
    match target {
        Target::Site(u) => {
            let (u, creds) = take(u);
            (Target::Site(u), creds)
        }
        Target::Sitemap(u) => {
            let (u, creds) = take(u);
            (Target::Sitemap(u), creds)
        }
        other => (other, None),
    }
}

/// The library config for `target` with these options. Credentials in the target URL win over
/// `--basic-auth`: with `--sites`, they are the ones written for that very site.
pub fn config(
    target: Target,
    net: &NetArgs,
    audit: Option<&AuditArgs>,
) -> Result<AuditConfig, ArgError> {
    check_rate(net.rate)?;
    let (target, url_credentials) = split_userinfo(target);
    if net.timeout.is_zero() {
        return Err(ArgError::ZeroTimeout);
    }
    let mut c = AuditConfig::new(target);
    c.fetch.rate_per_host = net.rate;
    c.fetch.timeout = net.timeout;
    c.fetch.user_agent = net.user_agent.clone();
    c.walk.max_pages = net.max_pages;
    c.walk.selection = nonce_audit::discover::Selection::new(
        &net.include,
        &net.exclude,
        net.allow_host.clone(),
        net.sample,
    )
    .map_err(ArgError::Selection)?;
    c.walk.limits.max_entries = net.max_sitemap_entries;
    c.walk.limits.max_bytes = net.max_sitemap_bytes;
    c.fetch.max_sitemap_bytes = net.max_sitemap_bytes;
    if net.max_sitemaps == 0 {
        return Err(ArgError::NoSitemaps);
    }
    c.walk.max_sitemaps = net.max_sitemaps;
    c.fetch.max_tries = net.max_tries;
    c.fetch.insecure = net.insecure;
    c.fetch.ignore_robots = net.ignore_robots;
    // A header's value is usually a secret (a token, a cookie), and a malformed one may hold
    // it anywhere: errors name the header by its position, or by its name once that is valid.
    for (i, h) in net.headers.iter().enumerate() {
        let nth = i + 1;
        let Some((name, value)) = h.split_once(':') else {
            return Err(ArgError::HeaderNoColon { nth });
        };
        let name = name.trim();
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(ArgError::HeaderName { nth });
        }
        if reqwest::header::HeaderValue::from_str(value.trim()).is_err() {
            return Err(ArgError::HeaderValue {
                name: name.to_owned(),
            });
        }
        c.fetch
            .site_headers
            .push((name.to_owned(), Secret(value.trim().to_owned())));
    }
    if let Some(auth) = &net.basic_auth {
        let Some((user, pass)) = auth.split_once(':') else {
            return Err(ArgError::BasicAuth);
        };
        c.fetch.basic_auth = Some((user.to_owned(), Secret(pass.to_owned())));
    }
    if let Some(creds) = url_credentials {
        c.fetch.basic_auth = Some(creds);
    }
    if let Some(a) = audit {
        if a.nonce_life.as_secs() < 2 {
            return Err(ArgError::NonceLife);
        }
        c.nonce_life_s = a.nonce_life.as_secs();
        c.concurrency = usize::from(a.concurrency);
    }
    Ok(c)
}

impl Default for NetArgs {
    fn default() -> Self {
        Self {
            rate: DEFAULT_RATE,
            timeout: DEFAULT_TIMEOUT,
            max_pages: None,
            sample: None,
            include: Vec::new(),
            exclude: Vec::new(),
            allow_host: Vec::new(),
            urls: None,
            max_sitemap_entries: DEFAULT_MAX_ENTRIES,
            max_sitemap_bytes: DEFAULT_MAX_BYTES,
            max_sitemaps: nonce_audit::discover::DEFAULT_MAX_SITEMAPS,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            max_tries: DEFAULT_MAX_TRIES,
            headers: Vec::new(),
            basic_auth: None,
            insecure: false,
            ignore_robots: false,
        }
    }
}

/// A count of pages that must select at least one (`--sample 0` or `--max-pages 0` would audit
/// nothing and report it as a failure to find pages).
fn parse_positive(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1 (0 would audit no page)".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number of pages (1 or more)")),
    }
}

/// The whole command-line definition, for the config file's checks and the manual page.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_line_fits_80_columns_so_it_can_be_pasted() {
        // A longer command wraps in --help and cannot be pasted; long ones continue with `\`.
        for line in EXAMPLES.lines() {
            assert!(
                line.chars().count() <= 80,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        assert!(
            EXAMPLES.contains(
                "-q -o today.json \\\n      --baseline yesterday.json --fail-on new-dead"
            )
        );
    }

    #[test]
    fn color_follows_the_flag_then_no_color_then_clicolor_force_then_the_terminal() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        use ColorChoice::*;
        assert!(Auto.wanted(true, env(&[])));
        assert!(!Auto.wanted(false, env(&[])));
        assert!(!Auto.wanted(true, env(&[("NO_COLOR", "1")])));
        assert!(Auto.wanted(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!Auto.wanted(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!Auto.wanted(true, env(&[("TERM", "dumb")])));
        assert!(!Auto.wanted(true, env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")])));
        assert!(Always.wanted(false, env(&[("NO_COLOR", "1")])));
        assert!(!Never.wanted(true, env(&[("CLICOLOR_FORCE", "1")])));
    }

    #[test]
    fn sites_file_skips_comments_and_blank_lines() {
        let text = "# production\nhttps://a.example/\n\n   https://b.example/  # shop\n\t\n#https://c.example/\n";
        assert_eq!(
            site_lines(text),
            [
                (2, "https://a.example/".to_owned()),
                (4, "https://b.example/".to_owned())
            ]
        );
    }

    /// clap's help shows defaults as text ("24h", "30s"); they must be the library's constants,
    /// which `NetArgs::default` and `AuditConfig::new` use.
    #[test]
    fn the_help_defaults_are_the_librarys_constants() {
        let cli = parse(
            ["nonce-audit", "audit", "https://a.example/"]
                .into_iter()
                .map(Into::into)
                .collect(),
        );
        let Command::Audit { audit, net, .. } = cli.command else {
            panic!("not the audit command");
        };
        assert_eq!(
            audit.nonce_life.as_secs(),
            nonce_audit::clock::DEFAULT_NONCE_LIFE_S
        );
        assert_eq!(usize::from(audit.concurrency), DEFAULT_CONCURRENCY);
        let d = NetArgs::default();
        assert_eq!(net.timeout, d.timeout);
        assert_eq!(net.timeout, DEFAULT_TIMEOUT);
        assert_eq!(net.rate, d.rate);
        assert_eq!(net.max_sitemap_entries, d.max_sitemap_entries);
        assert_eq!(net.max_sitemap_bytes, d.max_sitemap_bytes);
        assert_eq!(net.max_tries, d.max_tries);
        assert_eq!(net.user_agent, d.user_agent);
        assert_eq!(net.max_sitemaps, d.max_sitemaps);
    }

    #[test]
    fn rates_that_cannot_pace_are_refused_each_with_its_reason() {
        assert!(check_rate(0.0).is_ok());
        assert!(check_rate(0.5).is_ok());
        assert!(check_rate(MIN_RATE).is_ok());
        assert!(check_rate(8.0).is_ok());
        let err = |r: f64| check_rate(r).unwrap_err().to_string();
        assert!(
            err(f64::INFINITY).contains("finite"),
            "{}",
            err(f64::INFINITY)
        );
        assert!(!err(f64::INFINITY).contains("or more"));
        assert!(err(f64::NEG_INFINITY).contains("finite"));
        assert!(err(f64::NAN).contains("not NaN"));
        assert!(err(-1.0).contains("not -1.0"), "{}", err(-1.0));
        assert!(
            err(1e-300).starts_with("--rate 1e-300 is too slow"),
            "{}",
            err(1e-300)
        );
    }

    #[test]
    fn target_userinfo_becomes_the_origins_basic_auth_and_leaves_the_url() {
        let t = Target::parse("https://st%40ge:p%3Ass@ex.com:8443/wp-sitemap.xml").unwrap();
        let c = config(t, &NetArgs::default(), None).unwrap();
        let Target::Sitemap(u) = &c.target else {
            panic!("not a sitemap target");
        };
        assert_eq!(u.as_str(), "https://ex.com:8443/wp-sitemap.xml");
        let (user, pass) = c.fetch.basic_auth.expect("credentials");
        assert_eq!((user.as_str(), pass.0.as_str()), ("st@ge", "p:ss"));
        let plain = config(
            Target::parse("https://ex.com/").unwrap(),
            &NetArgs::default(),
            None,
        )
        .unwrap();
        assert!(plain.fetch.basic_auth.is_none());
    }

    #[test]
    fn header_errors_never_echo_the_header() {
        for bad in [
            "Authorization Bearer tok-SECRET",
            "Authorization Bearer tok-SECRET: x",
            "X-Token: tok-SECRET\u{1}",
        ] {
            let net = NetArgs {
                headers: vec![bad.to_owned()],
                ..NetArgs::default()
            };
            let err = config(Target::parse("https://ex.com/").unwrap(), &net, None)
                .expect_err("refused")
                .to_string();
            assert!(!err.contains("SECRET"), "{err}");
            assert!(err.contains("--header"), "{err}");
        }
    }

    #[test]
    fn verbosity_counts_and_new_dead_parses() {
        let cli = parse(
            [
                "nonce-audit",
                "audit",
                "https://a.example/",
                "-vv",
                "--fail-on",
                "new-dead",
            ]
            .iter()
            .map(std::ffi::OsString::from)
            .collect(),
        );
        let Command::Audit { output, .. } = cli.command else {
            panic!("not audit");
        };
        assert_eq!(output.ui.verbose, 2);
        assert_eq!(output.fail_on, FailOnArg::NewDead);
    }
}
