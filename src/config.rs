//! The config file (`nonce-audit.toml`): any long option of the subcommand being run, with the
//! command line winning.
//!
//! Scheduled audits keep their settings next to the job instead of in a long crontab line. The
//! file's keys are the long option names (`rate = 2`, `nonce-life = "12h"`,
//! `output = ["report.json"]`). Each value is checked here, against the option's own clap value
//! parser, so a mistake is told as `FILE:LINE: key = value: reason` rather than as a command-line
//! error about a flag the user never typed. The checked values then become arguments placed
//! before the user's own: a single-valued option given on the command line overrides the file's
//! (clap keeps the last), and a list option given on the command line replaces the file's list.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use clap::ArgAction;
use clap::parser::ValueSource;
use toml::Spanned;

/// The file looked for in the working directory when `--config` is not given.
pub const DEFAULT_FILE: &str = "nonce-audit.toml";

/// Options whose values may be secrets: never echoed in an error.
const SECRET_KEYS: &[&str] = &["header", "basic-auth"];

/// What the command line says about the config file.
#[derive(Debug, PartialEq, Eq)]
enum Choice {
    /// `--config PATH`.
    Explicit(PathBuf),
    /// `--no-config`.
    Skip,
    /// Neither: `./nonce-audit.toml` if it exists.
    Default,
}

/// Finds `--config PATH`, `--config=PATH` or `--no-config` in the raw arguments (before `--`).
fn choice(args: &[OsString]) -> Choice {
    let mut it = args.iter().skip(1);
    let mut found = Choice::Default;
    while let Some(a) = it.next() {
        let s = a.to_string_lossy();
        if s == "--" {
            break;
        }
        if s == "--no-config" {
            return Choice::Skip;
        }
        if s == "--config" {
            if let Some(p) = it.next() {
                found = Choice::Explicit(PathBuf::from(p));
            }
        } else if let Some(p) = s.strip_prefix("--config=") {
            found = Choice::Explicit(PathBuf::from(p));
        }
    }
    found
}

