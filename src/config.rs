//! The config file (`nonce-audit.toml`): any command-line option, with command-line flags winning.
//!
//! Scheduled audits keep their settings next to the job instead of in a long crontab line. The
//! file's keys are the long option names (`rate = 2`, `nonce-life = "12h"`,
//! `output = ["report.json"]`); they are turned into arguments placed before the user's own, so
//! a flag on the command line overrides the file and the two go through the same validation.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "nonce-audit.toml";

/// Finds `--config PATH` (or `--config=PATH`) in the raw arguments.
fn explicit_path(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(p) = s.strip_prefix("--config=") {
            return Some(PathBuf::from(p));
        }
    }
    None
}

/// Pushes `--key value`, or `--key=value` when the value starts with `-`, which clap would
/// otherwise take for an option (`rate = -2` must reach the `--rate` check, not clap's).
fn push_value(flag: String, value: String, out: &mut Vec<OsString>) {
    if value.starts_with('-') {
        out.push(format!("{flag}={value}").into());
    } else {
        out.push(flag.into());
        out.push(value.into());
    }
}

/// Turns one TOML value into command-line arguments for `--key`.
fn to_args(key: &str, value: &toml::Value, out: &mut Vec<OsString>) -> Result<()> {
    let flag = format!("--{}", key.replace('_', "-"));
    match value {
        toml::Value::Boolean(true) => out.push(flag.into()),
        toml::Value::Boolean(false) => {}
        toml::Value::String(s) => push_value(flag, s.clone(), out),
        toml::Value::Integer(i) => push_value(flag, i.to_string(), out),
        toml::Value::Float(f) => push_value(flag, f.to_string(), out),
        toml::Value::Array(items) => {
            for item in items {
                if matches!(item, toml::Value::Array(_) | toml::Value::Table(_)) {
                    bail!("`{key}`: lists of lists or tables are not options");
                }
                to_args(key, item, out)?;
            }
        }
        toml::Value::Datetime(d) => {
            out.push(flag.into());
            out.push(d.to_string().into());
        }
        toml::Value::Table(_) => bail!("`{key}` is a table; options are plain keys"),
    }
    Ok(())
}

/// A TOML syntax error told by line and key only. The toml crate's own message quotes the
/// offending line, and that line may be `basic-auth = "user:password"` or a header's token: a
/// failing cron job would mail the secret to whoever reads its output.
fn syntax_error(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().lines().next().unwrap_or("syntax error").trim();
    let what = nonce_audit::util::sanitize_for_terminal(what);
    let Some(start) = e.span().map(|s| s.start) else {
        return format!("not valid TOML: {what}");
    };
    let before = text.get(..start).unwrap_or(text);
    let n = before.matches('\n').count();
    let key = text
        .lines()
        .nth(n)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim())
        .filter(|k| {
            !k.is_empty()
                && k.len() <= 40
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
        .map(|k| format!(", key `{k}`"))
        .unwrap_or_default();
    format!("not valid TOML at line {}{key}: {what}", n + 1)
}

/// Parses the config file's text into arguments, keeping only the keys `known` accepts (the
/// long option names of the subcommand being run); others are reported in the returned list.
pub fn args_from_toml(
    text: &str,
    known: impl Fn(&str) -> bool,
) -> Result<(Vec<OsString>, Vec<String>)> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| anyhow!(syntax_error(text, &e)))?;
    let mut args = Vec::new();
    let mut ignored = Vec::new();
    for (key, value) in &table {
        let long = key.replace('_', "-");
        if long == "config" || !known(&long) {
            ignored.push(key.clone());
            continue;
        }
        to_args(&long, value, &mut args).with_context(|| format!("key `{key}`"))?;
    }
    Ok((args, ignored))
}

