//! The command line, built at run time from the compiled-in schemas: one
//! `query` subcommand per class, one flag per column, each flag checking
//! its values against the column's type.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Command, value_parser};
use spacetrack::{CLASSES, ClassInfo};

use crate::options::without_network;
use crate::output::OutFormat;
use crate::predicate;

/// The subcommand name of a class: the class name, or
/// `{controller}-{class}` when two controllers share it (`file`).
pub fn subcommand_name(info: &ClassInfo) -> String {
    let shared = CLASSES.iter().filter(|c| c.class == info.class).count() > 1;
    if shared {
        format!("{}-{}", info.controller, info.class)
    } else {
        info.class.to_owned()
    }
}

/// The other spellings a subcommand or flag name is accepted in: all
/// `-` (kebab case) and all `_` (snake case), but for `name` itself. The
/// command line has both (`cdm_public`, `fileshare-file`, `--norad-cat-id`),
/// so every class and column takes either.
pub fn other_spellings(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for other in [name.replace('_', "-"), name.replace('-', "_")] {
        if other != name && !out.contains(&other) {
            out.push(other);
        }
    }
    out
}

/// The flag of a column: `NORAD_CAT_ID` → `--norad-cat-id`.
pub fn flag(column: &str) -> String {
    column.to_ascii_lowercase().replace('_', "-")
}

pub fn command() -> Command {
    Command::new("spacetrack")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Query Space-Track.org from the command line: every class, typed and validated")
        .after_help(format!(
            "Credentials come from SPACETRACK_IDENTITY and SPACETRACK_PASSWORD, or from an \
             owner-only config file (see `spacetrack config --help`); they are never taken as \
             arguments and never printed.\n\n{}",
            crate::exit::TABLE
        ))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .arg(
            Arg::new("config")
                .long("config")
                .global(true)
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Config file (default: $SPACETRACK_CONFIG, else ~/.config/spacetrack/config.toml)"),
        )
        .arg(
            Arg::new("quiet")
                .short('q')
                .long("quiet")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("No progress bar, and no warnings (unknown columns, the usage guidance, long waits)"),
        )
        .arg(
            Arg::new("verbose")
                .short('v')
                .long("verbose")
                .global(true)
                .action(ArgAction::Count)
                .help("Show each request on stderr (method, URL, status, size, time; limiter and retry waits; guidance notes); -vv adds headers (never cookies). RUST_LOG overrides both"),
        )
        .arg(
            Arg::new("retries")
                .long("retries")
                .global(true)
                .value_name("N")
                .value_parser(value_parser!(u32))
                .help("Retries after a rate-limit answer or a network failure (default 2 and 3; 0 fails at once)"),
        )
        .arg(
            Arg::new("redis")
                .long("redis")
                .global(true)
                .value_name("URL")
                .help("Share the account's rate-limit ledger through this Redis (redis://host:port/) with every process and machine using it; default: a locked file in the cache folder, shared by the processes of this machine"),
        )
        .arg(
            Arg::new("max-per-minute")
                .long("max-per-minute")
                .global(true)
                .value_name("N")
                .value_parser(value_parser!(u32).range(1..))
                .help("Client-side request limit, with 10 N an hour (default: Space-Track's, fewer than 30 a minute and 300 an hour; raise it only for the simulator)"),
        )
        .arg(
            Arg::new("policy")
                .long("policy")
                .global(true)
                .value_name("POLICY")
                .value_parser(["warn", "strict", "off"])
                .default_value("warn")
                .help("What to do with a query against Space-Track's usage guidance (the same gp query twice in an hour, gp_history for current elements, one query per object, a removed class): warn and send, refuse (strict: exit 13, nothing sent), or off"),
        )
        .arg(
            Arg::new("cache")
                .long("cache")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Answer a repeated identical query from the answer cache (the cache folder's spacetrack-rs/answers) while it is younger than its class's cadence (gp: 1 h; satcat: 1 day; ...), instead of sending it; says so on stderr"),
        )
        .arg(
            Arg::new("no-session-cache")
                .long("no-session-cache")
                .global(true)
                .action(ArgAction::SetTrue)
                .help("Do not keep the session in the cache folder (by default runs of the account reuse one session, owner-only file, never printed, until Space-Track expires it; `spacetrack logout` ends it)"),
        )
        .subcommand(query())
        .subcommand(
            Command::new("logout")
                .about("End the session the runs of this account share: on Space-Track and in the cache folder"),
        )
        .subcommand(without_network(crate::sim::command()))
        .subcommand(crate::mirror::command())
        .subcommand(schemas())
        .subcommand(config())
        .subcommand(without_network(
            Command::new("completions")
                .about("Print a shell completion script (every class and column included)")
                .long_about(
                    "Print a shell completion script, e.g.\n  \
                     spacetrack completions bash > ~/.local/share/bash-completion/completions/spacetrack",
                )
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(value_parser!(clap_complete::Shell)),
                ),
        ))
}

