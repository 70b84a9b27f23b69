//! The `nonce-audit` binary: parse the command line, run the audit, print, map to an exit code.

mod cli;
mod config;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cli::{Cli, Command, OutputArgs, StdoutFormat, UiArgs};
use nonce_audit::audit::{self, Event, EventSink};
use nonce_audit::discover::Target;
use nonce_audit::model::{FailOn, Report, Threshold};
use nonce_audit::report::{Format, RenderOptions, write_atomic};

fn main() -> ExitCode {
    let (args, notes) = match config::merge(
        std::env::args_os().collect(),
        cli::has_option,
        cli::any_has_option,
    ) {
        Ok(merged) => merged,
        Err(e) => {
            eprintln!("nonce-audit: {e:#}");
            return ExitCode::from(2);
        }
    };
    let cli = cli::parse(args);
    for n in notes {
        eprintln!("warning: {n}");
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
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nonce-audit: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `nonce-audit man | head` closes the pipe early; that is not an error worth a message.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn progress(ui: UiArgs) -> ProgressBar {
    let visible = !ui.quiet && !ui.no_progress && std::io::stderr().is_terminal();
    let pb = if visible {
        ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {pos}/{len} pages audited [{elapsed_precise}] {per_sec} {wide_msg}",
    ) {
        pb.set_style(style);
    }
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn sink(pb: &ProgressBar, ui: UiArgs) -> EventSink {
    let pb = pb.clone();
    Arc::new(move |event| match event {
        Event::Note(msg) => {
            if !ui.quiet {
                if pb.is_hidden() {
                    eprintln!("{msg}");
                } else {
                    pb.println(msg);
                }
            }
        }
        Event::Queued => pb.inc_length(1),
        Event::Page(row) => {
            pb.inc(1);
            if ui.verbose && !ui.quiet {
                let line = format!("{:<12} {}", row.verdict.as_str(), row.url);
                if pb.is_hidden() {
                    eprintln!("{line}");
                } else {
                    pb.println(line);
                }
            }
        }
    })
}

fn use_color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
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

fn emit(report: &Report, output: &OutputArgs) -> Result<ExitCode> {
    let fail_on: FailOn = output.fail_on.into();
    let failing = Threshold::new(fail_on, report).any(report);
    let files = RenderOptions {
        color: false,
        fail_on,
    };
    for path in &output.outputs {
        let format = Format::from_path(path).unwrap_or(Format::Json);
        write_atomic(path, &format.render(report, &files))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !output.ui.quiet || failing {
        let format = match output.format {
            StdoutFormat::Table => Format::Table,
            StdoutFormat::Json => Format::Json,
            StdoutFormat::Csv => Format::Csv,
            StdoutFormat::Md => Format::Markdown,
            StdoutFormat::Junit => Format::Junit,
            StdoutFormat::Html => Format::Html,
        };
        let options = RenderOptions {
            color: format == Format::Table && use_color(),
            fail_on,
        };
        let mut out = std::io::stdout().lock();
        out.write_all(&format.render(report, &options))
            .and_then(|()| out.flush())
            .context("cannot write the report to standard output")?;
    }
    Ok(if report.interrupted {
        ExitCode::from(130)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Audit {
            target,
            audit: audit_args,
            net,
            output,
        } => {
            check_outputs(&output)?;
            let target = cli::target(target.as_deref(), &net).map_err(anyhow::Error::msg)?;
            let mut config =
                cli::config(target, &net, Some(&audit_args)).map_err(anyhow::Error::msg)?;
            if config.fetch.insecure {
                eprintln!("warning: --insecure: TLS certificates are not verified");
            }
            config.walk.cancel = Some(watch_signals());
            let pb = progress(output.ui);
            let report = audit::run(&config, sink(&pb, output.ui)).await;
            pb.finish_and_clear();
            emit(&report?, &output)
        }
        Command::Sitemap { target, net, ui } => {
            let target = cli::target(target.as_deref(), &net).map_err(anyhow::Error::msg)?;
            let config = cli::config(target, &net, None).map_err(anyhow::Error::msg)?;
            let pb = ProgressBar::hidden();
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            let mut broken_pipe = false;
            let summary = audit::list_pages(&config, sink(&pb, ui), |p| {
                if !broken_pipe && writeln!(stdout, "{}", p.url).is_err() {
                    broken_pipe = true;
                }
            })
            .await?;
            let _ = stdout.flush();
            if !ui.quiet {
                for w in &summary.warnings {
                    eprintln!("warning: {w}");
                }
                for s in &summary.sitemaps {
                    for w in &s.warnings {
                        eprintln!("warning: sitemap {}: {w}", s.url);
                    }
                }
            }
            if summary.pages == 0 {
                bail!("the sitemaps list no page URL");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "nonce-audit", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .context("cannot write the manual page")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { output } => {
            check_outputs(&output)?;
            if !output.ui.quiet {
                eprintln!("{}", nonce_audit::demo::EXPLANATION);
            }
            let config = cli::config(
                Target::File(std::path::PathBuf::new()),
                &cli::NetArgs::default(),
                None,
            )
            .map_err(anyhow::Error::msg)?;
            let pb = progress(output.ui);
            let report = nonce_audit::demo::run_demo(config, sink(&pb, output.ui)).await;
            pb.finish_and_clear();
            emit(&report?, &output)
        }
    }
}
