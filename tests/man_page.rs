//! `nonce-audit man` and `--help` as a packager and a new user read them: one page that renders,
//! with every audit option and the exit codes, 130 included.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nonce-audit"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("run nonce-audit")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The long options `audit --help` lists, read from the help itself (so a new option is
/// checked without editing this test).
fn audit_long_options() -> Vec<String> {
    let help = out(&run(&["audit", "--help"]));
    let mut longs: Vec<String> = help
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
        .map(|w| {
            w.trim_end_matches([',', '.'])
                .split('=')
                .next()
                .unwrap_or(w)
                .to_owned()
        })
        .collect();
    longs.dedup();
    longs
}

#[test]
fn the_page_has_every_audit_option_and_exit_status_with_130() {
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = out(&o);
    let longs = audit_long_options();
    assert!(longs.len() > 20, "{longs:?}");
    for long in &longs {
        let roff = format!("\\fB{}\\fR", long.replace('-', "\\-"));
        assert!(page.contains(&roff), "{long} not in the manual page");
    }
    let exit = page
        .find(".SH \"EXIT STATUS\"")
        .expect("an EXIT STATUS section");
    for code in ["0", "1", "2", "130"] {
        assert!(
            page[exit..].contains(&format!("\\fB{code}\\fR")),
            "exit {code}"
        );
    }
    assert!(!page.contains("(1)\n"), "refers to pages that are not made");
}

#[test]
fn help_lists_the_exit_codes_with_130() {
    for args in [&["--help"][..], &["audit", "--help"][..]] {
        let help = out(&run(args));
        let codes = help.split("Exit codes:").nth(1).unwrap_or_default();
        for code in ["0", "1", "2", "130"] {
            assert!(
                codes
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code} "))),
                "{args:?}: exit {code} missing:\n{help}"
            );
        }
    }
}

#[test]
fn the_page_renders_with_man_when_man_is_installed() {
    let has_man = Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_man {
        eprintln!("man is not installed: rendering not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nonce-audit.1");
    std::fs::write(&file, run(&["man"]).stdout).unwrap();
    let o = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let text = out(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for heading in [
        "NAME",
        "COMMANDS",
        "NONCE-AUDIT AUDIT",
        "EXAMPLES",
        "EXIT STATUS",
    ] {
        assert!(text.lines().any(|l| l == heading), "{heading}:\n{text}");
    }
    assert!(text.contains("--nonce-life"), "{text}");
}

#[test]
fn man_dir_writes_the_page_and_one_per_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    let full = std::fs::read(dir.path().join("nonce-audit.1")).unwrap();
    assert_eq!(full, run(&["man"]).stdout);
    for sub in ["audit", "sitemap", "demo", "completions", "man"] {
        assert!(
            dir.path().join(format!("nonce-audit-{sub}.1")).is_file(),
            "{sub}"
        );
    }
    let audit = std::fs::read_to_string(dir.path().join("nonce-audit-audit.1")).unwrap();
    for long in audit_long_options() {
        assert!(
            audit.contains(&format!("\\fB{}\\fR", long.replace('-', "\\-"))),
            "{long}"
        );
    }
    let missing = dir.path().join("no-such-dir");
    let o = run(&["man", "--dir", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains(&format!("{}: not a directory", missing.display()))
    );
}
