//! Options shared by several commands.

use std::path::PathBuf;

use clap::{Arg, Command};

/// The global options that reach Space-Track or hold its credentials
/// (`--config`, `--retries`, `--redis`, `--max-per-minute`), left out of
/// the help of `cmd`, which sends nothing; given to it anyway, each is an
/// error saying so (given before the subcommand, it is accepted and has
/// nothing to do).
pub fn without_network(cmd: Command) -> Command {
    fn refused<T: Clone + Send + Sync + 'static>(id: &'static str, name: String) -> Arg {
        Arg::new(id)
            .long(id)
            .hide(true)
            .value_parser(move |_: &str| -> Result<T, String> {
                Err(format!(
                    "`{name}` sends nothing to Space-Track: --{id} does not apply"
                ))
            })
    }
    let name = cmd.get_name().to_owned();
    cmd.arg(refused::<PathBuf>("config", name.clone()))
        .arg(refused::<u32>("retries", name.clone()))
        .arg(refused::<String>("redis", name.clone()))
        .arg(refused::<u32>("max-per-minute", name))
}
