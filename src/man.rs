//! `nonce-audit man`: one manual page with every subcommand, every option and the exit codes.
//!
//! clap_mangen renders one page per command, and its top page points at `nonce-audit-audit(1)`
//! and the like, which nobody installs. A single page is what `man -l` and a packager expect
//! from `nonce-audit man > nonce-audit.1`, so each subcommand's synopsis and options are
//! rendered by clap_mangen and folded in as a section of the top page; the exit codes come from
//! [`crate::cli::EXIT_CODES`], the table `--help` shows too.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use roff::{Roff, bold, roman};

use crate::cli::{EXAMPLES, EXIT_CODES};

/// The subcommands documented: all but clap's own `help`.
fn documented(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands().filter(|s| s.get_name() != "help")
}

/// Drops the apostrophe preamble every clap_mangen or roff rendering starts with (the page
/// keeps the title's), and with `demote` turns section headings into subsection headings (a
/// subcommand's SYNOPSIS and OPTIONS inside its own section).
fn fold(part: &[u8], demote: bool) -> String {
    String::from_utf8_lossy(part)
        .lines()
        .filter(|l| !l.starts_with(".ie \\n(.g .ds Aq") && !l.starts_with(".el .ds Aq"))
        .map(|l| match l.strip_prefix(".SH ").filter(|_| demote) {
            Some(h) => format!(".SS {h}\n"),
            None => format!("{l}\n"),
        })
        .collect()
}

/// Writes the whole manual page.
pub fn render(w: &mut dyn Write) -> std::io::Result<()> {
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(w)?;
    let mut top = Vec::new();
    man.render_name_section(&mut top)?;
    man.render_synopsis_section(&mut top)?;
    man.render_description_section(&mut top)?;
    // The global options (--config, --no-config, --help, --version).
    man.render_options_section(&mut top)?;
    w.write_all(fold(&top, false).as_bytes())?;

    let mut page = Roff::new();
    page.control("SH", ["COMMANDS"]);
    for sub in documented(&cmd) {
        page.control("TP", []).text([bold(
            sub.get_bin_name().unwrap_or(sub.get_name()).to_owned(),
        )]);
        page.text([roman(
            sub.get_about().map(|a| a.to_string()).unwrap_or_default(),
        )]);
    }
    w.write_all(fold(page.render().as_bytes(), false).as_bytes())?;

    for sub in documented(&cmd) {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_owned();
        let mut head = Roff::new();
        head.control("SH", [name.to_uppercase().as_str()]);
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        head.text([roman(about)]);
        w.write_all(fold(head.render().as_bytes(), false).as_bytes())?;
        // The global options (--config, --no-config) are told once, in the top OPTIONS.
        let sub = sub
            .clone()
            .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a });
        let sub_man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        sub_man.render_synopsis_section(&mut part)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            sub_man.render_options_section(&mut part)?;
        }
        w.write_all(fold(&part, true).as_bytes())?;
    }

    let mut tail = Roff::new();
    // No hyphenation from here on: a command line broken as "re-port.json" cannot be pasted.
    tail.control("nh", []);
    tail.control("SH", ["EXAMPLES"]);
    for line in EXAMPLES.lines().skip(1) {
        match line.strip_prefix("      ") {
            Some(explain) => tail.text([roman(explain.to_owned())]),
            None => tail.control("TP", []).text([bold(line.trim().to_owned())]),
        };
    }
    tail.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in EXIT_CODES {
        tail.control("TP", [])
            .text([bold(code.to_string())])
            .text([roman((*meaning).to_owned())]);
    }
    w.write_all(fold(tail.render().as_bytes(), false).as_bytes())?;
    let mut version = Vec::new();
    man.render_version_section(&mut version)?;
    w.write_all(fold(&version, false).as_bytes())
}

/// Writes `nonce-audit.1` (the page [`render`] prints) and one `nonce-audit-SUBCOMMAND.1` per
/// subcommand into `dir`, for packagers who install a page per subcommand.
pub fn write_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.is_dir() {
        anyhow::bail!("--dir {}: not a directory", dir.display());
    }
    let write = |name: String, page: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))
    };
    let mut page = Vec::new();
    render(&mut page)?;
    write("nonce-audit.1".to_owned(), page)?;
    let mut cmd = crate::cli::command().disable_help_subcommand(true);
    cmd.build();
    for sub in documented(&cmd) {
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone()).render(&mut page)?;
        write(format!("nonce-audit-{}.1", sub.get_name()), page)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> String {
        let mut out = Vec::new();
        render(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_option_of_every_subcommand_is_on_the_one_page() {
        let page = page();
        let mut cmd = crate::cli::command();
        cmd.build();
        let mut checked = 0;
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let section = format!(".SH \"NONCE-AUDIT {}\"", sub.get_name().to_uppercase());
            assert!(page.contains(&section), "no section {section}");
            for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    let roff = format!("\\fB\\-\\-{}\\fR", long.replace('-', "\\-"));
                    assert!(
                        page.contains(&roff),
                        "--{long} of {} missing",
                        sub.get_name()
                    );
                    checked += 1;
                }
            }
        }
        // The audit subcommand alone has more than twenty options: the loop saw them.
        assert!(checked > 20, "{checked}");
        // No reference to the per-subcommand pages clap_mangen would name.
        assert!(!page.contains("nonce\\-audit\\-audit(1)"), "{page}");
        assert_eq!(page.matches(".ds Aq").count(), 2, "one apostrophe preamble");
    }

    #[test]
    fn exit_status_lists_every_code_after_the_examples() {
        let page = page();
        let exit = page
            .find(".SH \"EXIT STATUS\"")
            .expect("EXIT STATUS section");
        assert!(page.find(".SH EXAMPLES").is_some_and(|e| e < exit));
        let section = &page[exit..];
        for (code, _) in EXIT_CODES {
            assert!(
                section.contains(&format!("\\fB{code}\\fR")),
                "{code}: {section}"
            );
        }
        assert!(EXIT_CODES.iter().any(|(c, _)| *c == 130));
    }
}
