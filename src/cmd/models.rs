//! `agelab models`: the zoo, and a Keras-style summary of any model.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

/// Arguments of `agelab models`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    show: Option<Show>,
}

#[derive(clap::Subcommand)]
enum Show {
    /// Print a model's layers, output shapes, parameters and multiply-adds.
    Show {
        /// Architecture name (see `agelab models`).
        name: String,
        /// Input as CxHxW (square), e.g. 3x32x32; default: the architecture's own.
        #[arg(long)]
        input: Option<String>,
        /// Heads as name:outputs[,name:outputs], e.g. age:5,gender:2; default: the architecture's own.
        #[arg(long)]
        heads: Option<String>,
    },
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let zoo = models::list();
    let Some(Show::Show { name, input, heads }) = a.show else {
        println!("{:<14} {:<10} {:<16} description / source", "name", "input", "heads");
        for e in &zoo {
            let heads: Vec<String> = e.heads.iter().map(|h| format!("{}:{}", h.name, h.outputs)).collect();
            let input = format!("{}x{}x{}", e.input.channels, e.input.size, e.input.size);
            let source =
                e.paper.as_ref().map(|p| format!("{} ({})", p.authors, p.year)).unwrap_or_else(|| e.source.to_string());
            println!("{:<14} {:<10} {:<16} {} — {}", e.name, input, heads.join(","), e.description, source);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(entry) = zoo.iter().find(|e| e.name == name) else {
        let names: Vec<&str> = zoo.iter().map(|e| e.name).collect();
        bail!("no model named '{name}'; the zoo has {}", names.join(", "));
    };
    let shape = match input {
        None => entry.input,
        Some(s) => parse_input(&s)?,
    };
    let heads = match heads {
        None => entry.heads.clone(),
        Some(s) => parse_heads(&s)?,
    };
    let summary = models::summary(&entry.spec, shape, &heads).with_context(|| format!("summarising {name}"))?;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

fn parse_input(s: &str) -> Result<models::InputShape> {
    let parts: Vec<i64> = s
        .split('x')
        .map(|p| p.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--input '{s}': expected CxHxW, e.g. 3x32x32"))?;
    match parts[..] {
        [c, h, w] if h == w && c > 0 && h > 0 => Ok(models::InputShape { channels: c, size: h }),
        _ => bail!("--input '{s}': expected CxHxW with H = W, e.g. 3x32x32"),
    }
}

fn parse_heads(s: &str) -> Result<Vec<models::HeadSpec>> {
    s.split(',')
        .map(|h| {
            let (name, n) = h.split_once(':').with_context(|| format!("--heads '{h}': expected name:outputs"))?;
            let outputs = n.parse::<usize>().with_context(|| format!("--heads '{h}': outputs must be a number"))?;
            Ok(models::HeadSpec { name: name.to_string(), outputs })
        })
        .collect()
}