/// The position of the subcommand: the first argument after the program name that is neither
/// an option nor the value of the global `--config`.
fn subcommand_position(args: &[OsString]) -> Option<usize> {
    let mut i = 1;
    while i < args.len() {
        let s = args[i].to_string_lossy();
        if s == "--config" {
            i += 2;
            continue;
        }
        if !s.starts_with('-') {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The arguments to parse, and the config file they took options from.
#[derive(Debug)]
pub struct Merged {
    /// The program's arguments with the file's options inserted after the subcommand.
    pub args: Vec<OsString>,
    /// The config file read, if any (logged at `-v`).
    pub file: Option<PathBuf>,
}

/// Returns the arguments with the config file's options inserted right after the subcommand.
/// `cmd` is the whole command-line definition: it tells which options each subcommand has and
/// how their values are parsed.
pub fn merge(args: Vec<OsString>, cmd: &clap::Command) -> Result<Merged> {
    let path = match choice(&args) {
        Choice::Explicit(p) => p,
        Choice::Default if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
        Choice::Default | Choice::Skip => return Ok(Merged { args, file: None }),
    };
    let Some(pos) = subcommand_position(&args) else {
        return Ok(Merged { args, file: None });
    };
    let name = args[pos].to_string_lossy().into_owned();
    let Some(sub) = cmd.find_subcommand(&name).filter(|s| {
        s.get_arguments()
            .any(|a| a.get_long().is_some_and(|l| l != "help"))
    }) else {
        // `man`, `completions`, a typo clap will report: nothing to take from the file.
        return Ok(Merged { args, file: None });
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        anyhow!(
            "cannot read config file {}: {}",
            path.display(),
            nonce_audit::util::sanitize_for_terminal(&e.to_string())
        )
    })?;
    let file = path.display().to_string();
    let entries = entries(&text, cmd, sub).map_err(|e| anyhow!("{file}:{e}"))?;
    let given = given_on_command_line(cmd, &args);
    let mut merged = args[..=pos].to_vec();
    for entry in entries {
        if entry.list && given.contains(&entry.id) {
            continue;
        }
        merged.extend(entry.args);
    }
    merged.extend(args[pos + 1..].iter().cloned());
    Ok(Merged {
        args: merged,
        file: Some(path),
    })
}

/// The ids of the subcommand's options that the user's own arguments set (clap tells, with
/// errors ignored: a bad argument is reported by the real parse later).
fn given_on_command_line(cmd: &clap::Command, args: &[OsString]) -> Vec<String> {
    let probe = cmd
        .clone()
        .ignore_errors(true)
        .mut_subcommands(|c| c.ignore_errors(true));
    let Ok(matches) = probe.try_get_matches_from(args) else {
        return Vec::new();
    };
    let Some((_, sub)) = matches.subcommand() else {
        return Vec::new();
    };
    sub.ids()
        .filter(|id| sub.value_source(id.as_str()) == Some(ValueSource::CommandLine))
        .map(|id| id.as_str().to_owned())
        .collect()
}

/// One key of the file, checked and turned into arguments.
#[derive(Debug)]
struct Entry {
    /// The clap id of the option.
    id: String,
    /// Whether the option takes a list (the command line replaces it rather than adding to it).
    list: bool,
    /// The arguments, `--key value`... in the file's order.
    args: Vec<OsString>,
}

/// A 1-based line number of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// Parses and checks every key of the file for subcommand `sub`. An error starts with the line
/// number (the caller puts the file's name before it).
fn entries(text: &str, cmd: &clap::Command, sub: &clap::Command) -> Result<Vec<Entry>> {
    let table: std::collections::BTreeMap<Spanned<String>, Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| anyhow!(syntax_error(text, &e)))?;
    let mut keys: Vec<_> = table.into_iter().collect();
    keys.sort_by_key(|(k, _)| k.span().start);
    let mut out = Vec::new();
    for (key, value) in keys {
        let line = line_of(text, key.span().start);
        let name = key.get_ref().as_str();
        let shown = show_value(name, value.get_ref());
        let fail = |why: String| anyhow!("{line}: {name} = {shown}: {why}");
        let long = name.replace('_', "-");
        match long.as_str() {
            "config" | "no-config" => {
                return Err(fail(format!(
                    "`{long}` chooses the config file; give it on the command line"
                )));
            }
            "help" | "version" => {
                return Err(fail(format!("`--{long}` is not a setting")));
            }
            _ => {}
        }
        let Some(arg) = sub
            .get_arguments()
            .find(|a| a.get_long() == Some(long.as_str()))
        else {
            if let Some(pos) = sub
                .get_positionals()
                .find(|a| a.get_id().as_str().eq_ignore_ascii_case(&long))
            {
                let shown_name = pos
                    .get_value_names()
                    .and_then(|v| v.first())
                    .map_or_else(|| long.to_uppercase(), |v| v.to_string());
                return Err(fail(format!(
                    "{shown_name} is not an option; give it on the command line"
                )));
            }
            if any_has(cmd, &long) {
                // Meant for another subcommand: a file shared by `audit` and `sitemap`.
                continue;
            }
            let hint = closest(cmd, &long)
                .map(|c| format!("; did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(fail(format!("`{name}` is not a nonce-audit option{hint}")));
        };
        let args = to_args(arg, &long, value.get_ref()).map_err(|e| fail(e.to_string()))?;
        out.push(Entry {
            id: arg.get_id().as_str().to_owned(),
            list: matches!(arg.get_action(), ArgAction::Append),
            args,
        });
    }
    Ok(out)
}

/// The value as it is written in the file, unless the option may carry a secret.
fn show_value(key: &str, value: &toml::Value) -> String {
    if SECRET_KEYS.contains(&key.replace('_', "-").as_str()) {
        return "(value not shown)".to_owned();
    }
    let s = value.to_string();
    let s = if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    };
    nonce_audit::util::sanitize_for_terminal(&s).into_owned()
}

/// Whether any subcommand has a long option named `long`.
fn any_has(cmd: &clap::Command, long: &str) -> bool {
    cmd.get_subcommands()
        .any(|c| c.get_arguments().any(|a| a.get_long() == Some(long)))
}

/// The long option closest to a misspelt key, if one is close enough to be a typo.
fn closest(cmd: &clap::Command, long: &str) -> Option<String> {
    cmd.get_subcommands()
        .flat_map(|c| c.get_arguments())
        .filter_map(|a| a.get_long())
        .filter(|l| !matches!(*l, "help" | "version"))
        .map(|l| (strsim::jaro_winkler(long, l), l))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, l)| l.to_owned())
}

