//! The README's results table against the committed run folders: every figure in its "reproduced
//! here" and "best here" columns is a reference link to the folder it comes from, and must be what
//! that folder gives today (`report::headlines`, the figures the comparison page plots), interval
//! included; a repeats summary's "mean ± std" must be its `summary.csv` line. A number that drifts
//! on either side, or a figure without its source, fails here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `[name]: target` reference definitions.
fn references(readme: &str) -> HashMap<String, String> {
    readme
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('[')?;
            let (name, target) = rest.split_once("]: ")?;
            Some((name.to_owned(), target.trim().to_owned()))
        })
        .collect()
}

/// The rows of the table whose header starts `| task |`, as cells.
fn results_rows(readme: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = readme.lines().collect();
    let start = lines.iter().position(|l| l.starts_with("| task |")).expect("README has a results table (`| task |`)");
    lines[start + 2..]
        .iter()
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim().trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect())
        .collect()
}

/// `[text][ref]` links in a cell, each with the ` (interval)` right after it if any, and the cell
/// with those parts removed.
fn figures(cell: &str) -> (Vec<(String, String, Option<String>)>, String) {
    let mut found = Vec::new();
    let mut rest = String::new();
    let mut s = cell;
    while let Some(open) = s.find('[') {
        rest.push_str(&s[..open]);
        let after = &s[open + 1..];
        let Some((text, tail)) = after.split_once("][") else {
            rest.push_str(&s[open..]);
            return (found, rest);
        };
        let (reference, tail) = tail.split_once(']').expect("a closed reference link");
        let (interval, tail) = match tail.strip_prefix(" (").and_then(|t| t.split_once(')')) {
            Some((i, t)) if i.chars().next().is_some_and(|c| c.is_ascii_digit()) => (Some(i.to_owned()), t),
            _ => (None, tail),
        };
        found.push((text.to_owned(), reference.to_owned(), interval));
        s = tail;
    }
    rest.push_str(s);
    (found, rest)
}

/// A repeats summary's "mean ± std" texts (`agelab compare --repeats`), spaces before `%` dropped.
fn summary_texts(csv_path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(csv_path).unwrap_or_else(|e| panic!("{}: {e}", csv_path.display()));
    let column = reader.headers().unwrap().iter().position(|h| h == "mean ± std").expect("a mean ± std column");
    reader.records().map(|r| r.unwrap()[column].replace(" %", "%")).collect()
}

#[test]
fn every_readme_result_is_what_its_run_folder_gives() {
    let root = repo();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let refs = references(&readme);
    let rows = results_rows(&readme);
    assert!(rows.len() >= 10, "the results table has {} rows", rows.len());
    let mut checked = 0;
    for row in &rows {
        assert_eq!(row.len(), 5, "task | the report | reproduced here | best here | command: {row:?}");
        for cell in &row[2..4] {
            let (found, rest) = figures(cell);
            assert!(
                !rest.chars().any(|c| c.is_ascii_digit()),
                "row {:?}: a figure without its source link in {cell:?}",
                row[0]
            );
            for (text, reference, interval) in found {
                let target = refs.get(&reference).unwrap_or_else(|| panic!("no [{reference}]: definition"));
                let dir = root.join(target);
                if dir.join("summary.csv").is_file() {
                    let texts = summary_texts(&dir.join("summary.csv"));
                    assert!(texts.contains(&text), "row {:?}: {text} is not in {target}summary.csv: {texts:?}", row[0]);
                    assert!(interval.is_none(), "a mean ± std has no interval");
                } else {
                    let heads = report::headlines(&dir, None).unwrap_or_else(|e| panic!("{target}: {e}"));
                    let available: Vec<String> = heads
                        .iter()
                        .map(|h| {
                            format!("{} {} ({})", h.label(), h.value_text(), h.interval_text().unwrap_or_default())
                        })
                        .collect();
                    let hit = heads
                        .iter()
                        .any(|h| h.value_text() == text && (interval.is_none() || h.interval_text() == interval));
                    assert!(
                        hit,
                        "row {:?}: {text} ({}) is not a figure of {target}, which gives {available:?}",
                        row[0],
                        interval.as_deref().unwrap_or("no interval")
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} figures checked");
}

#[test]
fn the_cell_parser_takes_links_and_intervals() {
    let (found, rest) = figures("[88.21%][model2] (85.6-90.4) / [4.91][pair]");
    assert_eq!(
        found,
        vec![("88.21%".into(), "model2".into(), Some("85.6-90.4".into())), ("4.91".into(), "pair".into(), None)]
    );
    assert_eq!(rest, " / ");
    let (_, rest) = figures("88.2% (Model 2)");
    assert!(rest.contains("88.2"), "an unlinked figure stays in the rest, where the test finds it");
}