fn query() -> Command {
    Command::new("query")
        .about("Query a class: `spacetrack query gp --norad-cat-id 25544 --format tle`")
        .long_about(
            "Query a class. Each class is a subcommand with one flag per column; \
             `spacetrack query <class> --help` lists them with their types. Class and column \
             names take `-` or `_` alike (`cdm-public` or `cdm_public`, `--norad-cat-id` or \
             `--norad_cat_id`).\n\n\
             Values use Space-Track's grammar: `a,b` (any of), `a--b` (range), `>a`, `<a`, \
             `<>a`, `~~a` (contains), `^a` (starts with), `null-val`, and `now`, `now-N`, \
             `now+N` (days) for dates. Repeating a flag adds values to its list.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommands(CLASSES.iter().map(|c| class_command(c)))
        .subcommands(REMOVED_CLASSES.iter().map(|&c| removed_class_command(c)))
}

/// Classes Space-Track removed in January 2026, still asked for by users:
/// each answers with what replaced it (see `spacetrack::guidance`).
pub const REMOVED_CLASSES: [&str; 4] = ["tle", "tle_latest", "tle_publish", "omm"];

fn removed_class_command(name: &'static str) -> Command {
    Command::new(name)
        .aliases(other_spellings(name))
        .hide(true)
        .about("Removed from Space-Track in January 2026 (use gp or gp_history)")
        .disable_help_flag(true)
        .arg(
            Arg::new("rest")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true),
        )
}