/// A scalar TOML value as the text a command line would carry.
fn scalar(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        toml::Value::Boolean(_) | toml::Value::Array(_) | toml::Value::Table(_) => None,
    }
}

/// The option's help, first sentence, to say what the value should be.
fn what_it_takes(arg: &clap::Arg) -> String {
    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
    // The first sentence: up to a ". " before a capital (not the one in "e.g. 24h").
    let end = help
        .match_indices(". ")
        .find(|(i, _)| help[i + 2..].starts_with(|c: char| c.is_uppercase()))
        .map_or(help.len(), |(i, _)| i);
    let first = help[..end].trim_end_matches('.');
    if first.is_empty() {
        String::new()
    } else {
        format!(" (`{}`: {first})", arg.get_long().unwrap_or_default())
    }
}

/// Runs the option's own value parser on `value`, so the file gets the command line's checks.
fn check(arg: &clap::Arg, long: &str, value: &str) -> Result<()> {
    let probe = clap::Arg::new("v")
        .long("v")
        .value_parser(arg.get_value_parser().clone())
        .action(ArgAction::Set)
        .allow_hyphen_values(true);
    let parsed = clap::Command::new("nonce-audit")
        .no_binary_name(true)
        .arg(probe)
        .try_get_matches_from([OsString::from("--v"), OsString::from(value)]);
    if let Err(e) = parsed {
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|p| !p.is_hide_set())
            .map(|p| p.get_name().to_owned())
            .collect();
        let why = if !possible.is_empty() {
            format!("not one of {}", possible.join(", "))
        } else if let Some(source) = std::error::Error::source(&e) {
            if source.is::<std::num::ParseIntError>() {
                "not a whole number of 0 or more".to_owned()
            } else if source.is::<std::num::ParseFloatError>() {
                "not a number".to_owned()
            } else {
                source.to_string()
            }
        } else {
            "not a valid value".to_owned()
        };
        bail!("{why}{}", what_it_takes(arg));
    }
    if long == "rate" {
        let rate: f64 = value.parse().unwrap_or(f64::NAN);
        crate::cli::check_rate(rate).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(())
}

/// Checks one key's value against what its option takes and turns it into arguments.
fn to_args(arg: &clap::Arg, long: &str, value: &toml::Value) -> Result<Vec<OsString>> {
    let flag = format!("--{long}");
    let mut out: Vec<OsString> = Vec::new();
    match arg.get_action() {
        ArgAction::SetTrue | ArgAction::SetFalse => match value {
            toml::Value::Boolean(true) => out.push(flag.into()),
            toml::Value::Boolean(false) => {}
            _ => bail!("`{long}` is a switch: write {long} = true or {long} = false"),
        },
        ArgAction::Count => match value {
            toml::Value::Boolean(b) => out.extend((*b).then(|| flag.clone().into())),
            toml::Value::Integer(n @ 0..=3) => {
                out.extend((0..*n).map(|_| OsString::from(flag.clone())));
            }
            _ => bail!("`{long}` is a count: write {long} = 1 or 2 (as -v, -vv), or true"),
        },
        ArgAction::Append => {
            let items: Vec<&toml::Value> = match value {
                toml::Value::Array(items) => items.iter().collect(),
                v => vec![v],
            };
            for item in items {
                let Some(s) = scalar(item) else {
                    bail!("`{long}` takes a list of values like [\"a\", \"b\"]");
                };
                check(arg, long, &s)?;
                out.push(format!("{flag}={s}").into());
            }
        }
        _ => {
            let Some(s) = scalar(value) else {
                bail!(
                    "`{long}` takes one value{}",
                    if matches!(value, toml::Value::Boolean(_)) {
                        ", not true or false"
                    } else {
                        ", not a list or table"
                    }
                );
            };
            check(arg, long, &s)?;
            out.push(format!("{flag}={s}").into());
        }
    }
    Ok(out)
}

