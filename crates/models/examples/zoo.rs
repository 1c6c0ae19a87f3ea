//! Prints the zoo table for `crates/models/README.md` (`cargo run -p models --example zoo`), or
//! with a name, that model's summary (`cargo run -p models --example zoo -- vgg16`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1) {
        None => print!("{}", models::zoo_table()?),
        Some(name) => {
            let entry = models::list().into_iter().find(|e| e.name == name).ok_or(format!("no model {name}"))?;
            println!("{}", models::summary(&entry.spec, entry.input, &entry.heads)?);
        }
    }
    Ok(())
}