fn class_command(info: &'static ClassInfo) -> Command {
    let name = subcommand_name(info);
    let mut cmd = Command::new(name.clone())
        .aliases(other_spellings(&name))
        .about(format!(
            "{}/{}: {} columns",
            info.controller,
            info.class,
            info.columns.len()
        ))
        .after_help(format!(
            "Schema confidence: {}. Values are checked against each column's type before \
             anything is sent.",
            info.confidence
        ))
        .next_help_heading("Output")
        .arg(
            Arg::new("format")
                .short('f')
                .long("format")
                .value_name("FORMAT")
                .value_parser(OutFormat::NAMES)
                .default_value("json")
                .help("json, ndjson and table are decoded and checked against the schema (numbers are numbers); csv, tle, 3le, kvn, xml and html come from Space-Track as they are"),
        )
        .arg(
            Arg::new("output")
                .short('o')
                .long("output")
                .value_name("FILE")
                .value_parser(value_parser!(PathBuf))
                .help("Write to FILE (it appears only once complete) instead of stdout"),
        )
        .arg(
            Arg::new("select")
                .long("select")
                .value_name("FIELDS")
                .value_delimiter(',')
                .action(ArgAction::Append)
                .value_parser(field_parser(info))
                .hide_possible_values(true)
                .help("Only these columns, in this order (comma-separated); Space-Track cuts them for csv and xml"),
        )
        .next_help_heading("Source")
        .arg(
            Arg::new("db")
                .long("db")
                .value_name("URL")
                .help(
                    "Answer from a mirror kept by `spacetrack mirror sync` (sqlite:PATH or \
                     postgres://...) instead of Space-Track: the same flags and formats, nothing \
                     sent, no account needed. tle and 3le come from the element set lines, csv and \
                     json from the rows; kvn, xml and html are Space-Track's own and are refused",
                ),
        )
        .next_help_heading("Query")
        .arg(
            Arg::new("order-by")
                .long("order-by")
                .value_name("FIELD[:desc]")
                .value_delimiter(',')
                .action(ArgAction::Append)
                .value_parser(order_parser(info))
                .hide_possible_values(true)
                .help("Sort keys, e.g. epoch:desc"),
        )
        .arg(
            Arg::new("limit")
                .long("limit")
                .value_name("N")
                .value_parser(value_parser!(u64))
                .help("At most N records"),
        )
        .arg(
            Arg::new("offset")
                .long("offset")
                .value_name("N")
                .requires("limit")
                .value_parser(value_parser!(u64))
                .help("Skip the first N records (needs --limit)"),
        )
        .arg(
            Arg::new("dry-run")
                .long("dry-run")
                .action(ArgAction::SetTrue)
                .help("Print what would be sent (the URLs: a long list is several requests; the wait under the account's limits; the usage guidance's notes) and send nothing"),
        )
        .arg(
            Arg::new("distinct")
                .long("distinct")
                .action(ArgAction::SetTrue)
                .help("Drop duplicate rows"),
        )
        .arg(
            Arg::new("include-removed")
                .long("include-removed")
                .requires("db")
                .action(ArgAction::SetTrue)
                .help("With --db: also the rows the mirror keeps that Space-Track no longer has"),
        )
        .arg(
            Arg::new("skip-bad")
                .long("skip-bad")
                .action(ArgAction::SetTrue)
                .help(
                    "Keep going past records that cannot be decoded (json, ndjson, table): each is \
                     reported on stderr, the others are written, and the exit code is 9",
                ),
        )
        .next_help_heading("Predicates (one per column)");
    if info.controller == "fileshare" && info.class == "delete" {
        // Not a read: the matching files are deleted on Space-Track.
        cmd = cmd
            .about("fileshare/delete: DELETES the matching files from your fileshare")
            .arg(
                Arg::new("yes")
                    .long("yes")
                    .required(true)
                    .action(ArgAction::SetTrue)
                    .help("Confirm the deletion"),
            );
    }
    for col in info.columns {
        let mut help = format!(
            "{}: {}, {}{}",
            col.name,
            col.sql_type,
            if col.nullable { "nullable" } else { "not null" },
            if col.inferred { " (type inferred)" } else { "" }
        );
        if col.semantic.is_some() {
            help.push_str(" (carries datetimes; filtered as text)");
        }
        match (col.doc, col.unit) {
            (Some(doc), Some(unit)) => help.push_str(&format!(". {doc} [{unit}]")),
            (Some(doc), None) => help.push_str(&format!(". {doc}")),
            (None, Some(unit)) => help.push_str(&format!(" [{unit}]")),
            (None, None) => {}
        }
        cmd = cmd.arg(
            Arg::new(col.name)
                .long(flag(col.name))
                .aliases(other_spellings(&flag(col.name)))
                // `--lat -30`, `--lon -10--5`: a value may start with `-`.
                .allow_hyphen_values(true)
                .value_name(predicate::value_name(col.sql_type))
                .action(ArgAction::Append)
                .value_parser(move |v: &str| predicate::check(info, col, v).map(|()| v.to_owned()))
                .help(help),
        );
    }
    cmd
}

/// Resolves a column name as typed (`norad_cat_id`, `NORAD-CAT-ID`).
fn column(info: &'static ClassInfo, name: &str) -> Result<&'static str, String> {
    let wanted = name.trim().replace('-', "_");
    info.column(&wanted).map(|c| c.name).ok_or_else(|| {
        let mut msg = format!("`{name}` is not a column of {}", info.class);
        if let Some(near) = closest(info, &wanted) {
            msg.push_str(&format!("; did you mean `{}`?", near.to_ascii_lowercase()));
        }
        msg
    })
}

/// The column whose name is nearest to `name` (edit distance), if any is
/// near enough to be a likely misspelling.
fn closest(info: &ClassInfo, name: &str) -> Option<&'static str> {
    let name = name.to_ascii_uppercase();
    info.columns
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&name, c.name), c.name))
        .filter(|&(d, n)| d <= (n.len() / 3).max(2))
        .min()
        .map(|(_, n)| n)
}

fn field_parser(info: &'static ClassInfo) -> Columns<String> {
    Columns {
        info,
        parse: |info, v| column(info, v).map(str::to_owned),
        descending_too: false,
    }
}

