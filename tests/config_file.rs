//! The config file as a scheduled job meets it: errors that name the file, the line and the key,
//! the file used shown at `-v`, `--no-config`, and command-line lists replacing the file's.

mod common;

use std::path::Path;
use std::process::Output;

/// Runs the binary in `dir` (where a `nonce-audit.toml` may wait), as a scheduler would.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::scheduled()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run nonce-audit")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A directory holding `nonce-audit.toml` with `config` and a local sitemap of /a/1, /b/1, /c/1.
fn dir_with(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nonce-audit.toml"), config).unwrap();
    let urls: String = ["a", "b", "c"]
        .iter()
        .map(|p| format!("<url><loc>https://ex.test/{p}/1</loc></url>"))
        .collect();
    std::fs::write(
        dir.path().join("sitemap.xml"),
        format!(
            "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{urls}</urlset>"
        ),
    )
    .unwrap();
    dir
}

/// Nothing listens there: a run must stop at the config check, before any request.
const DOWN: &str = "http://127.0.0.1:9/";

#[test]
fn a_bad_value_names_the_file_line_and_key_not_a_flag() {
    let dir = dir_with("# nightly\nquiet = true\nrate = \"fast\"\n");
    let o = run_in(dir.path(), &["audit", DOWN]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nonce-audit.toml:3: rate = \"fast\": not a number"),
        "{err}"
    );
    assert!(err.contains("requests per second"), "{err}");
    assert!(!err.contains("--rate <"), "{err}");

    let dir = dir_with("max-pages = -1\n");
    let o = run_in(dir.path(), &["audit", DOWN]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "nonce-audit.toml:1: max-pages = -1: `-1` is not a whole number of pages (1 or more)"
        ),
        "{err}"
    );
    assert!(!err.contains("-- -1"), "{err}");

    let dir = dir_with("insecure = \"yes\"\n");
    let o = run_in(dir.path(), &["sitemap", DOWN]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nonce-audit.toml:1: insecure = \"yes\": `insecure` is a switch"),
        "{err}"
    );
}

#[test]
fn an_explicit_config_path_is_named_in_its_errors() {
    let dir = dir_with("");
    let other = dir.path().join("nightly.toml");
    std::fs::write(&other, "\n\nfail-on = \"dying\"\n").unwrap();
    let o = run_in(
        dir.path(),
        &["audit", DOWN, "--config", other.to_str().unwrap()],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{}:3: fail-on = \"dying\": not one of dead, expiring",
            other.display()
        )),
        "{err}"
    );
}

#[test]
fn verbose_works_in_the_file_and_the_file_used_is_shown_at_v() {
    let dir = dir_with("verbose = 1\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("unexpected argument"), "{err}");
    assert!(err.contains("using config file nonce-audit.toml"), "{err}");

    let dir = dir_with("rate = 1\n");
    let quiet = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    assert_eq!(quiet.status.code(), Some(0), "{}", stderr(&quiet));
    assert!(
        !stderr(&quiet).contains("using config file"),
        "{}",
        stderr(&quiet)
    );
    let loud = run_in(dir.path(), &["sitemap", "sitemap.xml", "-v"]);
    assert!(
        stderr(&loud)
            .lines()
            .any(|l| l == "using config file nonce-audit.toml"),
        "{}",
        stderr(&loud)
    );

    let dir = dir_with("verbose = \"loud\"\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nonce-audit.toml:1: verbose = \"loud\": `verbose` is a count"));
}

#[test]
fn unknown_keys_are_named_with_a_suggestion_and_positionals_explained() {
    let dir = dir_with("rate = 1\nexlcude = [\"/a/*\"]\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("nonce-audit.toml:2: exlcude = [\"/a/*\"]: `exlcude` is not a nonce-audit option; did you mean `exclude`?"),
        "{err}"
    );
    let dir = dir_with("target = \"https://ex.test/\"\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("nonce-audit.toml:1: target = \"https://ex.test/\": TARGET is not an option; give it on the command line"), "{err}");
    // A key of another subcommand (a file shared by `audit` and `sitemap`) is no error.
    let dir = dir_with("fail-on = \"never\"\nexclude = [\"/a/*\"]\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "https://ex.test/b/1\nhttps://ex.test/c/1\n");
}

#[test]
fn no_config_skips_the_file_even_without_config() {
    let dir = dir_with("exlcude = 1\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml", "--no-config", "-v"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("using config file"), "{err}");
    assert_eq!(stdout(&o).lines().count(), 3);
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_list_on_the_command_line_replaces_the_files_list() {
    let dir = dir_with("exclude = [\"/a/*\"]\n");
    let from_file = run_in(dir.path(), &["sitemap", "sitemap.xml"]);
    assert_eq!(
        stdout(&from_file),
        "https://ex.test/b/1\nhttps://ex.test/c/1\n"
    );
    let replaced = run_in(dir.path(), &["sitemap", "sitemap.xml", "--exclude", "/b/*"]);
    assert_eq!(
        stdout(&replaced),
        "https://ex.test/a/1\nhttps://ex.test/c/1\n",
        "{}",
        stderr(&replaced)
    );
    let replaced = run_in(dir.path(), &["sitemap", "sitemap.xml", "--exclude=/c/*"]);
    assert_eq!(
        stdout(&replaced),
        "https://ex.test/a/1\nhttps://ex.test/b/1\n"
    );
    // Options the command line does not give still come from the file.
    let dir = dir_with("exclude = [\"/a/*\"]\ninclude = [\"/a/*\", \"/b/*\"]\n");
    let o = run_in(dir.path(), &["sitemap", "sitemap.xml", "--exclude", "/b/*"]);
    assert_eq!(stdout(&o), "https://ex.test/a/1\n", "{}", stderr(&o));
}

#[test]
fn outputs_on_the_command_line_replace_the_files() {
    let dir = dir_with("output = [\"from-file.json\"]\n");
    let o = run_in(dir.path(), &["demo", "-q", "-o", "mine.json"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    assert!(dir.path().join("mine.json").is_file());
    assert!(!dir.path().join("from-file.json").exists());
}
