//! The `nonce-audit` binary: parse the command line, run the audit, print, map to an exit code.

mod cli;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use cli::{Cli, Command, OutputArgs, StdoutFormat, UiArgs};
use nonce_audit::audit::{self, Event, EventSink};
use nonce_audit::discover::Target;
use nonce_audit::model::{FailOn, Report};
use nonce_audit::report::{Format, RenderOptions, write_atomic};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Err(e) => {
            eprintln!("nonce-audit: {e:#}");
            ExitCode::from(2)
        }
    }
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

fn emit(report: &Report, output: &OutputArgs) -> Result<ExitCode> {
    let fail_on: FailOn = output.fail_on.into();
    let failing = report.pages.iter().any(|p| fail_on.trips(p.verdict));
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
    Ok(if failing {
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
            let target = Target::parse(&target)?;
            let config =
                cli::config(target, &net, Some(&audit_args)).map_err(anyhow::Error::msg)?;
            let pb = progress(output.ui);
            let report = audit::run(&config, sink(&pb, output.ui)).await;
            pb.finish_and_clear();
            emit(&report?, &output)
        }
        Command::Sitemap { target, net, ui } => {
            let target = Target::parse(&target)?;
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