/// A value parser for a column name that also tells shell completion the
/// class's columns (`--select`, and `--order-by` with `:desc` forms): a
/// plain closure parser would leave the shell offering file names.
#[derive(Clone)]
struct Columns<T> {
    info: &'static ClassInfo,
    parse: fn(&'static ClassInfo, &str) -> Result<T, String>,
    descending_too: bool,
}

impl<T: Clone + Send + Sync + 'static> clap::builder::TypedValueParser for Columns<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidUtf8,
                "a column name is ASCII\n",
            )
            .with_cmd(cmd)
        })?;
        (self.parse)(self.info, text).map_err(|why| {
            let flag = arg.and_then(Arg::get_long).unwrap_or("value");
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid value '{text}' for '--{flag}': {why}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let names = self
            .info
            .columns
            .iter()
            .map(|c| c.name.to_ascii_lowercase());
        let descending_too = self.descending_too;
        Some(Box::new(names.flat_map(move |n| {
            let desc =
                descending_too.then(|| clap::builder::PossibleValue::new(format!("{n}:desc")));
            std::iter::once(clap::builder::PossibleValue::new(n)).chain(desc)
        })))
    }
}

/// A parsed `--order-by` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub column: &'static str,
    pub descending: bool,
}

fn order_parser(info: &'static ClassInfo) -> Columns<SortKey> {
    Columns {
        info,
        parse: parse_sort_key,
        descending_too: true,
    }
}

fn parse_sort_key(info: &'static ClassInfo, v: &str) -> Result<SortKey, String> {
    {
        // `epoch:desc`, or Space-Track's own `EPOCH desc`.
        let v = v.trim();
        let (name, dir) = v
            .split_once(':')
            .or_else(|| v.split_once(char::is_whitespace))
            .map(|(n, d)| (n, d.trim()))
            .unwrap_or((v, "asc"));
        let descending = match dir.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            other => return Err(format!("`{other}` is not a direction (asc or desc)")),
        };
        Ok(SortKey {
            column: column(info, name)?,
            descending,
        })
    }
}

fn schemas() -> Command {
    let class = Arg::new("class")
        .long("class")
        .value_name("CLASS")
        .action(ArgAction::Append)
        .help("Only this class (repeatable; `controller/class` when ambiguous)");
    Command::new("schemas")
        .about("Fetch modeldef schemas, and compare them with this build's")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("pull")
                .about("Fetch every class's modeldef into DIR/{controller}/{class}.json")
                .long_about(
                    "Fetch every class's modeldef into DIR/{controller}/{class}.json, in the \
                     exact shape Space-Track sends (Field, Type, Null, Key, Default, Extra). \
                     Pull into the workspace's schemas/ folder and rebuild: the typed API is \
                     generated from it. Notes kept in an existing file's `x-spacetrack` block \
                     are preserved.",
                )
                .arg(
                    Arg::new("dir")
                        .long("dir")
                        .value_name("DIR")
                        .default_value("schemas")
                        .value_parser(value_parser!(PathBuf)),
                )
                .arg(class.clone())
                .arg(fresh()),
        )
        .subcommand(
            Command::new("diff")
                .about("Show columns added, removed or retyped since this build's snapshot")
                .long_about(
                    "Compare the live modeldef (or the files in --dir) with the schemas \
                     compiled into this build. Exits 1 when anything differs.",
                )
                .arg(
                    Arg::new("dir")
                        .long("dir")
                        .value_name("DIR")
                        .value_parser(value_parser!(PathBuf))
                        .help("Compare these files instead of the live server"),
                )
                .arg(class)
                .arg(fresh()),
        )
}

fn fresh() -> Arg {
    Arg::new("fresh")
        .long("fresh")
        .action(ArgAction::SetTrue)
        .help("Ignore the on-disk modeldef cache (Space-Track asks for at most one fetch a day)")
}

fn config() -> Command {
    Command::new("config")
        .about("Store or show the credentials used when SPACETRACK_* are not set")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(
            Command::new("set-credentials")
                .about("Write identity and password to the config file (owner-only)")
                .arg(
                    Arg::new("identity")
                        .long("identity")
                        .required(true)
                        .value_name("EMAIL"),
                )
                .arg(
                    Arg::new("password-stdin")
                        .long("password-stdin")
                        .action(ArgAction::SetTrue)
                        .help("Read the password from stdin instead of a hidden prompt"),
                ),
        )
        .subcommand(
            Command::new("show").about(
                "Show which identity, base URL and config file are used (never the password)",
            ),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_is_well_formed() {
        // Catches clashing flags (a column named like an option) and
        // duplicate subcommands for every class in the build.
        command().debug_assert();
    }

    #[test]
    fn class_names_are_unique() {
        let mut names: Vec<String> = CLASSES.iter().map(|c| subcommand_name(c)).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(names.contains(&"gp".to_owned()));
        assert!(names.contains(&"spephemeris-file".to_owned()));
    }
}
