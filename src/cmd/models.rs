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
    let Some(Show::Show { name, input, heads }) = a.show else {
        println!("{:<14} {:<10} {:<16} description / source", "name", "input", "heads");
        for e in &models::list() {
            let heads: Vec<String> = e.heads.iter().map(|h| format!("{}:{}", h.name, h.outputs)).collect();
            let input = format!("{}x{}x{}", e.input.channels, e.input.size, e.input.size);
            let source =
                e.paper.as_ref().map(|p| format!("{} ({})", p.authors, p.year)).unwrap_or_else(|| e.source.to_string());
            println!("{:<14} {:<10} {:<16} {} — {}", e.name, input, heads.join(","), e.description, source);
        }
        return Ok(ExitCode::SUCCESS);
    };
    println!("{}", show(&name, input.as_deref(), heads.as_deref())?);
    Ok(ExitCode::SUCCESS)
}

/// The summary `agelab models show` prints; the options are checked against the architecture
/// before anything is built.
fn show(name: &str, input: Option<&str>, heads: Option<&str>) -> Result<models::Summary> {
    let zoo = models::list();
    let Some(entry) = zoo.iter().find(|e| e.name == name) else {
        let names: Vec<&str> = zoo.iter().map(|e| e.name).collect();
        bail!("no model named '{name}'; the zoo has {}", names.join(", "));
    };
    let heads = match heads {
        None => entry.heads.clone(),
        Some(s) => parse_heads(s)?,
    };
    let shape = match input {
        None => entry.input,
        Some(s) => parse_input(s, entry, &heads)?,
    };
    models::summary(&entry.spec, shape, &heads).with_context(|| format!("summarising {name}"))
}

/// `--input CxHxW`, refused unless the architecture takes it: the channels within the engine's
/// range, the side within the sides the architecture builds for, and the architecture's own
/// conditions (Model 4's multiples of 4).
fn parse_input(s: &str, entry: &models::ZooEntry, heads: &[models::HeadSpec]) -> Result<models::InputShape> {
    let parts: Vec<i64> = s
        .split('x')
        .map(|p| p.trim().parse::<i64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--input '{s}': expected CxHxW, e.g. 3x32x32"))?;
    let [channels, size, width] = parts[..] else {
        bail!("--input '{s}': expected CxHxW, e.g. 3x32x32");
    };
    if size != width {
        bail!("--input '{s}': images are square, H must equal W");
    }
    let max_channels = models::InputShape::MAX_CHANNELS;
    if !(1..=max_channels).contains(&channels) {
        bail!("--input '{s}': channels must be between 1 and {max_channels}, got {channels}");
    }
    let sides = models::input_sides(&entry.spec, channels, heads).with_context(|| format!("--input '{s}'"))?;
    let accepted = format!("{} takes sides from {} to {} px", entry.name, sides.start(), sides.end());
    if !sides.contains(&size) {
        bail!("--input '{s}': {accepted}, got {size}");
    }
    let shape = models::InputShape { channels, size };
    if let Err(e) = models::summary(&entry.spec, shape, heads) {
        bail!("--input '{s}': {e} ({accepted})");
    }
    Ok(shape)
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

#[cfg(test)]
mod tests {
    use super::show;

    #[test]
    fn inputs_a_model_cannot_take_are_refused_naming_the_option_and_the_range() {
        // once a 40 TB allocation and a libtorch abort
        let err = show("model4", Some("3x100000x100000"), None).unwrap_err().to_string();
        assert_eq!(err, "--input '3x100000x100000': model4 takes sides from 4 to 2044 px, got 100000");
        let err = show("model4", Some("3x2x2"), None).unwrap_err().to_string();
        assert_eq!(err, "--input '3x2x2': model4 takes sides from 4 to 2044 px, got 2");
        let err = format!("{:#}", show("model4", Some("3x30x30"), None).unwrap_err());
        assert!(err.contains("multiple of 4") && err.contains("(model4 takes sides from 4 to 2044 px)"), "{err}");
        let err = show("vgg16", Some("3x16x16"), Some("age:8")).unwrap_err().to_string();
        assert!(err.contains("vgg16 takes sides from 32 to 4096 px, got 16"), "{err}");
        let err = show("model2", Some("0x32x32"), None).unwrap_err().to_string();
        assert!(err.contains("channels must be between 1 and 64, got 0"), "{err}");
        let err = show("model2", Some("3x99999999999999999999x1"), None).unwrap_err().to_string();
        assert!(err.contains("expected CxHxW"), "{err}");
        let err = show("model2", None, Some("gender:99999999999999999999,age:18446744073709551615")).unwrap_err();
        assert!(format!("{err:#}").contains("outputs must be a number"), "{err:#}");
        let err = show("model2", None, Some("age:18446744073709551615")).unwrap_err();
        assert!(format!("{err:#}").contains("more than a network may hold"), "{err:#}");
        let s = show("model4", Some("3x2044x2044"), None).unwrap();
        assert_eq!(s.input.size, 2044);
        assert!(show("model4", None, None).unwrap().to_string().contains("Total params: 1,084,613"));
    }
}