/// A TOML syntax error told by line and key only. The toml crate's own message quotes the
/// offending line, and that line may be `basic-auth = "user:password"` or a header's token: a
/// failing cron job would mail the secret to whoever reads its output.
fn syntax_error(text: &str, e: &toml::de::Error) -> String {
    let what = e.message().lines().next().unwrap_or("syntax error").trim();
    let what = nonce_audit::util::sanitize_for_terminal(what);
    let Some(start) = e.span().map(|s| s.start) else {
        return format!(" not valid TOML: {what}");
    };
    let n = line_of(text, start);
    let key = text
        .lines()
        .nth(n - 1)
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
    format!("{n}: not valid TOML{key}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn strs(v: &[OsString]) -> Vec<String> {
        v.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    fn audit_args(text: &str) -> Result<Vec<String>> {
        let cmd = crate::cli::Cli::command();
        let sub = cmd.find_subcommand("audit").unwrap();
        let e = entries(text, &cmd, sub)?;
        Ok(e.into_iter().flat_map(|e| strs(&e.args)).collect())
    }

    #[test]
    fn every_toml_type_becomes_arguments_in_file_order() {
        let got = audit_args(
            "rate = 2\nnonce_life = \"12h\"\nquiet = true\nno-progress = false\nverbose = 0\noutput = [\"a.json\", \"b.csv\"]\nmax-pages = 3\n",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                "--rate=2",
                "--nonce-life=12h",
                "--quiet",
                "--output=a.json",
                "--output=b.csv",
                "--max-pages=3"
            ]
        );
    }

    #[test]
    fn values_are_checked_by_the_options_parser_with_the_line() {
        let err = audit_args("quiet = true\n\nrate = \"fast\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("3: rate = \"fast\": not a number"), "{err}");
        assert!(err.contains("requests per second"), "{err}");
        let err = audit_args("max-pages = -1\n").unwrap_err().to_string();
        assert!(err.starts_with("1: max-pages = -1: "), "{err}");
        assert!(
            err.contains("not a whole number of pages (1 or more)"),
            "{err}"
        );
        assert!(!err.contains("-- -1"), "{err}");
        let err = audit_args("nonce-life = \"x\"\n").unwrap_err().to_string();
        assert!(err.contains("e.g. 24h, 12h, 20s"), "{err}");
        let err = audit_args("fail-on = \"dying\"\n").unwrap_err().to_string();
        assert!(err.contains("not one of dead, expiring"), "{err}");
        let err = audit_args("rate = -2\n").unwrap_err().to_string();
        assert!(err.contains("not -2.0"), "{err}");
        let err = audit_args("insecure = \"yes\"\n").unwrap_err().to_string();
        assert!(err.contains("is a switch"), "{err}");
        let err = audit_args("rate = [1, 2]\n").unwrap_err().to_string();
        assert!(err.contains("takes one value"), "{err}");
    }

    #[test]
    fn verbose_is_a_count_and_unknown_keys_are_named() {
        assert_eq!(
            audit_args("verbose = 2\n").unwrap(),
            ["--verbose", "--verbose"]
        );
        let err = audit_args("verbose = \"loud\"\n").unwrap_err().to_string();
        assert!(err.contains("is a count"), "{err}");
        let err = audit_args("rate = 1\nexlcude = [\"/x\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("2: exlcude"), "{err}");
        assert!(err.contains("did you mean `exclude`?"), "{err}");
        let err = audit_args("zzz = 1\n").unwrap_err().to_string();
        assert!(!err.contains("did you mean"), "{err}");
        let err = audit_args("target = \"https://x/\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("give it on the command line"), "{err}");
        let err = audit_args("config = \"x.toml\"\n").unwrap_err().to_string();
        assert!(err.contains("chooses the config file"), "{err}");
    }

    #[test]
    fn secrets_are_never_echoed() {
        let err = audit_args("basic-auth = [\"u:SECRET\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("basic-auth = (value not shown): "), "{err}");
        assert!(!err.contains("SECRET"), "{err}");
        let err = audit_args("header = [[\"Bearer tok-SECRET\"]]\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("SECRET"), "{err}");
    }

    #[test]
    fn keys_of_another_subcommand_are_left_out() {
        let cmd = crate::cli::Cli::command();
        let sub = cmd.find_subcommand("sitemap").unwrap();
        let e = entries("fail-on = \"never\"\nrate = 1\n", &cmd, sub).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(strs(&e[0].args), ["--rate=1"]);
    }

    #[test]
    fn syntax_errors_name_line_and_key_but_never_show_the_line() {
        let text = "rate = 2\nbasic-auth = stage:pw-SECRET\n";
        let err = audit_args(text).unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(
            err.starts_with("2: not valid TOML, key `basic-auth`"),
            "{err}"
        );
        let text = "rate = 2\n\nheader = \"Authorization: Bearer tok-SECRET\n";
        let err = audit_args(text).unwrap_err().to_string();
        assert!(!err.contains("SECRET"), "{err}");
        assert!(err.starts_with("3: not valid TOML, key `header`"), "{err}");
        assert!(audit_args("[x]\na = 1\n").is_err());
    }

    #[test]
    fn config_choice_forms() {
        assert_eq!(
            choice(&os(&["x", "audit", "--config", "c.toml"])),
            Choice::Explicit("c.toml".into())
        );
        assert_eq!(
            choice(&os(&["x", "--config=d.toml", "audit"])),
            Choice::Explicit("d.toml".into())
        );
        assert_eq!(choice(&os(&["x", "audit", "--no-config"])), Choice::Skip);
        assert_eq!(
            choice(&os(&["x", "audit", "--", "--no-config"])),
            Choice::Default
        );
        assert_eq!(
            subcommand_position(&os(&["x", "--config", "c", "audit"])),
            Some(3)
        );
    }

    #[test]
    fn file_options_go_first_and_command_line_lists_replace_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("n.toml");
        std::fs::write(
            &file,
            "rate = 2\nexclude = [\"/a/*\"]\ninclude = [\"/b/*\"]\n",
        )
        .unwrap();
        let f = file.to_str().unwrap();
        let args = os(&[
            "nonce-audit",
            "audit",
            "https://ex.com/",
            "--rate",
            "5",
            "--exclude",
            "/c/*",
            "--config",
            f,
        ]);
        let m = merge(args, &crate::cli::Cli::command()).unwrap();
        assert_eq!(m.file.as_deref(), Some(file.as_path()));
        let s = strs(&m.args);
        assert_eq!(
            s,
            [
                "nonce-audit",
                "audit",
                "--rate=2",
                "--include=/b/*",
                "https://ex.com/",
                "--rate",
                "5",
                "--exclude",
                "/c/*",
                "--config",
                f
            ]
        );
        let skipped = merge(
            os(&[
                "nonce-audit",
                "audit",
                "https://ex.com/",
                "--config",
                f,
                "--no-config",
            ]),
            &crate::cli::Cli::command(),
        )
        .unwrap();
        assert!(skipped.file.is_none());
    }
}