/// Returns the arguments with the config file's options inserted right after the subcommand.
/// `known(subcommand, long)` tells which options a subcommand has.
pub fn merge(
    args: Vec<OsString>,
    known: impl Fn(&str, &str) -> bool,
    known_anywhere: impl Fn(&str) -> bool,
) -> Result<(Vec<OsString>, Vec<String>)> {
    let explicit = explicit_path(&args);
    let path = match &explicit {
        Some(p) => p.clone(),
        None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        None => return Ok((args, Vec::new())),
    };
    // The subcommand is the first argument after the program name that is not an option.
    let Some(pos) = args
        .iter()
        .skip(1)
        .position(|a| !a.to_string_lossy().starts_with('-'))
        .map(|p| p + 1)
    else {
        return Ok((args, Vec::new()));
    };
    let sub = args[pos].to_string_lossy().into_owned();
    if !matches!(sub.as_str(), "audit" | "sitemap" | "demo") {
        return Ok((args, Vec::new()));
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let (extra, ignored) = args_from_toml(&text, |long| known(&sub, long))
        .with_context(|| format!("config file {}", path.display()))?;
    let mut merged = args[..=pos].to_vec();
    merged.extend(extra);
    merged.extend(args[pos + 1..].iter().cloned());
    // Keys meant for another subcommand (a shared file) are fine; unknown keys are typos.
    let notes = ignored
        .into_iter()
        .filter(|k| !known_anywhere(&k.replace('_', "-")))
        .map(|k| {
            format!(
                "{}: `{k}` is not a nonce-audit option; ignored",
                path.display()
            )
        })
        .collect();
    Ok((merged, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[OsString]) -> Vec<String> {
        v.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn every_toml_type_becomes_arguments() {
        let (args, ignored) = args_from_toml(
            "rate = 2\nnonce_life = \"12h\"\nquiet = true\nverbose = false\noutput = [\"a.json\", \"b.csv\"]\nbogus = 1\n",
            |k| k != "bogus",
        )
        .unwrap();
        let mut got = strs(&args);
        got.sort();
        let mut want = vec![
            "--nonce-life",
            "12h",
            "--output",
            "a.json",
            "--output",
            "b.csv",
            "--quiet",
            "--rate",
            "2",
        ];
        want.sort();
        assert_eq!(got, want);
        assert_eq!(ignored, vec!["bogus".to_owned()]);
    }

    #[test]
    fn negative_values_stay_values() {
        let (args, _) = args_from_toml("rate = -2\nuser-agent = \"-x\"\n", |_| true).unwrap();
        let mut got = strs(&args);
        got.sort();
        assert_eq!(got, ["--rate=-2", "--user-agent=-x"]);
    }

    #[test]
    fn syntax_errors_name_line_and_key_but_never_show_the_line() {
        let text = "rate = 2\nbasic-auth = stage:pw-SECRET\n";
        let err = format!("{:#}", args_from_toml(text, |_| true).unwrap_err());
        assert!(!err.contains("SECRET"), "{err}");
        assert!(err.contains("line 2, key `basic-auth`"), "{err}");
        let text = "rate = 2\n\nheader = \"Authorization: Bearer tok-SECRET\n";
        let err = format!("{:#}", args_from_toml(text, |_| true).unwrap_err());
        assert!(!err.contains("SECRET"), "{err}");
        assert!(err.contains("line 3, key `header`"), "{err}");
    }

    #[test]
    fn tables_and_bad_toml_are_errors() {
        assert!(args_from_toml("[x]\na = 1\n", |_| true).is_err());
        assert!(args_from_toml("rate = ", |_| true).is_err());
    }

    #[test]
    fn explicit_path_forms() {
        let a: Vec<OsString> = ["x", "audit", "--config", "c.toml"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(explicit_path(&a), Some(PathBuf::from("c.toml")));
        let a: Vec<OsString> = ["x", "--config=d.toml"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(explicit_path(&a), Some(PathBuf::from("d.toml")));
    }

    #[test]
    fn file_options_go_before_the_users_so_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("n.toml");
        std::fs::write(&file, "rate = 2\n").unwrap();
        let args: Vec<OsString> = vec![
            "nonce-audit".into(),
            "audit".into(),
            "https://ex.com/".into(),
            "--rate".into(),
            "5".into(),
            "--config".into(),
            file.clone().into(),
        ];
        let (merged, notes) = merge(args, |_, _| true, |_| true).unwrap();
        assert!(notes.is_empty());
        let s = strs(&merged);
        assert_eq!(&s[..4], ["nonce-audit", "audit", "--rate", "2"]);
        assert_eq!(s.iter().filter(|a| *a == "--rate").count(), 2);
        assert_eq!(
            s[s.len() - 4..],
            ["--rate", "5", "--config", file.to_str().unwrap()]
        );
    }
}
